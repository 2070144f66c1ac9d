package computer.aesthetic.moodsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.IngestStateStoreContract;
import org.junit.jupiter.api.Test;

/** Runs the {@link IngestStateStoreContract} on the in-memory store, plus its failure injection. */
class InMemoryIngestStateStoreTest extends IngestStateStoreContract {
    @Override
    protected IngestStateStore newStore() {
        return new InMemoryIngestStateStore();
    }

    @Test
    void failNextFailsWithoutEffect() {
        InMemoryIngestStateStore s = new InMemoryIngestStateStore();
        s.acquire("p", "a", 0);
        s.failNext("saveCursor", 1);
        assertThatThrownBy(() -> s.saveCursor("p", "a", 4)).isInstanceOf(StoreException.class)
                .hasMessageContaining("saveCursor");
        assertThat(s.cursor("p")).isEmpty();
        assertThat(s.saveCursor("p", "a", 4)).isTrue();
        assertThat(s.cursor("p")).hasValue(4);
        assertThatThrownBy(() -> s.failNext("nope", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
