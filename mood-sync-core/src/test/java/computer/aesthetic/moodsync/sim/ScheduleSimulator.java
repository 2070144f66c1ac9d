package computer.aesthetic.moodsync.sim;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.reconcile.ErasureReceipt;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.TestClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Randomized, seeded schedules against several {@link MoodSyncService} instances sharing one {@link MoodStore} and one
 * {@link InMemoryAtprotoRepo} (issue 11, "a randomized schedule test").
 *
 * <p>One schedule: a few users with accounts, 2-3 service instances (each with its own {@link TestClock} view,
 * skewed up to twice the lease when {@link Kind#SKEW} is on, INLINE or QUEUED, batch size 1, 3 or 200), then
 * {@code steps} random steps: posts, edits, deletes, undeletes, erasures, worker passes ({@code syncNow}), time
 * passing, and the faults of the enabled {@link Kind}s: outage, 5xx, 429, lost answers (the write lands, the answer
 * does not), stalls that hold a PDS call (beyond the lease) until a later step releases it, crashes (an instance
 * dies at its n-th next store or PDS call, before or after that call's effect, or while one of its calls is
 * stalled: it never makes another call, its leases stay behind), and foreign records (a record in one user's
 * repository naming another user's mood). Then heal (faults off, stalls released, every operation finished),
 * drain every live instance past every lease, one reconcile + repair with {@link RepairPolicy#DEFAULT} per user,
 * drain again, and check the oracle:
 * <ul>
 *   <li>every acknowledged mood is in the store with the text and deleted flag of its last acknowledged change
 *       (an operation whose instance crashed under it may or may not have happened);</li>
 *   <li>no marker is left; a live mood is linked and has exactly one record, at its link, equal to
 *       {@link MoodRecords#toRecord(Mood)}; a deleted mood has no record;</li>
 *   <li>no other record in a user's collection but the foreign records seeded there, unchanged;</li>
 *   <li>erased users have no moods and no records;</li>
 *   <li>every operation finished once the faults were healed (no thread stuck forever).</li>
 * </ul>
 * The same oracle is also checked after the drain and before the repair ({@link Outcome#drainAlone()}): that is the
 * README's "both sides agree after the worker drains", without help from reconcile.
 *
 * <p>Reproducible from the seed: every choice comes from one {@link Random}, and after each step the simulator waits
 * until every thread it started is finished or parked (stalled in the fake PDS, or waiting for a lock), so
 * background writes never race the next step. The engine's own randomness (backoff jitter, marker tokens) is made
 * harmless by a backoff of at most 5 ms and time steps of at least 10 ms.
 *
 * <p>Not thread-safe: one schedule at a time per simulator.
 */
public final class ScheduleSimulator {
    /** What a schedule may do besides posts, edits, deletes, undeletes and worker passes. */
    public enum Kind {
        /** Instance clocks skewed by up to twice the lease, either way. */
        SKEW,
        /** The PDS down for a while (every call fails to connect). */
        OUTAGE,
        /** The next calls answered 500, 502, 503 or 504. */
        ERROR_5XX,
        /** The next calls answered 429 with a retry time. */
        RATE_LIMIT,
        /** The next write of a method lands, then its answer is lost (connection reset). */
        LOST_ANSWER,
        /** The next call of a method held before its effect until a later step releases it. */
        STALL,
        /** An instance dies mid-operation and is replaced. */
        CRASH,
        /** Users erased ({@code erase(user, false)}). */
        ERASE,
        /** Records naming another user's mood seeded in a repository. */
        FOREIGN,
        /**
         * Legacy moods as the origin left them (issue 11 schedule 2): a document without link or marker, and (three
         * times in four) its record carrying {@code mongoId} at a key the PDS chose, the link never stored.
         */
        LEGACY;

        /**
         * Parses a comma-separated list of kind names ({@code all} for every kind, empty for none).
         *
         * @param list the names
         * @return the kinds
         */
        public static Set<Kind> parse(String list) {
            Set<Kind> kinds = EnumSet.noneOf(Kind.class);
            for (String s : list.split(",")) {
                String name = s.trim();
                if (name.isEmpty()) {
                    continue;
                }
                if (name.equalsIgnoreCase("all")) {
                    kinds.addAll(EnumSet.allOf(Kind.class));
                } else if (name.startsWith("-")) {
                    kinds.remove(Kind.valueOf(name.substring(1).trim().toUpperCase(java.util.Locale.ROOT)));
                } else {
                    kinds.add(Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT)));
                }
            }
            return kinds;
        }
    }

    /**
     * What one schedule found.
     *
     * @param seed the schedule's seed
     * @param stepCount how many random steps it had (replay with this many steps)
     * @param steps what it did, in order
     * @param violations what broke the oracle after reconcile + repair (empty: the schedule passed)
     * @param drainAlone what broke the oracle after the drain, before the repair
     */
    public record Outcome(long seed, int stepCount, List<String> steps, List<String> violations, List<String> drainAlone) {
        /**
         * Tells whether the oracle held after the repair.
         *
         * @return true when it did
         */
        public boolean passed() {
            return violations.isEmpty();
        }

        /**
         * Prints the schedule and what it found.
         *
         * @return the text
         */
        public String describe() {
            StringBuilder sb = new StringBuilder("seed " + seed + ": " + stepCount + " steps\n");
            for (int i = 0; i < steps.size(); i++) {
                sb.append(String.format("  %3d %s%n", i, steps.get(i)));
            }
            if (!violations.isEmpty()) {
                sb.append(" after reconcile + repair:\n");
                violations.forEach(v -> sb.append("  ! ").append(v).append('\n'));
            }
            if (!drainAlone.isEmpty()) {
                sb.append(" after the drain, before repair:\n");
                drainAlone.forEach(v -> sb.append("  ~ ").append(v).append('\n'));
            }
            return sb.toString();
        }
    }

    /** Thrown inside a crashed instance: it never makes another call. An {@link Error}, so nothing contains it. */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(String instance) {
            super("instance " + instance + " crashed", null, false, false);
        }
    }

    private static final Instant START = Instant.parse("2026-12-01T09:00:00Z");
    private static final Duration BACKOFF_MAX = Duration.ofMillis(5);
    private static final String[] WRITE_METHODS = {InMemoryAtprotoRepo.PUT_RECORD, InMemoryAtprotoRepo.DELETE_RECORD,
        InMemoryAtprotoRepo.APPLY_WRITES};
    private static final String[] STALL_METHODS = {InMemoryAtprotoRepo.PUT_RECORD, InMemoryAtprotoRepo.PUT_RECORD,
        InMemoryAtprotoRepo.DELETE_RECORD, InMemoryAtprotoRepo.APPLY_WRITES, InMemoryAtprotoRepo.LIST_RECORDS,
        InMemoryAtprotoRepo.GET_RECORD};

    /** Makes a schedule's store, given the schedule's base clock (the fake "database server's" clock). */
    private final java.util.function.Function<java.time.Clock, MoodStore> stores;
    private final Set<Kind> kinds;
    private final int stepCount;
    private final Duration lease;
    private final Duration inlineTimeout;
    /** Real time to wait past a lease when the store judges leases by a real server's clock; zero otherwise. */
    private final Duration realLeaseWait;
    private java.util.function.BiConsumer<InMemoryAtprotoRepo, MoodStore> tamper = (pds, store) -> {
    };

    /**
     * Creates a simulator.
     *
     * @param stores makes a fresh, empty store for each schedule
     * @param kinds the enabled kinds of faults and operations
     * @param steps how many random steps a schedule has
     */
    public ScheduleSimulator(Supplier<MoodStore> stores, Set<Kind> kinds, int steps) {
        this(stores, kinds, steps, Duration.ofSeconds(30), Duration.ofMillis(25));
    }

    ScheduleSimulator(Supplier<MoodStore> stores, Set<Kind> kinds, int steps, Duration lease, Duration inlineTimeout) {
        this(clock -> stores.get(), kinds, steps, lease, inlineTimeout, Duration.ZERO);
        Objects.requireNonNull(stores, "stores");
    }

    /**
     * Creates a simulator whose stores judge leases by a clock of their own.
     *
     * @param stores makes a fresh, empty store for each schedule, given the schedule's base clock (the one the
     *     instances' clocks are skewed views of): an in-memory store takes it as the database server's clock
     * @param kinds the enabled kinds of faults and operations
     * @param steps how many random steps a schedule has
     * @param lease the instances' lease
     * @param inlineTimeout the instances' inline timeout
     * @param realLeaseWait real time waited (beyond moving the test clocks) whenever the drain lets every lease run
     *     out: a lease on a real server (MongoDB's {@code $$NOW}) only ends in real time; zero for a fake store
     */
    public ScheduleSimulator(java.util.function.Function<java.time.Clock, MoodStore> stores, Set<Kind> kinds,
            int steps, Duration lease, Duration inlineTimeout, Duration realLeaseWait) {
        this.stores = Objects.requireNonNull(stores, "stores");
        this.realLeaseWait = Objects.requireNonNull(realLeaseWait, "realLeaseWait");
        this.kinds = kinds.isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(kinds);
        this.stepCount = steps;
        this.lease = lease;
        this.inlineTimeout = inlineTimeout;
    }

    /**
     * Changes both sides behind the service's back just before the last check: lets a test prove the oracle sees
     * what it must.
     *
     * @param tamper what to do to the fake PDS and the store
     * @return this simulator
     */
    ScheduleSimulator tamperBeforeCheck(java.util.function.BiConsumer<InMemoryAtprotoRepo, MoodStore> tamper) {
        this.tamper = Objects.requireNonNull(tamper, "tamper");
        return this;
    }

    /**
     * Runs one schedule.
     *
     * @param seed the seed
     * @return what it found
     */
    public Outcome run(long seed) {
        return run(seed, stepCount);
    }

    /**
     * Runs the first {@code steps} steps of a schedule (the same steps as a longer run of the seed), then heals and
     * checks: used to shrink a failing schedule.
     *
     * @param seed the seed
     * @param steps how many steps
     * @return what it found
     */
    public Outcome run(long seed, int steps) {
        try (Schedule s = new Schedule(seed, steps)) {
            return s.run();
        }
    }

    /**
     * Finds the shortest prefix of a failing schedule that still fails (the first {@code k} steps of the seed).
     *
     * @param failing a failing outcome
     * @param strict true when a drain that needed reconcile + repair counts as failing too
     * @return the shortest failing prefix found
     */
    public Outcome shrink(Outcome failing, boolean strict) {
        Outcome best = failing;
        int lo = 0;
        int hi = failing.stepCount();
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            Outcome o = run(failing.seed(), mid);
            if (o.passed() && (!strict || o.drainAlone().isEmpty())) {
                lo = mid + 1;
            } else {
                best = o;
                hi = mid;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- one schedule

    /** The model's view of one user. */
    private static final class SimUser {
        final UserId id;
        final Did did;
        boolean erasing;
        boolean erased;
        boolean busy;

        SimUser(UserId id, Did did) {
            this.id = id;
            this.did = did;
        }
    }

    /** The model's view of one mood: every text and deleted flag it may have (more than one after a crash). */
    private static final class SimMood {
        final MoodId id;
        final SimUser user;
        final Set<String> texts = new LinkedHashSet<>();
        final Set<Boolean> deleted = new LinkedHashSet<>();
        boolean busy;
        /** A legacy mood no operation has changed yet: nothing asked the worker to write it. */
        boolean legacyUntouched;

        SimMood(MoodId id, SimUser user, String text) {
            this.id = id;
            this.user = user;
            texts.add(text);
            deleted.add(false);
        }
    }

    /** A seeded record naming another user's mood. */
    private record Foreign(SimUser holder, RecordKey rkey, Cid cid) {
    }

    /** An operation in flight: done when its future is. */
    private record Op(String label, Instance on, Future<Object> future, Consumer<Object> done,
            java.util.concurrent.atomic.AtomicBoolean started) {
    }

    /** One service instance with its own clock, whose store and PDS calls go through a crash switch. */
    private final class Instance {
        final String name;
        final TestClock clock;
        final MoodSyncService service;
        volatile boolean crashed;
        /** Calls left before the crash; -1 when no crash is armed. */
        final AtomicInteger countdown = new AtomicInteger(-1);
        volatile boolean crashAfterEffect;

        Instance(String name, TestClock clock, MoodStore store, InMemoryAtprotoRepo pds,
                InMemoryAccountDirectory accounts, ThreadPoolExecutor pool, SyncMode mode, int batchSize) {
            this.name = name;
            this.clock = clock;
            this.service = MoodSyncService.builder().store(guard(MoodStore.class, store))
                    .repo(guard(AtprotoRepo.class, pds)).accounts(accounts).clock(clock).mode(mode).lease(lease)
                    .inlineTimeout(inlineTimeout).backoff(Duration.ofMillis(1), BACKOFF_MAX).maxAttempts(1000)
                    .batchSize(batchSize).startWorker(false).inlineExecutor(pool).instanceId(name).build();
        }

        private <T> T guard(Class<T> type, T target) {
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
                if (m.getDeclaringClass() == Object.class) {
                    return m.invoke(target, args);
                }
                if (crashed) {
                    throw new Crash(name);
                }
                boolean crashAfter = false;
                if (countdown.get() > 0 && countdown.decrementAndGet() == 0) {
                    if (!crashAfterEffect) {
                        crashed = true;
                        throw new Crash(name);
                    }
                    crashAfter = true;
                }
                Object result;
                try {
                    result = m.invoke(target, args);
                } catch (InvocationTargetException e) {
                    if (crashAfter || crashed) {
                        crashed = true;
                        throw new Crash(name);
                    }
                    throw e.getCause();
                }
                if (crashAfter || crashed) {
                    crashed = true; // the call took effect (or a stalled one landed) but its caller is gone
                    throw new Crash(name);
                }
                return result;
            }));
        }

        @Override
        public String toString() {
            return name + (clock.skew().isZero() ? "" : "(skew " + clock.skew().toMillis() + " ms)");
        }
    }

    /** Tracks the threads it runs, to tell when every one of them is finished or parked. */
    private static final class TrackedPool extends ThreadPoolExecutor {
        final Set<Thread> active = ConcurrentHashMap.newKeySet();

        TrackedPool() {
            super(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "sim");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        protected void beforeExecute(Thread t, Runnable r) {
            active.add(t);
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            active.remove(Thread.currentThread());
        }

        /**
         * True when every running task waits without a timeout (stalled, or blocked on a lock) and exactly
         * {@code stalled} of them wait in a stall (a released stall's threads are on their way out).
         */
        boolean parked(long stalled) {
            for (Thread t : active) {
                if (t.getState() != Thread.State.WAITING) {
                    return false;
                }
            }
            long inStall = 0;
            for (Thread t : active) {
                for (StackTraceElement e : t.getStackTrace()) {
                    if (e.getClassName().endsWith("InMemoryAtprotoRepo$Stall") && e.getMethodName().equals("hold")) {
                        inStall++;
                        break;
                    }
                }
            }
            if (inStall != stalled) {
                return false;
            }
            for (Thread t : active) {
                if (t.getState() != Thread.State.WAITING) {
                    return false;
                }
            }
            return true;
        }
    }

    private final class Schedule implements AutoCloseable {
        final long seed;
        final int steps;
        final Random rnd;
        final TestClock base = TestClock.at(START);
        final MoodStore store = stores.apply(base);
        final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(base).build();
        final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        final TrackedPool pool = new TrackedPool();
        final List<SimUser> users = new ArrayList<>();
        final Map<MoodId, SimMood> moods = new LinkedHashMap<>();
        /** Posts whose outcome is unknown (their instance crashed): user and text. */
        final List<Map.Entry<UserId, String>> unknownPosts = new ArrayList<>();
        final List<Foreign> foreign = new ArrayList<>();
        final List<Instance> instances = new ArrayList<>();
        final List<Instance> all = new ArrayList<>();
        final List<InMemoryAtprotoRepo.Stall> stalls = new ArrayList<>();
        final List<Op> inFlight = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        final List<String> violations = new ArrayList<>();
        int counter;
        int instanceCounter;
        boolean down;

        Schedule(long seed, int steps) {
            this.seed = seed;
            this.steps = steps;
            this.rnd = new Random(seed);
        }

        Outcome run() {
            int userCount = 2 + rnd.nextInt(2);
            for (int i = 0; i < userCount; i++) {
                UserId u = new UserId("auth0|sim" + i);
                Did did = Did.parse("did:plc:sim" + i + "aaaaaaaaaaaaaaaaaaaa");
                accounts.put(u, Account.of(did, Handle.parse("sim" + i + ".test"), Secret.of("pw" + i)));
                users.add(new SimUser(u, did));
            }
            int instanceCount = 2 + rnd.nextInt(2);
            for (int i = 0; i < instanceCount; i++) {
                spawn();
            }
            for (int i = 0; i < steps; i++) {
                step();
                settle();
                base.advance(Duration.ofMillis(10)); // every backoff (at most 5 ms) is over by the next step
            }
            heal();
            List<String> drainAlone = check(true);
            Instance operator = instances.get(0);
            for (SimUser u : users) { // erased users too: a write frozen past the erasure is deleted here
                try {
                    ReconcileReport report = operator.service.reconcile(u.id);
                    operator.service.repair(operator.service.plan(report, RepairPolicy.DEFAULT));
                } catch (RuntimeException e) {
                    violations.add("reconcile/repair of " + u.id + " threw " + e);
                }
            }
            drainAll();
            tamper.accept(pds, store);
            violations.addAll(check(false));
            return new Outcome(seed, steps, List.copyOf(log), List.copyOf(violations), drainAlone);
        }

        // ------------------------------------------------------------ steps

        void step() {
            List<Runnable> choices = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            option(choices, weights, 20, this::post);
            option(choices, weights, 10, () -> change("edit"));
            option(choices, weights, 6, () -> change("delete"));
            option(choices, weights, 4, () -> change("undelete"));
            option(choices, weights, 16, this::sync);
            option(choices, weights, 10, this::advance);
            if (kinds.contains(Kind.OUTAGE)) {
                option(choices, weights, 3, this::outage);
            }
            if (kinds.contains(Kind.ERROR_5XX)) {
                option(choices, weights, 4, this::serverError);
            }
            if (kinds.contains(Kind.RATE_LIMIT)) {
                option(choices, weights, 3, this::rateLimit);
            }
            if (kinds.contains(Kind.LOST_ANSWER)) {
                option(choices, weights, 4, this::loseAnswer);
            }
            if (kinds.contains(Kind.STALL)) {
                option(choices, weights, 4, this::stall);
                option(choices, weights, stalls.isEmpty() ? 0 : 6, this::release);
            }
            if (kinds.contains(Kind.CRASH)) {
                option(choices, weights, 3, this::crash);
            }
            if (kinds.contains(Kind.ERASE)) {
                option(choices, weights, 1, this::erase);
            }
            if (kinds.contains(Kind.FOREIGN)) {
                option(choices, weights, 2, this::seedForeign);
            }
            if (kinds.contains(Kind.LEGACY)) {
                option(choices, weights, 2, this::seedLegacy);
            }
            int total = weights.stream().mapToInt(Integer::intValue).sum();
            int pick = rnd.nextInt(total);
            for (int i = 0; i < choices.size(); i++) {
                pick -= weights.get(i);
                if (pick < 0) {
                    choices.get(i).run();
                    return;
                }
            }
        }

        void option(List<Runnable> choices, List<Integer> weights, int weight, Runnable r) {
            if (weight > 0) {
                choices.add(r);
                weights.add(weight);
            }
        }

        Instance anyInstance() {
            return instances.get(rnd.nextInt(instances.size()));
        }

        void spawn() {
            Duration skew = Duration.ZERO;
            if (kinds.contains(Kind.SKEW) && !instances.isEmpty()) {
                long max = lease.toMillis() * 2;
                skew = Duration.ofMillis(rnd.nextLong(-max, max + 1));
            }
            SyncMode mode = rnd.nextBoolean() ? SyncMode.INLINE : SyncMode.QUEUED;
            int batch = new int[] {1, 3, 200}[rnd.nextInt(3)];
            Instance i = new Instance("i" + instanceCounter++, base.skewed(skew), store, pds, accounts, pool, mode,
                    batch);
            instances.add(i);
            all.add(i);
            log.add("start " + i + " " + mode + " batch " + batch);
        }

        void post() {
            List<SimUser> open = users.stream().filter(u -> !u.erasing && !u.busy).toList();
            if (open.isEmpty()) {
                return;
            }
            SimUser u = open.get(rnd.nextInt(open.size()));
            Instance on = anyInstance();
            String text = "m" + counter++;
            start(on, "post " + u.id + " '" + text + "'", () -> on.service.post(u.id, text), r -> {
                if (r instanceof SyncResult sr) {
                    moods.put(sr.moodId(), new SimMood(sr.moodId(), u, text));
                    log.add("  -> " + sr.moodId() + " " + sr.outcome() + sr.reason().map(x -> " " + x).orElse(""));
                } else {
                    unknownPosts.add(Map.entry(u.id, text));
                }
            });
        }

        void change(String kind) {
            List<SimMood> open = moods.values().stream().filter(m -> !m.busy && !m.user.busy && !m.user.erasing)
                    .toList();
            if (open.isEmpty()) {
                return;
            }
            // half the time one of the newest moods: changes that race each other are what breaks things
            SimMood m = rnd.nextBoolean() ? open.get(open.size() - 1 - rnd.nextInt(Math.min(3, open.size())))
                    : open.get(rnd.nextInt(open.size()));
            Instance on = anyInstance();
            String text = "e" + counter++;
            m.busy = true;
            m.legacyUntouched = false;
            Callable<Object> call = switch (kind) {
                case "edit" -> () -> on.service.edit(m.id, text);
                case "delete" -> () -> on.service.delete(m.id);
                default -> () -> on.service.undelete(m.id);
            };
            start(on, kind + " " + m.id + (kind.equals("edit") ? " '" + text + "'" : ""), call, r -> {
                m.busy = false;
                boolean known = r instanceof SyncResult;
                switch (kind) {
                    case "edit" -> {
                        if (known) {
                            m.texts.clear();
                        }
                        m.texts.add(text);
                    }
                    case "delete" -> {
                        if (known) {
                            m.deleted.clear();
                        }
                        m.deleted.add(true);
                    }
                    default -> {
                        if (known) {
                            m.deleted.clear();
                        }
                        m.deleted.add(false);
                    }
                }
                if (r instanceof SyncResult sr) {
                    log.add("  -> " + sr.outcome() + sr.reason().map(x -> " " + x).orElse(""));
                }
            });
        }

        void sync() {
            Instance on = anyInstance();
            start(on, "syncNow", () -> on.service.syncNow(), r -> {
                if (r instanceof Integer n) {
                    log.add("  -> " + n + " processed");
                }
            });
        }

        void advance() {
            int r = rnd.nextInt(10);
            Duration d = r < 6 ? Duration.ofMillis(10 + rnd.nextInt(490))
                    : r < 9 ? Duration.ofMillis(1000 + rnd.nextInt(9000))
                    : lease.plusMillis(rnd.nextLong(lease.toMillis()));
            base.advance(d);
            log.add("advance " + d.toMillis() + " ms");
        }

        void outage() {
            down = !down;
            pds.down(down);
            log.add(down ? "PDS down" : "PDS up");
        }

        void serverError() {
            int n = 1 + rnd.nextInt(3);
            int status = new int[] {500, 502, 503, 504}[rnd.nextInt(4)];
            pds.failNext(n, status, status == 500 ? "InternalServerError" : null);
            log.add("next " + n + " calls fail " + status);
        }

        void rateLimit() {
            int n = 1 + rnd.nextInt(3);
            Duration after = Duration.ofMillis(rnd.nextInt(5000));
            pds.rateLimitNext(n, after);
            log.add("next " + n + " calls 429, retry after " + after.toMillis() + " ms");
        }

        void loseAnswer() {
            String method = WRITE_METHODS[rnd.nextInt(WRITE_METHODS.length)];
            pds.loseAnswerNext(1, method);
            log.add("next " + shortName(method) + " loses its answer");
        }

        void stall() {
            String method = STALL_METHODS[rnd.nextInt(STALL_METHODS.length)];
            stalls.add(pds.stallNext(1, method));
            log.add("stall the next " + shortName(method) + " (stall " + (stalls.size() - 1) + ")");
            switch (rnd.nextInt(5)) { // most of the time, an operation that may run into it at once
                case 0 -> post();
                case 1 -> change("edit");
                case 2 -> change(rnd.nextBoolean() ? "delete" : "undelete");
                case 3 -> sync();
                default -> {
                }
            }
        }

        void release() {
            InMemoryAtprotoRepo.Stall s = stalls.remove(rnd.nextInt(stalls.size()));
            s.release();
            log.add("release " + s);
        }

        void crash() {
            Instance victim = anyInstance();
            boolean inFlightOnIt = inFlight.stream().anyMatch(o -> o.on == victim);
            if (inFlightOnIt && rnd.nextBoolean()) {
                victim.crashed = true;
                log.add("crash " + victim.name + " with its stalled calls");
            } else {
                victim.crashAfterEffect = rnd.nextBoolean();
                victim.countdown.set(1 + rnd.nextInt(6));
                log.add("crash " + victim.name + " at its call #" + victim.countdown.get()
                        + (victim.crashAfterEffect ? ", after the call's effect" : ", before the call's effect"));
            }
            instances.remove(victim);
            spawn();
        }

        void erase() {
            List<SimUser> open = users.stream().filter(u -> !u.erasing && !u.busy).toList();
            if (open.isEmpty() || open.size() == 1) {
                return; // keep one user to write to
            }
            SimUser u = open.get(rnd.nextInt(open.size()));
            Instance on = anyInstance();
            u.busy = true;
            u.erasing = true; // erased for good: an unverified erasure is run again while healing
            moods.values().removeIf(m -> m.user == u);
            unknownPosts.removeIf(e -> e.getKey().equals(u.id));
            start(on, "erase " + u.id, () -> on.service.erase(u.id, false), r -> {
                u.busy = false;
                if (r instanceof ErasureReceipt receipt) {
                    u.erased = receipt.verified();
                    log.add("  -> verified " + receipt.verified() + ", " + receipt.recordsDeleted() + " records, "
                            + receipt.moodsDeleted() + " moods");
                }
            });
        }

        void seedForeign() {
            List<SimMood> candidates = new ArrayList<>(moods.values());
            List<SimUser> holders = users.stream().filter(u -> !u.erasing).toList();
            if (candidates.isEmpty() || holders.size() < 2) {
                return;
            }
            SimMood named = candidates.get(rnd.nextInt(candidates.size()));
            List<SimUser> others = holders.stream().filter(u -> u != named.user).toList();
            if (others.isEmpty()) {
                return;
            }
            SimUser holder = others.get(rnd.nextInt(others.size()));
            RecordKey rkey = Tid.of(START.toEpochMilli() * 1000 - 1_000_000_000L + rnd.nextInt(1_000_000),
                    rnd.nextInt(1024)).toRecordKey();
            Map<String, Object> value = new LinkedHashMap<>(
                    MoodRecords.toRecord(named.id, "foreign " + counter++, START));
            RepoRecord seeded = pds.seed(holder.did, MoodRecords.COLLECTION, rkey, value);
            foreign.add(new Foreign(holder, rkey, seeded.cid()));
            log.add("seed a record in " + holder.id + "'s repo at " + rkey + " naming " + named.user.id + "'s "
                    + named.id);
        }

        void seedLegacy() {
            List<SimUser> open = users.stream().filter(u -> !u.erasing && !u.busy).toList();
            if (open.isEmpty()) {
                return;
            }
            SimUser u = open.get(rnd.nextInt(open.size()));
            Instant when = START.minusSeconds(1 + rnd.nextInt(86_400)).minusMillis(rnd.nextInt(1000));
            MoodId id = MoodId.of(when.getEpochSecond(), rnd.nextLong(0xFF_FFFF_FFFFL + 1), rnd.nextInt(1 << 24));
            if (moods.containsKey(id)) {
                return;
            }
            String text = "l" + counter++;
            store.insert(new Mood(id, u.id, text, when, false, Optional.empty(), Optional.empty()));
            SimMood model = new SimMood(id, u, text);
            model.legacyUntouched = true;
            moods.put(id, model);
            if (rnd.nextInt(4) == 0) {
                log.add("legacy mood " + id + " '" + text + "' of " + u.id + ", no record (the origin crashed first)");
                return;
            }
            RecordKey rkey = Tid.of(START.toEpochMilli() * 1000 - 2_000_000_000L + rnd.nextInt(1_000_000),
                    rnd.nextInt(1024)).toRecordKey();
            if (pds.records(u.did, MoodRecords.COLLECTION).stream().anyMatch(r -> key(r).equals(rkey))) {
                log.add("legacy mood " + id + " '" + text + "' of " + u.id + ", no record (its key was taken)");
                return;
            }
            pds.seed(u.did, MoodRecords.COLLECTION, rkey, legacyRecord(id, text, when));
            log.add("legacy mood " + id + " '" + text + "' of " + u.id + " with the origin's record at " + rkey
                    + " (unlinked)");
        }

        // ------------------------------------------------------------ running operations

        void start(Instance on, String label, Callable<Object> call, Consumer<Object> done) {
            log.add(label + " on " + on);
            java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
            Future<Object> f = pool.submit(() -> {
                started.set(true);
                return call.call();
            });
            inFlight.add(new Op(label, on, f, done, started));
        }

        /** Waits until every started thread is finished or parked, applying finished operations to the model. */
        void settle() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                complete();
                if (quiescent()) {
                    LockSupport.parkNanos(200_000);
                    if (quiescent()) {
                        complete();
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return;
                }
                LockSupport.parkNanos(100_000);
            }
        }

        boolean quiescent() {
            for (Op op : inFlight) {
                if (!op.future.isDone() && !op.started.get()) {
                    return false;
                }
            }
            return pool.parked(stalls.stream().mapToLong(InMemoryAtprotoRepo.Stall::held).sum());
        }

        void complete() {
            for (java.util.Iterator<Op> it = inFlight.iterator(); it.hasNext();) {
                Op op = it.next();
                if (!op.future.isDone()) {
                    continue;
                }
                it.remove();
                Object result;
                try {
                    result = op.future.get();
                } catch (ExecutionException e) {
                    result = e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    result = e;
                }
                if (result instanceof Crash || op.on.crashed) {
                    log.add("  (" + op.label + ": its instance crashed)");
                    op.done.accept(null);
                } else if (result instanceof PdsException e && op.label.startsWith("erase")) {
                    log.add("  (" + op.label + ": " + e.getClass().getSimpleName() + ")");
                    op.done.accept(null);
                } else if (result instanceof Throwable t) {
                    violations.add(op.label + " on " + op.on.name + " threw " + t);
                    op.done.accept(null);
                } else {
                    op.done.accept(result);
                }
            }
        }

        // ------------------------------------------------------------ heal, drain, check

        void heal() {
            log.add("-- heal");
            pds.clearFaults();
            pds.down(false);
            down = false;
            stalls.forEach(InMemoryAtprotoRepo.Stall::release);
            stalls.clear();
            awaitInFlight(TimeUnit.SECONDS.toNanos(2));
            if (inFlight.stream().anyMatch(op -> op.label.startsWith("erase"))) {
                // An erasure in flight waits for a crashed writer's lease by the clocks, which stand still here while
                // it sleeps for real (seed 10071522758821: it never finished): move past every lease, as time would.
                passEveryLease();
            }
            awaitInFlight(TimeUnit.SECONDS.toNanos(10));
            for (Op op : inFlight) {
                violations.add(op.label + " on " + op.on.name + " never finished after the faults were healed");
            }
            inFlight.clear();
            settle();
            Instance operator = instances.get(0);
            if (users.stream().anyMatch(u -> u.erasing && !u.erased)) {
                // A crashed writer's lease outlives it; erase waits for it by the store's clock, which stands still
                // here while erase sleeps for real: run the erasure again once time has passed every lease, as an
                // operator's later rerun would (else it waits forever).
                passEveryLease();
            }
            for (SimUser u : users) {
                if (u.erasing && !u.erased) { // an erasure that was not verified is run again, as an operator would
                    try {
                        // not verified when records naming other users' moods stay (by design): the oracle
                        // checks what is left instead
                        operator.service.erase(u.id, false);
                    } catch (RuntimeException e) {
                        violations.add("erasing " + u.id + " again after healing threw " + e);
                    }
                }
            }
            drainAll();
        }

        private void awaitInFlight(long nanos) {
            long deadline = System.nanoTime() + nanos;
            while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
                settle();
                LockSupport.parkNanos(1_000_000);
            }
        }

        /** Moves every clock past every lease taken so far (and waits for the store's real-time leases). */
        private void passEveryLease() {
            long maxSkew = instances.stream().mapToLong(i -> Math.abs(i.clock.skew().toMillis())).max().orElse(0);
            base.advance(lease.plusMillis(2 * maxSkew + 1000));
            waitForRealLeases();
        }

        void waitForRealLeases() {
            if (realLeaseWait.isZero()) {
                return;
            }
            try {
                Thread.sleep(realLeaseWait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                violations.add("interrupted while waiting for leases to run out");
            }
        }

        /** Moves past every lease, on every clock, and drains every live instance until nothing is pending. */
        void drainAll() {
            passEveryLease();
            for (int round = 0; round < 5; round++) {
                for (Instance i : instances) {
                    try {
                        i.service.syncNow();
                    } catch (RuntimeException e) {
                        violations.add("syncNow on " + i.name + " threw while draining: " + e);
                    }
                    base.advance(Duration.ofSeconds(1));
                }
                boolean pending;
                try (Stream<Mood> p = store.listPending(Optional.empty())) {
                    pending = p.anyMatch(m -> m.pending().map(x -> !x.failed()).orElse(false));
                }
                if (!pending) {
                    break;
                }
                passEveryLease(); // a lease left behind by a crashed writer
            }
        }

        /**
         * Checks the oracle. After the drain alone ({@code drained}), a legacy mood the app never changed is not
         * held to it: no marker ever asked to write it, so only reconcile + repair links it.
         */
        List<String> check(boolean drained) {
            List<String> out = new ArrayList<>();
            Map<UserId, List<Map.Entry<UserId, String>>> unknown = new HashMap<>();
            for (Map.Entry<UserId, String> e : unknownPosts) {
                unknown.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e);
            }
            Set<MoodId> seen = new HashSet<>();
            for (SimUser u : users) {
                List<Mood> stored;
                try (Stream<Mood> s = store.listByUser(u.id)) {
                    stored = s.toList();
                }
                List<RepoRecord> records = pds.records(u.did, MoodRecords.COLLECTION);
                if (u.erasing) {
                    // erase leaves records naming other users' moods alone (they may not be this user's)
                    records = records.stream().filter(r -> foreign.stream()
                            .noneMatch(f -> f.holder == u && f.rkey.equals(key(r)))).toList();
                    if (!stored.isEmpty()) {
                        out.add("erased " + u.id + " still has " + stored.size() + " moods: " + ids(stored));
                    }
                    if (!records.isEmpty()) {
                        out.add("erased " + u.id + " still has " + records.size() + " records: " + keys(records));
                    }
                    continue;
                }
                Map<String, List<RepoRecord>> byRef = new TreeMap<>();
                for (RepoRecord r : records) {
                    Object ref = r.value().get("ref");
                    if (ref == null) {
                        ref = r.value().get("mongoId");
                    }
                    byRef.computeIfAbsent(String.valueOf(ref), k -> new ArrayList<>()).add(r);
                }
                Set<RecordKey> foreignHere = new HashSet<>();
                for (Foreign f : foreign) {
                    if (f.holder == u) {
                        foreignHere.add(f.rkey);
                        Optional<RepoRecord> now = records.stream().filter(r -> key(r).equals(f.rkey))
                                .findFirst();
                        if (now.isEmpty()) {
                            out.add("foreign record " + u.id + "/" + f.rkey + " was deleted");
                        } else if (!now.get().cid().equals(f.cid)) {
                            out.add("foreign record " + u.id + "/" + f.rkey + " was changed");
                        }
                    }
                }
                for (Mood m : stored) {
                    seen.add(m.id());
                    List<RepoRecord> mine = new ArrayList<>(byRef.getOrDefault(m.id().toString(), List.of()));
                    mine.removeIf(r -> foreignHere.contains(key(r)));
                    byRef.remove(m.id().toString());
                    if (m.pending().isPresent()) {
                        out.add("mood " + m.id() + " still pending: " + m.pending().get());
                    }
                    SimMood model = moods.get(m.id());
                    if (drained && model != null && model.legacyUntouched) {
                        continue;
                    }
                    if (model == null) {
                        List<Map.Entry<UserId, String>> cands = unknown.getOrDefault(u.id, List.of());
                        if (!cands.removeIf(e -> e.getValue().equals(m.text()))) {
                            out.add("mood " + m.id() + " '" + m.text() + "' of " + u.id + " was never posted");
                        }
                    } else {
                        if (!model.texts.contains(m.text())) {
                            out.add("mood " + m.id() + " has text '" + m.text() + "', expected one of " + model.texts);
                        }
                        if (!model.deleted.contains(m.deleted())) {
                            out.add("mood " + m.id() + " deleted=" + m.deleted() + ", expected " + model.deleted);
                        }
                    }
                    if (m.deleted()) {
                        if (!mine.isEmpty()) {
                            out.add("deleted mood " + m.id() + " still has records " + keys(mine));
                        }
                        continue;
                    }
                    if (mine.size() != 1) {
                        out.add("live mood " + m.id() + " '" + m.text() + "' has " + mine.size() + " records "
                                + keys(mine));
                        continue;
                    }
                    RepoRecord r = mine.get(0);
                    if (m.rkey().isEmpty() || !m.rkey().get().equals(key(r))) {
                        out.add("mood " + m.id() + " is linked to " + m.rkey() + " but its record is at "
                                + key(r));
                    }
                    Map<String, Object> expected = MoodRecords.toRecord(m);
                    // a legacy record left as the origin wrote it ({@code mongoId}) with equal content is in step
                    if (!expected.equals(r.value()) && !legacyRecord(m.id(), m.text(), m.when()).equals(r.value())) {
                        out.add("mood " + m.id() + " is '" + m.text() + "' in the store but its record says '"
                                + r.value().get("mood") + "'" + (m.when().toString().equals(
                                        String.valueOf(r.value().get("when"))) ? "" : " (when differs)"));
                    }
                }
                for (Map.Entry<String, List<RepoRecord>> e : byRef.entrySet()) {
                    List<RepoRecord> stray = new ArrayList<>(e.getValue());
                    stray.removeIf(r -> foreignHere.contains(key(r)));
                    if (!stray.isEmpty()) {
                        out.add("records " + keys(stray) + " in " + u.id + "'s repo name " + e.getKey()
                                + ", which is not a mood of " + u.id);
                    }
                }
            }
            for (SimMood m : moods.values()) {
                if (!m.user.erasing && !seen.contains(m.id)) {
                    out.add("acknowledged mood " + m.id + " " + m.texts + " of " + m.user.id + " is lost");
                }
            }
            return out;
        }

        @Override
        public void close() {
            for (Instance i : all) {
                i.crashed = true;
            }
            pds.clearFaults();
            stalls.forEach(InMemoryAtprotoRepo.Stall::release);
            pool.shutdownNow();
            for (Instance i : all) {
                try {
                    i.service.close();
                } catch (RuntimeException | Crash e) {
                    // a dead instance: nothing to close cleanly
                }
            }
        }
    }

    /** The record the origin writes for a mood: {@code mongoId} where this library writes {@code ref}. */
    static Map<String, Object> legacyRecord(MoodId id, String text, Instant when) {
        Map<String, Object> v = new LinkedHashMap<>();
        MoodRecords.toRecord(id, text, when).forEach((k, x) -> v.put(k.equals("ref") ? "mongoId" : k, x));
        return v;
    }

    private static String shortName(String method) {
        return method.substring(method.lastIndexOf('.') + 1);
    }

    private static RecordKey key(RepoRecord r) {
        return r.uri().rkey().orElseThrow();
    }

    private static List<String> ids(List<Mood> moods) {
        return moods.stream().map(m -> m.id().toString()).toList();
    }

    private static List<String> keys(List<RepoRecord> records) {
        return records.stream().map(r -> key(r) + "='" + r.value().get("mood") + "'").toList();
    }

    static List<String> unmodifiable(List<String> l) {
        return Collections.unmodifiableList(l);
    }
}
