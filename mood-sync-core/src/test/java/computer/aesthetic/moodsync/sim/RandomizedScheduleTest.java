package computer.aesthetic.moodsync.sim;

import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import org.junit.jupiter.api.Test;

/**
 * Randomized schedules (issue 11) on the in-memory store: several instances with skewed clocks, one store, one fake
 * PDS, faults, then heal, drain, reconcile + repair, and the oracle of {@link ScheduleSimulator}. See
 * {@link ScheduleRunner} for the system properties that replay one seed or change the run; the {@code sim-long}
 * Maven profile runs thousands of schedules.
 */
class RandomizedScheduleTest {
    @Test
    void everyScheduleEndsWithBothSidesInStep() {
        // the store judges leases by the schedule's base clock, as MongoDB judges them by the server's (issue 11)
        ScheduleRunner.runAndAssert("in-memory store", InMemoryMoodStore::create, 300, java.time.Duration.ofSeconds(30),
                java.time.Duration.ZERO);
    }
}
