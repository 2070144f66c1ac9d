package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.ingest.OutdatedCursorDeletedAccountTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link OutdatedCursorDeletedAccountTest} on MongoDB (embedded, or real when {@code MOODSYNC_MONGO_URI} is set):
 * the deleted account's repository state keeps its account status across reopens in {@link MongoIngestStateStore}.
 */
class MongoOutdatedCursorDeletedAccountTest extends OutdatedCursorDeletedAccountTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }

    @Override
    protected IngestStateStore newStateStore() {
        return MongoIngestStateStore.builder(MONGO.database()).build();
    }
}
