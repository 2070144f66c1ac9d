package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.LegacyRecordTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.MoodStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 11's legacy-record schedules (adopting the origin's record of an unlinked mood) on MongoMoodStore. */
class MongoLegacyRecordTest extends LegacyRecordTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }
}
