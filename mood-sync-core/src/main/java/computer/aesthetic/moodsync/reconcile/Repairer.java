package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncException;
import computer.aesthetic.moodsync.NoSuchMoodException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.MoodChange;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Applies {@link RepairPlan}s, rebuilds one side from the other, and erases users. The only writer of this package.
 *
 * <h2>Applying a plan</h2>
 * Phases, in order: store-side imports and links; text updates (PDS wins); record creates, in {@code applyWrites}
 * batches of at most {@link Builder#batchSize} writes, each created record then linked in the store (a batch's links
 * are written by a helper thread of the run while the next batch is re-read and sent, at most one link write in
 * flight; all are joined before the next phase and before the result, on every way out); puts, and
 * creates at a fallback key, one call at a time; links that conflicted, again; record deletions, one call at a time.
 * Before writing a mood's record the mood is read again, and the action is skipped when the mood changed since
 * planning (edited, deleted, pending, linked elsewhere): the next reconcile will see it.
 *
 * <p>Every write is conditional on what reconcile saw, so a repair never overwrites or deletes a record someone
 * changed since: a create only where no record is (an {@code applyWrites} {@code #create} fails on an existing
 * record, and {@link AtprotoRepo#createIfAbsent} never overwrites: a record found there is adopted when it names the
 * mood, else left), a put or delete only while the record still has the CID seen ({@code swapRecord}; the
 * reference PDS's {@code applyWrites} has no per-write swap, hence one call each). A create at a fallback key first
 * reads the keys before it in the probing order and adopts a record of the mood found there. A failed precondition
 * skips the action with the reason ("reconcile again"): reconcile, plan and apply again to act on the new state.
 * A create batch that fails with HTTP 500 (the reference PDS's answer to a create of an existing record) is redone
 * write by write. Any other failure stops the run: the result lists what is left; every step is idempotent, and
 * records only ever go to keys that a re-run finds again, so no duplicates arise.
 *
 * <h2>Write budget</h2>
 * Before each batch the repository's {@link AtprotoRepo#writeBudget} is consulted; a batch is cut to what the
 * remaining points cover. When not even one write fits (or the PDS answers 429), the run waits for the reset if the
 * total wait stays within {@link Builder#maxWait}, else stops with {@link RepairResult.Status#BUDGET_EXHAUSTED}.
 *
 * <h2>Threads</h2>
 * Thread-safe, and lock-free (a run of more than one create batch starts one daemon thread for its link writes and
 * stops it before returning): no repository lock is held, least of all across a PDS call or a budget wait. Safety
 * with concurrent writers (the sync worker, another repair, another instance) comes from the writes themselves:
 * creates never overwrite, puts and deletes carry {@code swapRecord} with the CID reconcile saw, and a write whose
 * precondition fails is skipped ("reconcile again"), never forced.
 */
public final class Repairer {
    /** The default longest an erasure waits for writers that hold leases on the user's moods. */
    public static final Duration DEFAULT_ERASE_WAIT = Duration.ofMinutes(10);
    private static final Duration ERASE_POLL = Duration.ofSeconds(1);

    /** How long the repairer's lease on a mood lasts while it writes a PDS-wins text update. */
    public static final Duration LEASE = Duration.ofMinutes(2);

    /** Waits, for the write budget; replaceable in tests. */
    @FunctionalInterface
    public interface Sleeper {
        /**
         * Waits.
         *
         * @param duration how long
         * @throws InterruptedException if interrupted
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    private static final Set<RepairAction.Type> STORE_FIRST = EnumSet.of(RepairAction.Type.IMPORT_MOOD,
            RepairAction.Type.LINK);

    private final Reconciler reconciler;
    private final MoodStore store;
    private final AtprotoRepo repo;
    private final AccountDirectory accounts;
    private final Clock clock;
    private final RepairListener listener;
    private final Duration maxWait;
    private final Sleeper sleeper;
    private final int batchSize;
    private final Optional<AccountDeleter> accountDeleter;
    private final Duration eraseWait;
    private final String owner = "repairer-" + UUID.randomUUID();

    private Repairer(Builder b) {
        this.reconciler = b.reconciler;
        this.store = reconciler.store();
        this.repo = reconciler.repo();
        this.accounts = reconciler.accounts();
        this.clock = reconciler.clock();
        this.listener = b.listener;
        this.maxWait = b.maxWait;
        this.sleeper = b.sleeper;
        this.batchSize = b.batchSize;
        this.accountDeleter = Optional.ofNullable(b.accountDeleter);
        this.eraseWait = b.eraseWait;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Repairer}. Not thread-safe; the repairer it builds is. */
    public static final class Builder {
        private Reconciler reconciler;
        private RepairListener listener = RepairListener.NONE;
        private Duration maxWait = Duration.ZERO;
        private Sleeper sleeper = d -> Thread.sleep(Math.max(0, d.toMillis()));
        private int batchSize = AtprotoRepo.MAX_WRITES;
        private AccountDeleter accountDeleter;
        private Duration eraseWait = DEFAULT_ERASE_WAIT;

        private Builder() {
        }

        /**
         * Sets the reconciler, whose store, repositories, accounts and clock the repairer uses. Required.
         *
         * @param reconciler the reconciler
         * @return this builder
         */
        public Builder reconciler(Reconciler reconciler) {
            this.reconciler = reconciler;
            return this;
        }

        /**
         * Sets the progress listener. Default: {@link RepairListener#NONE}.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(RepairListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Sets the longest a run waits in all for the write budget to reset. Default: zero (stop with
         * {@link RepairResult.Status#BUDGET_EXHAUSTED} as soon as the budget does not cover the next write).
         *
         * @param maxWait the total wait allowed, not negative
         * @return this builder
         */
        public Builder maxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        /**
         * Sets how the run waits. Default: {@link Thread#sleep(long)}.
         *
         * @param sleeper the sleeper
         * @return this builder
         */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        /**
         * Sets the most writes per {@code applyWrites} call. Default and maximum: {@value AtprotoRepo#MAX_WRITES}.
         *
         * @param batchSize 1 to {@value AtprotoRepo#MAX_WRITES}
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets how accounts are deleted, for {@link Repairer#erase} with {@code deleteAccount}. Default: none (such
         * an erase is refused).
         *
         * @param deleter the deleter
         * @return this builder
         */
        public Builder accountDeleter(AccountDeleter deleter) {
            this.accountDeleter = deleter;
            return this;
        }

        /**
         * Sets the longest {@link Repairer#erase} waits, after fencing the user, for writers that still hold leases
         * on the user's moods (the sync service passes twice its lease). Default: {@link #DEFAULT_ERASE_WAIT}.
         *
         * @param wait the wait, not negative
         * @return this builder
         */
        public Builder eraseWait(Duration wait) {
            this.eraseWait = wait;
            return this;
        }

        /**
         * Formerly shared the host's per-repository writer locks. Repairs take no lock any more: every repair write
         * is conditional on what reconcile saw (creates only where no record is, puts and deletes only while the
         * record has the CID seen), so a concurrent writer is never overwritten, and a lock held across
         * {@code applyWrites} or a budget wait stalled every other writer of the repository (issue 11). Accepted
         * so hosts' code keeps compiling; the function is never called.
         *
         * @param repoLocks ignored (must not be null)
         * @return this builder
         */
        public Builder repoLocks(Function<Did, ReentrantLock> repoLocks) {
            Objects.requireNonNull(repoLocks, "repoLocks");
            return this;
        }

        /**
         * Builds the repairer.
         *
         * @return the repairer
         * @throws IllegalArgumentException naming the first missing or invalid property
         */
        public Repairer build() {
            if (reconciler == null) {
                throw new IllegalArgumentException("reconciler is required");
            }
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null (use RepairListener.NONE)");
            }
            if (maxWait == null || maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait must be zero or positive, found " + maxWait);
            }
            if (sleeper == null) {
                throw new IllegalArgumentException("sleeper must not be null");
            }
            if (eraseWait == null || eraseWait.isNegative()) {
                throw new IllegalArgumentException("eraseWait must be zero or positive, found " + eraseWait);
            }
            if (batchSize < 1 || batchSize > AtprotoRepo.MAX_WRITES) {
                throw new IllegalArgumentException("batchSize must be 1.." + AtprotoRepo.MAX_WRITES + ", found "
                        + batchSize);
            }
            return new Repairer(this);
        }
    }

    /**
     * Returns the reconciler this repairer works with.
     *
     * @return the reconciler
     */
    public Reconciler reconciler() {
        return reconciler;
    }

    /**
     * Applies a plan. See the class comment for phases, batching, the budget and resuming.
     *
     * @param plan the plan
     * @return what was done and what is left
     * @throws computer.aesthetic.moodsync.StoreException if the account directory cannot be read (failures of the
     *     store and the PDS during the run end it with {@link RepairResult.Status#FAILED} instead)
     */
    public RepairResult apply(RepairPlan plan) {
        Objects.requireNonNull(plan, "plan");
        Instant started = clock.instant();
        if (plan.did().isEmpty()) {
            return finish(new RepairResult(plan.user(), Optional.empty(), RepairResult.Status.NO_ACCOUNT, Map.of(),
                    List.of(), plan.actions(), Optional.of("the user has no ATProto account"), 0,
                    plan.deletesHeldBack(), started, clock.instant()));
        }
        Did did = plan.did().get();
        Optional<Did> now = accounts.findByUser(plan.user()).map(Account::did);
        if (!now.equals(plan.did())) {
            return finish(new RepairResult(plan.user(), plan.did(), RepairResult.Status.NO_ACCOUNT, Map.of(),
                    List.of(), plan.actions(), Optional.of("the user's account is now "
                            + now.map(Did::toString).orElse("none") + ", not " + did
                            + " as when planned: reconcile again"), 0, plan.deletesHeldBack(), started,
                    clock.instant()));
        }
        // No repository lock: every write below is conditional on what reconcile saw, so a concurrent writer can
        // make a repair write fail (and be skipped) but never be overwritten by it; and a lock held across
        // applyWrites or a budget wait would stall every other writer of the repository.
        listener.started(plan);
        return finish(new ApplyRun(plan, did, started).run());
    }

    /**
     * Brings back moods lost from the store from their records: reconciles, plans with orphans imported, and
     * applies only the store side of it (imports, relinks) and the rewrite of imported records into the canonical
     * form. A mood comes back with its original id from the record's {@code ref}/{@code mongoId}; a record whose id
     * names another user's mood is a foreign record and is never imported; a record without a ref gets a fresh id.
     * Nothing is deleted.
     *
     * @param user the user
     * @return what was done
     */
    public RepairResult rebuildStoreFromRecords(UserId user) {
        ReconcileReport report = reconciler.reconcile(user);
        RepairPlan plan = reconciler.plan(report, RepairPolicy.DEFAULT.withOrphans(RepairPolicy.Orphans.IMPORT)
                .withContentDrift(RepairPolicy.ContentDrift.REPORT).withMaxDeletes(0))
                .retain(a -> STORE_FIRST.contains(a.type())
                        || a.type() == RepairAction.Type.PUT_RECORD && a.cause() == DriftKind.ORPHAN,
                        "rebuild of the store from the records: imports and links only");
        return apply(plan);
    }

    /**
     * Writes every mood of the store to the PDS: missing and dangling records are created at their link or
     * {@code rkeyFor(id)}, drifted ones rewritten with the store's content, records of deleted moods deleted, and
     * unlinked records linked. Duplicates, orphans and invalid records are left (apply a full plan for them).
     *
     * @param user the user
     * @return what was done
     */
    public RepairResult rebuildRecordsFromStore(UserId user) {
        ReconcileReport report = reconciler.reconcile(user);
        RepairPlan plan = reconciler.plan(report, RepairPolicy.DEFAULT)
                .retain(a -> a.type() == RepairAction.Type.CREATE_RECORD || a.type() == RepairAction.Type.LINK
                        || a.type() == RepairAction.Type.PUT_RECORD && a.cause() != DriftKind.ORPHAN
                        || a.type() == RepairAction.Type.DELETE_RECORD && a.cause() == DriftKind.DELETED_BUT_ON_PDS,
                        "rebuild of the records from the store: writes from the store only");
        return apply(plan);
    }

    /**
     * Forgets a user on both sides, for good. In order:
     * <ol>
     *   <li><b>Fence.</b> {@link MoodStore#fenceUser} places a tombstone: from then on the sync service refuses the
     *       user's posts and changes ({@link computer.aesthetic.moodsync.UserErasedException}), and pending markers
     *       nobody holds are cancelled, so no writer can claim them.</li>
     *   <li><b>Wait for the writers.</b> While writers still hold leases on the user's moods (a post or a worker
     *       pass in flight), wait (without any lock) and fence again, until none does or {@link Builder#eraseWait}
     *       has passed.</li>
     *   <li><b>Delete the records</b> of the user's {@code computer.aesthetic.mood} collection (duplicates, orphans,
     *       invalid ones), except records that name another user's mood: those are never touched, and their
     *       presence says the repository may not be this user's.</li>
     *   <li><b>Delete the moods</b> (deleted and malformed documents too).</li>
     *   <li><b>Verify</b>: read both sides again. {@link ErasureReceipt#verified()} is true only when the user was
     *       fenced, every writer finished before the deletions, and both sides are empty.</li>
     *   <li><b>Delete the account</b>, if asked, only after a verified erasure, and only if the account directory
     *       still names this repository for this user.</li>
     * </ol>
     * Other users are untouched. Running it again finishes an erasure that stopped (for the write budget, say). It
     * assumes that a writer's PDS call ends within its lease (the service's lease bounds a write); a write stalled
     * past its lease could still land after the deletions.
     *
     * @param user the user
     * @param deleteAccount true to delete the ATProto account too, through the {@link AccountDeleter}
     * @return the receipt
     * @throws IllegalStateException if {@code deleteAccount} is true but no {@link AccountDeleter} was configured
     *     (checked before anything is deleted)
     * @throws computer.aesthetic.moodsync.StoreException if the store fails
     */
    public ErasureReceipt erase(UserId user, boolean deleteAccount) {
        Objects.requireNonNull(user, "user");
        if (deleteAccount && accountDeleter.isEmpty()) {
            throw new IllegalStateException("erase with deleteAccount needs an AccountDeleter: configure one with "
                    + "Repairer.builder().accountDeleter(...)");
        }
        Instant started = clock.instant();
        List<String> notes = new ArrayList<>();
        boolean fenced = fenceAndAwaitWriters(user, notes);
        Optional<Did> did = accounts.findByUser(user).map(Account::did);
        long recordsDeleted = 0;
        long foreign = 0;
        if (did.isPresent()) {
            Set<MoodId> mine = knownMoods(user);
            try {
                Pacer pacer = new Pacer(did.get());
                for (int round = 0; round < 3; round++) {
                    List<RepoRecord> doomed = new ArrayList<>();
                    foreign = 0;
                    try (Stream<RepoRecord> s = repo.listAll(did.get(), MoodRecords.COLLECTION)) {
                        for (RepoRecord r : (Iterable<RepoRecord>) s::iterator) {
                            if (namesAnotherUsersMood(r, user, mine)) {
                                foreign++;
                            } else {
                                doomed.add(new RepoRecord(r.uri(), r.cid(), Map.of()));
                            }
                        }
                    }
                    if (doomed.isEmpty()) {
                        break;
                    }
                    recordsDeleted += eraseRecords(pacer, doomed);
                }
            } catch (Stop s) {
                notes.add("deleting records stopped: " + s.getMessage());
            } catch (PdsException e) {
                notes.add("deleting records failed: " + e.getMessage());
            }
            if (foreign > 0) {
                notes.add(foreign + " records of " + did.get() + " name moods of other users: they are left untouched,"
                        + " and the repository may not be this user's (check the account directory); the account is"
                        + " not deleted");
            }
        } else {
            notes.add("the user has no ATProto account: only the store was erased");
        }
        long moodsDeleted = store.deleteAllOf(user);
        OptionalLong recordsRemaining = OptionalLong.of(0);
        if (did.isPresent()) {
            try (Stream<RepoRecord> s = repo.listAll(did.get(), MoodRecords.COLLECTION)) {
                recordsRemaining = OptionalLong.of(s.count());
            } catch (PdsException e) {
                recordsRemaining = OptionalLong.empty();
                notes.add("could not list the records to verify: " + e.getMessage());
            }
        }
        long moodsRemaining;
        try (Stream<Mood> s = store.listByUser(user)) {
            moodsRemaining = s.count();
        }
        try (Stream<MalformedMood> s = store.listMalformed(Optional.of(user))) {
            moodsRemaining += s.count();
        }
        boolean emptied = recordsRemaining.isPresent() && recordsRemaining.getAsLong() == 0 && moodsRemaining == 0;
        boolean verified = emptied && fenced;
        if (recordsRemaining.orElse(0) > foreign) {
            notes.add((recordsRemaining.getAsLong() - foreign) + " records remain: run erase again");
        }
        boolean accountDeleted = false;
        if (deleteAccount) {
            Optional<Did> owner = accounts.findByUser(user).map(Account::did);
            if (did.isEmpty()) {
                notes.add("no account to delete");
            } else if (!verified) {
                notes.add("the account was not deleted: the erasure is not verified");
            } else if (!owner.equals(did)) {
                notes.add("the account was not deleted: the account directory now names "
                        + owner.map(Did::toString).orElse("no account") + " for this user, not " + did.get());
            } else {
                try {
                    accountDeleter.get().deleteAccount(did.get());
                    accountDeleted = true;
                } catch (RuntimeException e) {
                    notes.add("deleting the account failed: " + e.getMessage());
                }
            }
        }
        return new ErasureReceipt(user, did, recordsDeleted, moodsDeleted, started, clock.instant(),
                recordsRemaining, moodsRemaining, verified, deleteAccount, accountDeleted, notes);
    }

    /** Fences the user and waits until no writer holds a lease on their moods; false when that did not happen. */
    private boolean fenceAndAwaitWriters(UserId user, List<String> notes) {
        Optional<Instant> busy;
        try {
            busy = store.fenceUser(user, clock.instant());
        } catch (UnsupportedOperationException e) {
            notes.add("the store cannot fence users (" + e.getMessage() + "): a post made during the erasure may"
                    + " outlive it; not verified");
            return false;
        }
        Instant deadline = clock.instant().plus(eraseWait);
        while (busy.isPresent()) {
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) {
                notes.add("writers still held leases on the user's moods (until " + busy.get() + ") after waiting "
                        + eraseWait + ": their writes may land after this erasure; not verified, run erase again");
                return false;
            }
            Duration d = Duration.between(now, busy.get());
            d = d.compareTo(ERASE_POLL) > 0 ? ERASE_POLL : d;
            Duration left = Duration.between(now, deadline);
            d = d.compareTo(left) > 0 ? left : d;
            try {
                sleeper.sleep(d.isNegative() || d.isZero() ? Duration.ofMillis(1) : d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                notes.add("interrupted while waiting for the user's writers: not verified");
                return false;
            }
            busy = store.fenceUser(user, clock.instant());
        }
        return true;
    }

    /** The ids of the user's moods, readable or not. */
    private Set<MoodId> knownMoods(UserId user) {
        Set<MoodId> ids = new HashSet<>();
        try (Stream<Mood> s = store.listByUser(user)) {
            s.forEach(m -> ids.add(m.id()));
        }
        try (Stream<MalformedMood> s = store.listMalformed(Optional.of(user))) {
            s.forEach(m -> MoodId.tryParse(m.id()).ifPresent(ids::add));
        }
        return ids;
    }

    /** A record whose ref names a mood of another user: never deleted by an erasure. */
    private boolean namesAnotherUsersMood(RepoRecord r, UserId user, Set<MoodId> mine) {
        Optional<MoodId> ref = MoodRecords.namedMood(r.value());
        if (ref.isEmpty() || mine.contains(ref.get())) {
            return false;
        }
        return store.find(ref.get()).map(m -> !m.user().equals(user)).orElse(false);
    }

    private long eraseRecords(Pacer pacer, List<RepoRecord> records) {
        long deleted = 0;
        int pos = 0;
        while (pos < records.size()) {
            int cap = pacer.cap();
            int n = Math.min(Math.min(batchSize, cap), records.size() - pos);
            if (n < 1) {
                pacer.awaitBudget(1, records.size() - pos);
                continue;
            }
            List<RepoRecord> batch = records.subList(pos, pos + n);
            List<RepoWrite> writes = batch.stream()
                    .<RepoWrite>map(r -> new RepoWrite.Delete(MoodRecords.COLLECTION, r.rkey())).toList();
            boolean sent = pacer.call(() -> {
                try {
                    repo.applyWrites(pacer.did, writes);
                    return true;
                } catch (PdsException e) {
                    if (e.httpStatus() == 500 && !(e instanceof RateLimitedException)) {
                        return false;
                    }
                    throw e;
                }
            }, records.size() - pos);
            if (sent) {
                pacer.spent += n;
                listener.batch(n, n);
            } else {
                for (RepoRecord r : batch) {
                    pacer.call(() -> {
                        repo.deleteRecord(pacer.did, MoodRecords.COLLECTION, r.rkey(), SwapRecord.any());
                        return null;
                    }, records.size() - pos);
                    pacer.spent += 1;
                }
            }
            deleted += n;
            pos += n;
        }
        return deleted;
    }

    private RepairResult finish(RepairResult result) {
        listener.finished(result);
        return result;
    }

    /** The start of the reason given for a write skipped because its precondition failed. */
    static final String CHANGED_SINCE_RECONCILE = "the record changed since reconcile (never overwritten):"
            + " reconcile again";

    /** A put or delete planned without the CID it must be conditional on. */
    private static final class NoCidSeen extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoCidSeen() {
            super(null, null, false, false);
        }
    }

    /** Stops a run: status and reason. */
    private static final class Stop extends RuntimeException {
        final RepairResult.Status status;

        Stop(RepairResult.Status status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Keeps a run within the write budget: waits for resets up to the maximum wait, or stops. */
    private final class Pacer {
        final Did did;
        Duration waited = Duration.ZERO;
        long spent;
        int idleChecks;

        Pacer(Did did) {
            this.did = did;
        }

        /** The points the next batch may spend. */
        int cap() {
            return repo.writeBudget(did).map(WriteBudget::remaining).orElse(Integer.MAX_VALUE);
        }

        /** Waits until {@code needed} points are available, or stops. */
        void awaitBudget(int needed, int left) {
            Optional<WriteBudget> b = repo.writeBudget(did);
            if (b.isEmpty() || b.get().remaining() >= needed) {
                return;
            }
            waitUntil(b.get().resetAt(), "the write budget of " + did + " has " + b.get().remaining()
                    + " points left, the next write needs " + needed + "; it resets at " + b.get().resetAt(), left);
        }

        void waitUntil(Instant until, String why, int left) {
            Duration d = Duration.between(clock.instant(), until);
            if (d.isNegative() || d.isZero()) {
                if (++idleChecks > 3) {
                    throw new Stop(RepairResult.Status.BUDGET_EXHAUSTED, why + "; the budget did not reset; "
                            + left + " actions left");
                }
                return;
            }
            idleChecks = 0;
            if (waited.plus(d).compareTo(maxWait) > 0) {
                throw new Stop(RepairResult.Status.BUDGET_EXHAUSTED, why + "; waiting " + d.toSeconds()
                        + " s would exceed maxWait " + maxWait + "; " + left
                        + " actions left: reconcile, plan and apply again after the reset");
            }
            listener.waiting(d, why);
            try {
                sleeper.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stop(RepairResult.Status.FAILED, "interrupted while waiting for the write budget");
            }
            waited = waited.plus(d);
        }

        /** Runs a PDS call, waiting and retrying after a 429 while the maximum wait allows. */
        <T> T call(Supplier<T> call, int left) {
            while (true) {
                try {
                    return call.get();
                } catch (RateLimitedException e) {
                    Instant until = e.retryAt().or(() -> repo.writeBudget(did).map(WriteBudget::resetAt))
                            .orElse(clock.instant().plusSeconds(1));
                    waitUntil(until, "rate limited: " + e.getMessage(), left);
                }
            }
        }
    }

    /** One application of a plan; confined to one thread. */
    private final class ApplyRun {
        final RepairPlan plan;
        final Did did;
        final Instant started;
        final List<RepairAction> ordered = new ArrayList<>();
        final boolean[] done;
        final Map<RepairAction.Type, Long> applied = new EnumMap<>(RepairAction.Type.class);
        final List<RepairResult.Skipped> skipped = new ArrayList<>();
        final Pacer pacer;
        /** Writes a batch's links while the next batch goes to the PDS; started on the first such overlap. */
        ExecutorService linkWriter;
        /** The batch whose links are being written, and the write; null when none is in flight. */
        List<Integer> linkingBatch;
        Future<Map<MoodId, String>> linking;

        ApplyRun(RepairPlan plan, Did did, Instant started) {
            this.plan = plan;
            this.did = did;
            this.started = started;
            this.pacer = new Pacer(did);
            for (RepairAction.Type t : List.of(RepairAction.Type.IMPORT_MOOD, RepairAction.Type.LINK,
                    RepairAction.Type.UPDATE_MOOD_TEXT, RepairAction.Type.CREATE_RECORD,
                    RepairAction.Type.PUT_RECORD, RepairAction.Type.DELETE_RECORD)) {
                for (RepairAction a : plan.actions()) {
                    if (a.type() == t) {
                        ordered.add(a);
                    }
                }
            }
            this.done = new boolean[ordered.size()];
        }

        RepairResult run() {
            RepairResult.Status status = RepairResult.Status.COMPLETED;
            Optional<String> error = Optional.empty();
            try {
                List<Integer> conflicts = new ArrayList<>();
                List<Integer> writes = new ArrayList<>();
                List<Integer> puts = new ArrayList<>();
                List<Integer> deletes = new ArrayList<>();
                for (int i = 0; i < ordered.size(); i++) {
                    switch (ordered.get(i).type()) {
                        case IMPORT_MOOD -> importMood(i);
                        case LINK -> {
                            if (!link(i, false)) {
                                conflicts.add(i);
                            }
                        }
                        case UPDATE_MOOD_TEXT -> updateText(i);
                        case CREATE_RECORD -> {
                            if (atFallbackKey(ordered.get(i))) {
                                puts.add(i); // one by one, after a re-check of the keys before it
                            } else {
                                writes.add(i);
                            }
                        }
                        case PUT_RECORD -> puts.add(i);
                        case DELETE_RECORD -> deletes.add(i);
                        default -> throw new IllegalStateException("unexpected " + ordered.get(i).type());
                    }
                }
                writePhase(writes);
                joinLinks(); // the creates' links precede the conflict retry, the other phases and the result
                singlePhase(puts);
                for (int i : conflicts) {
                    link(i, true);
                }
                singlePhase(deletes);
            } catch (Stop s) {
                status = s.status;
                error = Optional.of(s.getMessage());
                joinLinksAfterFailure();
            } catch (MoodSyncException e) {
                status = RepairResult.Status.FAILED;
                error = Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
                joinLinksAfterFailure();
            } finally {
                if (linkWriter != null) {
                    linkWriter.shutdownNow(); // idle by now: every link write was joined, or the run is failing
                }
            }
            List<RepairAction> remaining = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i++) {
                if (!done[i]) {
                    remaining.add(ordered.get(i));
                }
            }
            if (status == RepairResult.Status.COMPLETED && !remaining.isEmpty()) {
                throw new IllegalStateException("a completed run left " + remaining.size() + " actions");
            }
            return new RepairResult(plan.user(), Optional.of(did), status, applied, skipped, remaining, error,
                    pacer.spent, plan.deletesHeldBack(), started, clock.instant());
        }

        void applied(int i) {
            done[i] = true;
            applied.merge(ordered.get(i).type(), 1L, Long::sum);
            listener.applied(ordered.get(i));
        }

        void skip(int i, String reason) {
            done[i] = true;
            skipped.add(new RepairResult.Skipped(ordered.get(i), reason));
            listener.skipped(ordered.get(i), reason);
        }

        int left() {
            int n = 0;
            for (boolean d : done) {
                if (!d) {
                    n++;
                }
            }
            return n;
        }

        void importMood(int i) {
            RepairAction a = ordered.get(i);
            Mood mood = a.mood().orElseThrow();
            boolean inserted;
            try {
                inserted = store.insertIfAbsent(mood);
            } catch (StoreConflictException e) {
                skip(i, "the record key is linked to another mood: " + e.getMessage());
                return;
            }
            if (inserted) {
                applied(i);
                return;
            }
            Optional<Mood> existing = store.find(mood.id());
            if (existing.isPresent() && existing.get().user().equals(mood.user())
                    && existing.get().rkey().equals(mood.rkey())) {
                applied(i);
            } else {
                skip(i, "a mood with id " + mood.id() + " exists already"
                        + (existing.isPresent() && !existing.get().user().equals(mood.user())
                                ? " for another user: never imported across users" : ""));
            }
        }

        /** Links; returns false on a conflict that may clear later (unless {@code last}, then it is skipped). */
        boolean link(int i, boolean last) {
            RepairAction a = ordered.get(i);
            try {
                store.setLink(a.moodId().orElseThrow(), Optional.of(a.rkey()));
                applied(i);
                return true;
            } catch (NoSuchMoodException e) {
                skip(i, "the mood is gone");
                return true;
            } catch (StoreConflictException e) {
                if (last) {
                    skip(i, "the record key is still linked to another mood: " + e.getMessage());
                    return true;
                }
                return false;
            }
        }

        void updateText(int i) {
            RepairAction a = ordered.get(i);
            Mood planned = a.mood().orElseThrow();
            String stale = stale(planned, store.find(planned.id()));
            if (stale != null) {
                skip(i, stale);
                return;
            }
            Instant now = clock.instant();
            PendingSync marker = PendingSync.start(SyncOp.UPDATE, now);
            Mood changed = store.change(planned.id(), new MoodChange(a.text(), Optional.empty(), marker));
            if (store.tryLease(planned.id(), owner, now, now.plus(LEASE)).isEmpty()) {
                skip(i, "the text was updated; the sync worker holds the mood and will write its record");
                return;
            }
            Map<String, Object> value = MoodRecords.toRecord(changed);
            try {
                pacer.call(() -> repo.putRecord(did, MoodRecords.COLLECTION, a.rkey(), value, expected(a)), left());
            } catch (SwapConflictException e) {
                store.reschedule(planned.id(), marker.token(), owner, 0, now, "record changed while repairing",
                        false);
                skip(i, "the text was updated, but the record changed since planned: the sync worker will write it");
                return;
            } catch (PdsException | Stop e) {
                store.reschedule(planned.id(), marker.token(), owner, 1, now, e.getMessage(), false);
                throw e;
            }
            pacer.spent += 2;
            store.completeSync(planned.id(), marker.token(), owner, Optional.of(a.rkey()));
            applied(i);
        }

        /**
         * Record creates in {@code applyWrites} batches within the budget. A {@code #create} fails (and with it the
         * batch) when a record exists at its key, so a batch never overwrites; such a batch is redone one
         * create-if-absent at a time.
         */
        void writePhase(List<Integer> indices) {
            int pos = 0;
            while (pos < indices.size()) {
                // One store read for the moods the next batch writes from, instead of one per record.
                Map<MoodId, Optional<Mood>> current = prefetch(indices.subList(pos,
                        Math.min(indices.size(), pos + batchSize)));
                int cap = pacer.cap();
                List<Integer> batch = new ArrayList<>();
                List<RepoWrite> writes = new ArrayList<>();
                int points = 0;
                while (pos < indices.size() && batch.size() < batchSize) {
                    int i = indices.get(pos);
                    RepairAction a = ordered.get(i);
                    if (points + a.points() > cap) {
                        break;
                    }
                    pos++;
                    String stale = stale(a, id -> current.containsKey(id) ? current.get(id) : store.find(id));
                    if (stale != null) {
                        skip(i, stale);
                        continue;
                    }
                    batch.add(i);
                    writes.add(toWrite(a));
                    points += a.points();
                }
                if (batch.isEmpty()) {
                    if (pos < indices.size()) {
                        pacer.awaitBudget(ordered.get(indices.get(pos)).points(), left());
                    }
                    continue;
                }
                send(batch, writes, points, pos < indices.size());
            }
        }

        /**
         * Writes one call at a time, each conditional on the record reconcile saw ({@code swapRecord} with its CID):
         * the puts and deletes ({@code applyWrites} has no per-write swap), and creates at a fallback key. Within the
         * budget; the moods are read again in one store round trip per {@code batchSize} writes.
         */
        void singlePhase(List<Integer> indices) {
            for (int from = 0; from < indices.size(); from += batchSize) {
                List<Integer> chunk = indices.subList(from, Math.min(indices.size(), from + batchSize));
                Map<MoodId, Optional<Mood>> current = prefetch(chunk);
                for (int i : chunk) {
                    RepairAction a = ordered.get(i);
                    String stale = stale(a, id -> current.containsKey(id) ? current.get(id) : store.find(id));
                    if (stale != null) {
                        skip(i, stale);
                        continue;
                    }
                    while (pacer.cap() < a.points()) {
                        pacer.awaitBudget(a.points(), left());
                    }
                    single(i);
                }
            }
        }

        /** True for a create at one of the mood's fallback keys (its {@code rkeyFor(id)} held another record). */
        boolean atFallbackKey(RepairAction a) {
            return a.type() == RepairAction.Type.CREATE_RECORD && a.moodId().isPresent()
                    && !a.rkey().equals(MoodRecords.rkeyFor(a.moodId().get()))
                    && !a.mood().orElseThrow().rkey().equals(Optional.of(a.rkey()));
        }

        /**
         * Before creating at a fallback key, looks at the keys before it in the probing order: a record of this mood
         * already there (another plan or instance got there first) is adopted instead of writing a second one.
         */
        Optional<RecordKey> existingEarlierCopy(RepairAction a) {
            MoodId id = a.moodId().orElseThrow();
            for (int n = 0; n <= MoodRecords.FALLBACK_KEYS; n++) {
                RecordKey k = MoodRecords.fallbackKey(id, n);
                if (k.equals(a.rkey())) {
                    break;
                }
                Optional<RepoRecord> there = pacer.call(() -> repo.getRecord(did, MoodRecords.COLLECTION, k), left());
                if (there.isPresent() && MoodRecords.namedMood(there.get().value()).equals(Optional.of(id))) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }

        /**
         * Sends one create batch; when it lands, its links are written to the store: in the background while the
         * next batch is prepared and sent ({@code more}), else here. At most one link write is in flight: the one
         * before is joined first, so results are recorded in order and on this thread.
         */
        void send(List<Integer> batch, List<RepoWrite> writes, int points, boolean more) {
            boolean sent = pacer.call(() -> {
                try {
                    repo.applyWrites(did, writes);
                    return true;
                } catch (RateLimitedException e) {
                    throw e;
                } catch (PdsException e) {
                    if (e.httpStatus() == 500) {
                        return false;
                    }
                    throw new Stop(RepairResult.Status.FAILED, "applyWrites of " + writes.size()
                            + " writes failed: " + e.getMessage());
                }
            }, left());
            if (sent) {
                pacer.spent += points;
                listener.batch(writes.size(), points);
                joinLinks();
                // Link the batch's created records in one store write.
                Map<MoodId, RecordKey> links = new HashMap<>();
                for (int i : batch) {
                    RepairAction a = ordered.get(i);
                    if (a.type() == RepairAction.Type.CREATE_RECORD
                            && !a.mood().orElseThrow().rkey().equals(Optional.of(a.rkey()))) {
                        links.put(a.moodId().orElseThrow(), a.rkey());
                    }
                }
                if (links.isEmpty()) {
                    linked(batch, Map.of());
                } else if (more) {
                    if (linkWriter == null) {
                        linkWriter = Executors.newSingleThreadExecutor(r -> {
                            Thread t = new Thread(r, "mood-sync-repair-links-" + did);
                            t.setDaemon(true);
                            return t;
                        });
                    }
                    linkingBatch = batch;
                    linking = linkWriter.submit(() -> store.setLinks(links));
                } else {
                    linked(batch, store.setLinks(links));
                }
                return;
            }
            joinLinks();
            for (int i : batch) {
                single(i);
            }
        }

        /** Records the outcome of a batch's link write. */
        void linked(List<Integer> batch, Map<MoodId, String> unlinked) {
            for (int i : batch) {
                String why = ordered.get(i).moodId().map(unlinked::get).orElse(null);
                if (why != null) {
                    skip(i, "the record was created but could not be linked: " + why);
                } else {
                    applied(i);
                }
            }
        }

        /**
         * Waits for the link write in flight, if any, and records its outcome; a store failure of it ends the run as
         * it would have on this thread (its batch stays not done: the next reconcile finds the records, unlinked).
         */
        void joinLinks() {
            if (linking == null) {
                return;
            }
            Future<Map<MoodId, String>> f = linking;
            List<Integer> batch = linkingBatch;
            linking = null;
            linkingBatch = null;
            Map<MoodId, String> unlinked;
            try {
                unlinked = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stop(RepairResult.Status.FAILED, "interrupted while linking created records");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("linking created records failed", e.getCause());
            }
            linked(batch, unlinked);
        }

        /** {@link #joinLinks} on the way out of a failed run: its first error stands, a later one is dropped. */
        void joinLinksAfterFailure() {
            try {
                joinLinks();
            } catch (Stop | MoodSyncException e) {
                // the run fails with its first error; the batch stays not done (listed as remaining)
            }
        }

        void afterWrite(int i) {
            RepairAction a = ordered.get(i);
            if (a.type() == RepairAction.Type.CREATE_RECORD) {
                Mood m = a.mood().orElseThrow();
                if (!m.rkey().equals(Optional.of(a.rkey()))) {
                    try {
                        store.setLink(m.id(), Optional.of(a.rkey()));
                    } catch (StoreConflictException | NoSuchMoodException e) {
                        skip(i, "the record was created but could not be linked: " + e.getMessage());
                        return;
                    }
                }
            }
            applied(i);
        }

        /** One write without a batch, idempotent, after a batch failed because the state changed. */
        void single(int i) {
            RepairAction a = ordered.get(i);
            try {
                switch (a.type()) {
                    case CREATE_RECORD -> {
                        if (atFallbackKey(a)) {
                            Optional<RecordKey> earlier = existingEarlierCopy(a);
                            if (earlier.isPresent()) {
                                link(a.moodId().orElseThrow(), earlier.get(), i, "its record was found at "
                                        + earlier.get() + " (written by another plan or instance): linked, not"
                                        + " created again");
                                return;
                            }
                        }
                        Map<String, Object> value = MoodRecords.toRecord(a.mood().orElseThrow());
                        CreateResult r = pacer.call(() -> repo.createIfAbsent(did, MoodRecords.COLLECTION, a.rkey(),
                                value), left());
                        pacer.spent += 2;
                        if (r.created() || r.written().cid().equals(Optional.of(DagCbor.cidOf(value)))) {
                            afterWrite(i);
                            return;
                        }
                        Optional<MoodRecord> there = r.existing().flatMap(e -> MoodRecords.tryDecode(e.value()));
                        if (there.isPresent() && there.get().ref().equals(a.moodId())) {
                            afterWrite(i);
                            return;
                        }
                        skip(i, "another record stands at " + a.rkey() + " (not this mood's): never overwritten");
                    }
                    case PUT_RECORD -> {
                        Map<String, Object> value = MoodRecords.toRecord(a.mood().orElseThrow());
                        pacer.call(() -> repo.putRecord(did, MoodRecords.COLLECTION, a.rkey(), value, expected(a)),
                                left());
                        pacer.spent += 2;
                        afterWrite(i);
                    }
                    case DELETE_RECORD -> {
                        pacer.call(() -> {
                            repo.deleteRecord(did, MoodRecords.COLLECTION, a.rkey(), expected(a));
                            return null;
                        }, left());
                        pacer.spent += 1;
                        afterWrite(i);
                    }
                    default -> throw new IllegalStateException("not a PDS write: " + a.type());
                }
            } catch (SwapConflictException e) {
                skip(i, CHANGED_SINCE_RECONCILE + ": " + e.getMessage());
            } catch (NoCidSeen e) {
                skip(i, "no CID was seen for the record when reconciling, so the write could not be conditional:"
                        + " reconcile again");
            } catch (PdsException e) {
                throw new Stop(RepairResult.Status.FAILED, a.type() + " of " + a.rkey() + " failed: "
                        + e.getMessage());
            }
        }

        RepoWrite toWrite(RepairAction a) {
            if (a.type() != RepairAction.Type.CREATE_RECORD) {
                throw new IllegalStateException("only creates are batched (they never overwrite): " + a.type());
            }
            return new RepoWrite.Create(MoodRecords.COLLECTION, a.rkey(), MoodRecords.toRecord(a.mood().orElseThrow()));
        }

        /** The precondition of a put or delete: the record still has the CID reconcile saw. */
        SwapRecord expected(RepairAction a) {
            return SwapRecord.cid(a.expectedCid().orElseThrow(NoCidSeen::new));
        }

        /** Links a mood to a record found in place of the planned create. */
        void link(MoodId id, RecordKey rkey, int i, String why) {
            try {
                store.setLink(id, Optional.of(rkey));
                skip(i, why);
            } catch (StoreConflictException | NoSuchMoodException e) {
                skip(i, "its record was found at " + rkey + " but could not be linked: " + e.getMessage());
            }
        }

        /** Why a write planned from the store no longer fits the store, or null when it still does. */
        /** Reads the moods that {@link #stale} will ask about, in one store round trip. */
        Map<MoodId, Optional<Mood>> prefetch(List<Integer> indices) {
            List<MoodId> ids = new ArrayList<>();
            for (int i : indices) {
                ordered.get(i).moodId().ifPresent(ids::add);
            }
            Map<MoodId, Mood> found = store.findAll(ids);
            Map<MoodId, Optional<Mood>> current = new HashMap<>();
            for (MoodId id : ids) {
                current.put(id, Optional.ofNullable(found.get(id)));
            }
            return current;
        }

        String stale(RepairAction a, Function<MoodId, Optional<Mood>> find) {
            if (a.type() == RepairAction.Type.DELETE_RECORD) {
                if (a.cause() != DriftKind.DELETED_BUT_ON_PDS) {
                    return null;
                }
                Optional<Mood> now = find.apply(a.moodId().orElseThrow());
                if (now.isPresent() && (!now.get().deleted() || now.get().pending().isPresent())) {
                    return "the mood was undeleted or changed since planned";
                }
                return null;
            }
            Mood planned = a.mood().orElseThrow();
            Optional<Mood> now = find.apply(planned.id());
            String stale = stale(planned, now);
            if (stale == null && a.type() == RepairAction.Type.CREATE_RECORD
                    && !now.orElseThrow().rkey().equals(planned.rkey())) {
                // Another writer linked a record meanwhile: creating one more would make a second record.
                return "the mood was linked to " + now.get().rkey().map(RecordKey::value).orElse("nothing")
                        + " since planned: reconcile again";
            }
            return stale;
        }

        String stale(Mood planned, Optional<Mood> now) {
            if (now.isEmpty()) {
                return "the mood is gone from the store";
            }
            Mood m = now.get();
            if (!m.user().equals(planned.user())) {
                return "the mood belongs to another user";
            }
            if (m.pending().isPresent()) {
                return "the mood is pending now: the sync worker will write it";
            }
            if (m.deleted()) {
                return "the mood was deleted since planned";
            }
            if (!m.text().equals(planned.text()) || !m.when().equals(planned.when())) {
                return "the mood was edited since planned";
            }
            return null;
        }
    }
}
