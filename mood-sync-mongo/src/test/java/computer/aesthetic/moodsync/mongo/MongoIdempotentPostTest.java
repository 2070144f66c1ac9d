package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.IdempotentPostTest;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.spi.MoodStore;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Idempotent posts (a caller-supplied MoodId retried after a lost acknowledgement) on MongoMoodStore. */
class MongoIdempotentPostTest extends IdempotentPostTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Override
    protected MoodStore newStore() {
        return MongoMoodStore.builder(MONGO.database()).build();
    }
}
