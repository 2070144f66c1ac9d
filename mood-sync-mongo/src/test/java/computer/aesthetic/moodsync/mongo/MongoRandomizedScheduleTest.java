package computer.aesthetic.moodsync.mongo;

import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.sim.ScheduleRunner;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The randomized schedules of core's {@code ScheduleSimulator} on {@link MongoMoodStore}: embedded mongo-java-server
 * by default, a real MongoDB when {@code MOODSYNC_MONGO_URI} is set. Each schedule gets its own collection of the
 * test's database. Fewer schedules than on the in-memory store (each costs real database round trips); the same
 * system properties ({@code moodsync.sim.seed}, {@code .count}, {@code .steps}, {@code .kinds}, {@code .strict})
 * apply, and the {@code sim-long} profile runs more.
 */
class MongoRandomizedScheduleTest {
    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Test
    void everyScheduleEndsWithBothSidesInStepOnMongo() {
        AtomicInteger n = new AtomicInteger();
        // Leases are judged by the server's clock ($$NOW), which the schedules' test clocks do not move: a short
        // lease, and a real wait past it whenever the drain needs every lease to have run out.
        // Each schedule its own tombstones and holds too: users are named alike in every schedule, and an erasure's
        // tombstone left by one schedule would fence the next one's user.
        ScheduleRunner.runAndAssert("MongoMoodStore", clock -> {
            int k = n.incrementAndGet();
            return MongoMoodStore.builder(MONGO.database()).collection("moods_sim_" + k)
                    .userStatesCollection("users_sim_" + k).build();
        }, 25, java.time.Duration.ofMillis(800),
                java.time.Duration.ofMillis(1000));
    }
}
