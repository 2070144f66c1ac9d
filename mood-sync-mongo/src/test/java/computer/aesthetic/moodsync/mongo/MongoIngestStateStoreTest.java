package computer.aesthetic.moodsync.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.IngestStateStoreContract;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the {@link IngestStateStoreContract} on MongoDB (embedded, or real when {@code MOODSYNC_MONGO_URI} is set),
 * plus a race for the first lease.
 */
class MongoIngestStateStoreTest extends IngestStateStoreContract {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected IngestStateStore newStore() {
        return MongoIngestStateStore.builder(MONGO.database()).build();
    }

    @Test
    void exactlyOneOfManyFirstAcquiresWins() throws Exception {
        IngestStateStore store = newStore();
        String source = "race-" + System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> tries = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String owner = "f" + i;
                tries.add(() -> store.acquire(source, owner, 0));
            }
            long winners = 0;
            for (Future<Boolean> f : pool.invokeAll(tries)) {
                winners += f.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
            assertThat(store.lease(source).version()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
