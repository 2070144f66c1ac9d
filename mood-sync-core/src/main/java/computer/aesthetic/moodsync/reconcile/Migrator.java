package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;

/**
 * Moves every existing mood of every user (or of the users given) to the PDS: per user, {@link Reconciler#reconcile
 * reconcile}, {@link Reconciler#plan plan} under a {@link RepairPolicy}, and {@link Repairer#apply apply}, for
 * several users in parallel. Moods already mirrored are adopted (legacy records are linked by their {@code mongoId}),
 * missing records are created at {@code rkeyFor(id)}, duplicates left by earlier attempts are removed: the migration
 * is the repair engine run over everyone.
 *
 * <h2>Resuming after a crash</h2>
 * There is no state file, and none is needed: run the migration again, and it finishes the job. After a crash, a
 * {@code kill -9} or a failed user, every mood is in one of the states the reconciler names, and each has an
 * idempotent repair:
 * <ul>
 *   <li>a record's key is a pure function of its mood's id ({@code rkeyFor(id)}), so a record written before the
 *       crash is found again at the same key, never created twice;</li>
 *   <li>a record written whose link the store did not get (the crash fell between the two) is found by its key or its
 *       {@code ref}, and only linked;</li>
 *   <li>an {@code applyWrites} batch is all or nothing, and a batch whose answer was lost is redone write by write
 *       with calls that never overwrite another mood's record;</li>
 *   <li>users finished before the crash reconcile as in sync and cost one listing of their collection (reads, no
 *       write points).</li>
 * </ul>
 * So an interrupted run followed by a complete one ends in the same state as one complete run, with no duplicate
 * record. The same holds for users that {@link MigrationReport.Outcome#FAILED failed} or stopped for the write budget
 * ({@link MigrationReport.Outcome#PARTIAL}): run again, possibly with just those users.
 *
 * <h2>Rate limits and parallelism</h2>
 * Each user's writes go through the {@link Repairer}: {@code applyWrites} batches within the repository's write
 * budget, one writer per repository. Users are written in parallel on {@link Builder#concurrency} threads, and read
 * ahead on as many more: while users are written, the next ones are reconciled (which logs in to their repository
 * and lists it) and planned, so a user's login and listings overlap the writes of the users before it instead of
 * leaving the PDS's writer idle. At most {@code concurrency} users write at once, and at most twice that many are in
 * flight (being read, planned and waiting, or written), which bounds the plans held in memory. The run creates its
 * threads and stops them before it returns. The PDS's budget is per repository, so parallel users do not compete for
 * it; they do share the PDS's capacity: keep the concurrency modest.
 *
 * <h2>Outcomes</h2>
 * Users without an ATProto account are listed ({@link MigrationReport.Outcome#NO_ACCOUNT}), not failed. A user whose
 * reconcile or repair fails (a {@link computer.aesthetic.moodsync.PdsException}, a store error) is reported
 * {@link MigrationReport.Outcome#FAILED} with the error, and the other users carry on.
 *
 * <p>Built objects are immutable and thread-safe; runs may overlap (the repairer keeps one writer per repository).
 */
public final class Migrator {
    /** The default number of users migrated in parallel. */
    public static final int DEFAULT_CONCURRENCY = 4;
    /** The most users migrated in parallel. */
    public static final int MAX_CONCURRENCY = 64;

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Repairer repairer;
    private final Reconciler reconciler;
    private final int concurrency;
    private final RepairPolicy policy;
    private final MigrationListener listener;
    private final Clock clock;

    private Migrator(Builder b) {
        this.repairer = b.repairer;
        this.reconciler = b.repairer.reconciler();
        this.concurrency = b.concurrency;
        this.policy = b.policy;
        this.listener = b.listener;
        this.clock = b.clock != null ? b.clock : reconciler.clock();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Migrator}. Not thread-safe; the migrator it builds is. */
    public static final class Builder {
        private Repairer repairer;
        private int concurrency = DEFAULT_CONCURRENCY;
        private RepairPolicy policy = RepairPolicy.DEFAULT;
        private MigrationListener listener = MigrationListener.NONE;
        private Clock clock;

        private Builder() {
        }

        /**
         * Sets the repairer that applies the plans; its reconciler's store, repositories and accounts are the ones
         * migrated. Required. Share the application's repairer, so that the migration and other repairs keep one
         * writer per repository.
         *
         * @param repairer the repairer
         * @return this builder
         */
        public Builder repairer(Repairer repairer) {
            this.repairer = repairer;
            return this;
        }

        /**
         * Sets how many users are written in parallel; as many more are read ahead (reconciled and planned) while
         * they write. Default: {@value Migrator#DEFAULT_CONCURRENCY}.
         *
         * @param users 1 to {@value Migrator#MAX_CONCURRENCY}
         * @return this builder
         */
        public Builder concurrency(int users) {
            this.concurrency = users;
            return this;
        }

        /**
         * Sets the policy plans are made with. Default: {@link RepairPolicy#DEFAULT} (the store wins on content,
         * orphans and invalid records are reported, not deleted).
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder policy(RepairPolicy policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Sets the progress listener. Default: {@link MigrationListener#NONE}.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(MigrationListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Sets the clock for elapsed times and the ETA. Default: the repairer's clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Builds the migrator.
         *
         * @return the migrator
         * @throws IllegalArgumentException naming the first missing or invalid property
         */
        public Migrator build() {
            if (repairer == null) {
                throw new IllegalArgumentException("repairer is required");
            }
            if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
                throw new IllegalArgumentException("concurrency must be 1.." + MAX_CONCURRENCY + ", found "
                        + concurrency);
            }
            if (policy == null) {
                throw new IllegalArgumentException("policy must not be null (use RepairPolicy.DEFAULT)");
            }
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null (use MigrationListener.NONE)");
            }
            return new Migrator(this);
        }
    }

    /**
     * Migrates users: reconciles, plans and applies each, in parallel. Resumable: see the class comment.
     *
     * @param users the users to migrate, in this order (repeats are dropped); empty for every user with moods
     *     ({@link computer.aesthetic.moodsync.spi.MoodStore#listUsers()}, in ascending order)
     * @return the report, with one result per user
     * @throws computer.aesthetic.moodsync.StoreException if the users cannot be listed (failures of single users are
     *     reported in the result instead)
     */
    public MigrationReport migrate(Optional<List<UserId>> users) {
        return run(users, false);
    }

    /**
     * Plans the migration without writing anything: reconciles and plans each user, in parallel, and reports what
     * would be written ({@link MigrationReport.Outcome#PLANNED}) and at most how many write points it would cost.
     *
     * @param users the users, or empty for every user with moods
     * @return the report
     * @throws computer.aesthetic.moodsync.StoreException if the users cannot be listed
     */
    public MigrationReport dryRun(Optional<List<UserId>> users) {
        return run(users, true);
    }

    private MigrationReport run(Optional<List<UserId>> users, boolean dryRun) {
        Objects.requireNonNull(users, "users");
        List<UserId> list = users.map(Migrator::distinct).orElseGet(this::allUsers);
        Instant started = clock.instant();
        Tracker tracker = new Tracker(list.size(), started);
        tracker.emit(() -> listener.started(list.size(), dryRun));
        AtomicReferenceArray<MigrationReport.UserResult> results = new AtomicReferenceArray<>(list.size());
        if (!list.isEmpty()) {
            int workers = Math.min(concurrency, list.size());
            List<Thread> poolThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
            ThreadFactory factory = threads(poolThreads);
            // Two stages: readers reconcile and plan users in order (the PDS listing, and with it the login, and the
            // store listing), writers apply the plans. Both have `workers` threads, so a user's reads overlap the
            // writes of the users before it; the permits bound the users in flight (being read, planned and waiting,
            // or being written) to twice the concurrency, and with them the plans held in memory.
            ExecutorService readers = Executors.newFixedThreadPool(workers, factory);
            ExecutorService writers = dryRun ? readers : Executors.newFixedThreadPool(workers, factory);
            Semaphore inFlight = new Semaphore(2 * workers);
            AtomicReferenceArray<Future<?>> writes = new AtomicReferenceArray<>(list.size());
            try {
                List<Future<?>> reads = new ArrayList<>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    int at = i;
                    reads.add(readers.submit(() -> {
                        try {
                            inFlight.acquire();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        boolean handedOver = false;
                        try {
                            Step step = prepare(list.get(at), dryRun, tracker);
                            if (step == null) {
                                return;
                            }
                            if (step.result() != null) {
                                results.set(at, finish(step.result(), tracker));
                                return;
                            }
                            writes.set(at, writers.submit(() -> {
                                try {
                                    results.set(at, finish(apply(step), tracker));
                                } finally {
                                    inFlight.release();
                                }
                            }));
                            handedOver = true;
                        } finally {
                            if (!handedOver) {
                                inFlight.release();
                            }
                        }
                    }));
                }
                for (int i = 0; i < list.size(); i++) {
                    reads.get(i).get();
                    Future<?> write = writes.get(i);
                    if (write != null) {
                        write.get();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // prepare and apply report every RuntimeException: only Errors get here.
                readers.shutdownNow();
                writers.shutdownNow();
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException("a migration worker failed unexpectedly", e.getCause());
            } finally {
                readers.shutdownNow();
                writers.shutdownNow();
                awaitQuietly(readers, poolThreads);
                awaitQuietly(writers, poolThreads);
            }
        }
        List<MigrationReport.UserResult> all = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            MigrationReport.UserResult r = results.get(i);
            all.add(r != null ? r : new MigrationReport.UserResult(list.get(i), Optional.empty(),
                    MigrationReport.Outcome.NOT_RUN, 0, 0, Map.of(), 0, 0, 0, 0, 0,
                    Optional.of("the run was interrupted before this user"), Duration.ZERO));
        }
        Instant finished = clock.instant();
        MigrationReport report = new MigrationReport(dryRun, all, tracker.snapshot(), started, finished);
        tracker.emit(() -> listener.finished(report));
        return report;
    }

    /**
     * A user after the read stage: either its final result (no account, in sync, planned, failed), or the plan to
     * apply.
     */
    private record Step(UserId user, Instant start, MigrationReport.UserResult result, ReconcileReport report,
            RepairPlan plan) {
    }

    /** Reconciles and plans; returns null when the run was interrupted before this user. */
    private Step prepare(UserId user, boolean dryRun, Tracker tracker) {
        if (Thread.currentThread().isInterrupted()) {
            return null;
        }
        Instant start = clock.instant();
        tracker.emit(() -> listener.userStarted(user));
        ReconcileReport report = null;
        try {
            report = reconciler.reconcile(user);
            if (report.status() == ReconcileReport.Status.NO_ACCOUNT) {
                return done(user, start, new MigrationReport.UserResult(user, Optional.empty(),
                        MigrationReport.Outcome.NO_ACCOUNT, report.moodCount(), 0, Map.of(), 0, 0, 0, 0, 0,
                        Optional.empty(), elapsedSince(start)));
            }
            RepairPlan plan = reconciler.plan(report, policy);
            int leftAlone = plan.unrepaired().size();
            if (plan.isEmpty() && plan.deletesHeldBack() == 0) {
                return done(user, start, new MigrationReport.UserResult(user, report.did(),
                        MigrationReport.Outcome.IN_SYNC, report.moodCount(), report.recordCount(), Map.of(), 0, 0, 0,
                        leftAlone, 0, Optional.empty(), elapsedSince(start)));
            }
            if (dryRun) {
                return done(user, start, new MigrationReport.UserResult(user, report.did(),
                        MigrationReport.Outcome.PLANNED, report.moodCount(), report.recordCount(), plan.counts(),
                        plan.points(), 0, 0, leftAlone, plan.deletesHeldBack(), Optional.empty(),
                        elapsedSince(start)));
            }
            return new Step(user, start, null, report, plan);
        } catch (RuntimeException e) {
            return done(user, start, failed(user, start, report, e));
        }
    }

    private static Step done(UserId user, Instant start, MigrationReport.UserResult result) {
        return new Step(user, start, result, null, null);
    }

    /** Applies a user's plan. */
    private MigrationReport.UserResult apply(Step step) {
        UserId user = step.user();
        ReconcileReport report = step.report();
        RepairPlan plan = step.plan();
        Instant start = step.start();
        try {
            int leftAlone = plan.unrepaired().size();
            RepairResult applied = repairer.apply(plan);
            MigrationReport.Outcome outcome = switch (applied.status()) {
                case COMPLETED -> plan.deletesHeldBack() > 0 ? MigrationReport.Outcome.PARTIAL
                        : MigrationReport.Outcome.MIGRATED;
                case BUDGET_EXHAUSTED -> MigrationReport.Outcome.PARTIAL;
                case FAILED -> MigrationReport.Outcome.FAILED;
                case NO_ACCOUNT -> MigrationReport.Outcome.NO_ACCOUNT;
            };
            Optional<String> error = applied.error();
            if (error.isEmpty() && plan.deletesHeldBack() > 0) {
                error = Optional.of(plan.deletesHeldBack() + " deletions held back by maxDeletes="
                        + policy.maxDeletes() + ": run again");
            }
            return new MigrationReport.UserResult(user, report.did(), outcome, report.moodCount(),
                    report.recordCount(), applied.applied(), plan.points(), applied.pointsSpent(),
                    applied.skipped().size(), leftAlone, plan.deletesHeldBack(), error, elapsedSince(start));
        } catch (RuntimeException e) {
            return failed(user, start, report, e);
        }
    }

    private MigrationReport.UserResult failed(UserId user, Instant start, ReconcileReport report,
            RuntimeException e) {
        Optional<Did> did = report == null ? Optional.empty() : report.did();
        long moods = report == null ? 0 : report.moodCount();
        long records = report == null ? 0 : report.recordCount();
        return new MigrationReport.UserResult(user, did, MigrationReport.Outcome.FAILED, moods, records, Map.of(), 0,
                0, 0, 0, 0, Optional.of(describe(e)), elapsedSince(start));
    }

    private static MigrationReport.UserResult finish(MigrationReport.UserResult result, Tracker tracker) {
        tracker.finished(result, tracker.now());
        return result;
    }

    private List<UserId> allUsers() {
        try (Stream<UserId> s = reconciler.store().listUsers()) {
            return s.toList();
        }
    }

    private static List<UserId> distinct(List<UserId> users) {
        for (UserId u : users) {
            Objects.requireNonNull(u, "users must not contain null");
        }
        return List.copyOf(new LinkedHashSet<>(users));
    }

    private Duration elapsedSince(Instant start) {
        Duration d = Duration.between(start, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static String describe(RuntimeException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static ThreadFactory threads(List<Thread> started) {
        int run = RUNS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "moodsync-migrate-" + run + "-" + n.incrementAndGet());
            t.setDaemon(true);
            started.add(t);
            return t;
        };
    }

    /** Waits for the pool's tasks, then for its threads themselves, so none outlives the run. */
    private static void awaitQuietly(ExecutorService pool, List<Thread> threads) {
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Migrator[concurrency=" + concurrency + ", policy=" + policy + "]";
    }

    /** A run's counters and the listener's lock: listeners are called one at a time. */
    private final class Tracker {
        private final int total;
        private final Instant started;
        private int done;
        private int failed;
        private int noAccount;
        private long moods;
        private long written;
        private long deleted;
        private long points;

        Tracker(int total, Instant started) {
            this.total = total;
            this.started = started;
        }

        synchronized void finished(MigrationReport.UserResult r, Instant now) {
            done++;
            if (r.outcome() == MigrationReport.Outcome.FAILED) {
                failed++;
            }
            if (r.outcome() == MigrationReport.Outcome.NO_ACCOUNT) {
                noAccount++;
            }
            moods += r.moods();
            if (r.outcome() != MigrationReport.Outcome.PLANNED) {
                written += r.recordsWritten();
                deleted += r.recordsDeleted();
            }
            points += r.pointsSpent();
            MigrationProgress progress = snapshot(now);
            emit(() -> listener.userFinished(r, progress));
        }

        Instant now() {
            return clock.instant();
        }

        synchronized MigrationProgress snapshot() {
            return snapshot(clock.instant());
        }

        private MigrationProgress snapshot(Instant now) {
            Duration elapsed = Duration.between(started, now);
            if (elapsed.isNegative()) {
                elapsed = Duration.ZERO;
            }
            return new MigrationProgress(total, done, failed, noAccount, moods, written, deleted, points, elapsed,
                    MigrationProgress.estimate(total, done, elapsed));
        }

        synchronized void emit(Runnable call) {
            try {
                call.run();
            } catch (RuntimeException e) {
                // A listener must not stop the migration (see MigrationListener).
            }
        }
    }
}
