package computer.aesthetic.moodsync.sim;

import computer.aesthetic.moodsync.spi.MoodStore;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs many {@link ScheduleSimulator} schedules from a JUnit test, prints the first seed and the totals, and fails
 * with the shortest failing schedule found (its seed, steps and findings), ready to replay.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code moodsync.sim.seed}: replay this one schedule (printed in full);</li>
 *   <li>{@code moodsync.sim.firstSeed}: the first seed of the run (default: random, printed); schedule {@code i}
 *       has seed {@code firstSeed + i};</li>
 *   <li>{@code moodsync.sim.count}: how many schedules (default: the test's count);</li>
 *   <li>{@code moodsync.sim.steps}: steps per schedule (default {@value #DEFAULT_STEPS});</li>
 *   <li>{@code moodsync.sim.kinds}: the enabled {@link ScheduleSimulator.Kind}s, comma-separated ({@code all},
 *       {@code -NAME} to leave one out; default: {@link #DEFAULT_KINDS});</li>
 *   <li>{@code moodsync.sim.strict}: {@code true} also fails a schedule whose drain alone, before reconcile +
 *       repair, did not converge.</li>
 * </ul>
 */
public final class ScheduleRunner {
    /** Steps per schedule unless {@code moodsync.sim.steps} says otherwise. */
    public static final int DEFAULT_STEPS = 40;
    /**
     * The kinds a run enables unless {@code moodsync.sim.kinds} says otherwise: every kind. ERASE was left out until
     * a create frozen past its lease could outlive a verified erasure (issue 11 schedule 7, seeds 200756, 200841);
     * now the next reconcile of the erased user deletes it ({@code ERASED_USER_RECORD}), and 300 schedules of every
     * kind pass (docs/ARCHITECTURE.md, "Randomized schedules"). Leave one out with {@code -NAME}.
     */
    public static final String DEFAULT_KINDS = "all";

    private ScheduleRunner() {
    }

    /**
     * Runs the schedules and throws when one fails.
     *
     * @param name names the store in the output
     * @param stores makes a fresh, empty store per schedule
     * @param defaultCount how many schedules unless {@code moodsync.sim.count} says otherwise
     * @throws AssertionError with the shortest failing schedule
     */
    public static void runAndAssert(String name, Supplier<MoodStore> stores, int defaultCount) {
        Objects.requireNonNull(stores, "stores");
        runAndAssert(name, clock -> stores.get(), defaultCount, java.time.Duration.ofSeconds(30),
                java.time.Duration.ZERO);
    }

    /**
     * Runs the schedules, with stores that judge leases by a clock of their own, and throws when one fails.
     *
     * @param name names the store in the output
     * @param stores makes a fresh, empty store per schedule, given the schedule's base clock (see
     *     {@link ScheduleSimulator#ScheduleSimulator(java.util.function.Function, Set, int, java.time.Duration,
     *     java.time.Duration, java.time.Duration)})
     * @param defaultCount how many schedules unless {@code moodsync.sim.count} says otherwise
     * @param lease the instances' lease
     * @param realLeaseWait real time to wait for leases to run out while draining (zero for a fake store)
     * @throws AssertionError with the shortest failing schedule
     */
    public static void runAndAssert(String name, java.util.function.Function<java.time.Clock, MoodStore> stores,
            int defaultCount, java.time.Duration lease, java.time.Duration realLeaseWait) {
        runAndAssert(name, stores, defaultCount, lease, realLeaseWait, DEFAULT_KINDS, "moodsync.sim.count");
    }

    /**
     * Runs the schedules with other defaults for the kinds and for the property that sets the count, and throws
     * when one fails.
     *
     * @param name names the store in the output
     * @param stores makes a fresh, empty store per schedule, given the schedule's base clock
     * @param defaultCount how many schedules unless {@code countProperty} says otherwise
     * @param lease the instances' lease
     * @param realLeaseWait real time to wait for leases to run out while draining (zero for a fake store)
     * @param defaultKinds the kinds unless {@code moodsync.sim.kinds} says otherwise
     * @param countProperty the system property that overrides {@code defaultCount}
     * @throws AssertionError with the shortest failing schedule
     */
    public static void runAndAssert(String name, java.util.function.Function<java.time.Clock, MoodStore> stores,
            int defaultCount, java.time.Duration lease, java.time.Duration realLeaseWait, String defaultKinds,
            String countProperty) {
        Set<ScheduleSimulator.Kind> kinds = ScheduleSimulator.Kind.parse(System.getProperty("moodsync.sim.kinds",
                defaultKinds));
        int steps = Integer.getInteger("moodsync.sim.steps", DEFAULT_STEPS);
        boolean strict = Boolean.getBoolean("moodsync.sim.strict");
        ScheduleSimulator sim = new ScheduleSimulator(stores, kinds, steps, lease, java.time.Duration.ofMillis(25),
                realLeaseWait);
        String replay = System.getProperty("moodsync.sim.seed");
        if (replay != null && !replay.isBlank()) {
            ScheduleSimulator.Outcome o = sim.run(Long.parseLong(replay.trim()));
            System.out.println("[sim " + name + "] kinds " + kinds + "\n" + o.describe());
            if (!o.passed() || strict && !o.drainAlone().isEmpty()) {
                throw new AssertionError("schedule " + o.seed() + " (" + name + ", kinds " + kinds
                        + ") broke the oracle:\n" + o.describe());
            }
            return;
        }
        int count = Integer.getInteger(countProperty, defaultCount);
        long first = Long.getLong("moodsync.sim.firstSeed", new java.util.Random().nextLong() >>> 20);
        System.out.println("[sim " + name + "] " + count + " schedules of " + steps + " steps, kinds " + kinds
                + ", seeds " + first + ".." + (first + count - 1) + " (replay one with -Dmoodsync.sim.seed=N)");
        long t0 = System.nanoTime();
        int failed = 0;
        int drainOnly = 0;
        java.util.List<Long> drainSeeds = new java.util.ArrayList<>();
        java.util.List<Long> failedSeeds = new java.util.ArrayList<>();
        ScheduleSimulator.Outcome firstFailure = null;
        for (int i = 0; i < count; i++) {
            ScheduleSimulator.Outcome o = sim.run(first + i);
            boolean drainFailed = !o.drainAlone().isEmpty();
            if (drainFailed) {
                drainOnly++;
                if (drainSeeds.size() < 20) {
                    drainSeeds.add(o.seed());
                }
            }
            if (!o.passed() && failedSeeds.size() < 20) {
                failedSeeds.add(o.seed());
            }
            if (!o.passed() || strict && drainFailed) {
                failed++;
                if (firstFailure == null) {
                    firstFailure = o;
                }
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String totals = "[sim " + name + "] " + count + " schedules in " + ms + " ms: " + failed
                + " broke the oracle " + failedSeeds + ", " + drainOnly + " needed reconcile + repair to converge "
                + drainSeeds;
        System.out.println(totals);
        if (firstFailure != null) {
            ScheduleSimulator.Outcome shortest = sim.shrink(firstFailure, strict);
            throw new AssertionError(totals + "\nshortest failing schedule (replay with -Dmoodsync.sim.seed="
                    + shortest.seed() + " -Dmoodsync.sim.steps=" + shortest.stepCount()
                    + " -Dmoodsync.sim.kinds=" + String.join(",", kinds.stream().map(Enum::name).toList())
                    + "):\n" + shortest.describe());
        }
    }
}
