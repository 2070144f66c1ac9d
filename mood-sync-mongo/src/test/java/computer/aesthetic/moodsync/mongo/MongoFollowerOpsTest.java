package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.ingest.FollowerOpsTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every account-hold schedule of {@link FollowerOpsTest} on MongoDB (embedded, or real when
 * {@code MOODSYNC_MONGO_URI} is set): the hold survives a service restart, and a deleted account's repository state
 * keeps its account status across reopens in {@link MongoIngestStateStore}.
 */
class MongoFollowerOpsTest extends FollowerOpsTest {
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
