package computer.aesthetic.moodsync.mongo;

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
}
