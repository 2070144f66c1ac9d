package computer.aesthetic.moodsync.mongo;

import java.time.Duration;

import computer.aesthetic.moodsync.FencedWriteTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.MoodStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 11's fenced-write schedules on MongoMoodStore (embedded, or real with MOODSYNC_MONGO_URI). */
class MongoFencedWriteTest extends FencedWriteTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }

    /** The server's clock judges leases here and cannot be moved: a short lease, and a real wait past it. */
    @Override
    protected Duration lease() {
        return Duration.ofSeconds(6);
    }

    @Override
    protected void leaseRunsOut() {
        try {
            Thread.sleep(lease().plusMillis(300).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        super.leaseRunsOut();
    }
}
