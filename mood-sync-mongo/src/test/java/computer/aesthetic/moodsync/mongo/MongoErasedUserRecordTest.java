package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.ErasedUserRecordTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.MoodStore;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 11 schedule 7 (seed 200841): an erased user's late record, deleted by the next repair, on MongoMoodStore. */
class MongoErasedUserRecordTest extends ErasedUserRecordTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }

    /** The server's clock ($$NOW) judges leases: a lease the database round trips fit in. */
    @Override
    protected Duration lease() {
        return Duration.ofSeconds(1);
    }
}
