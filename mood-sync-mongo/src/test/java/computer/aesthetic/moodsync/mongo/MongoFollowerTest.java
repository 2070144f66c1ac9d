package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.ingest.FollowerTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every follower schedule of {@link FollowerTest} on MongoDB (embedded, or real when {@code MOODSYNC_MONGO_URI} is
 * set): {@link MongoMoodStore} and {@link MongoIngestStateStore}.
 */
class MongoFollowerTest extends FollowerTest {
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
