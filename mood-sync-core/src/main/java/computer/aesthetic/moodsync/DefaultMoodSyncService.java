package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.reconcile.ErasureReceipt;
import computer.aesthetic.moodsync.reconcile.MigrationListener;
import computer.aesthetic.moodsync.reconcile.MigrationReport;
import computer.aesthetic.moodsync.reconcile.Migrator;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.reconcile.Reconciler;
import computer.aesthetic.moodsync.reconcile.RepairPlan;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.RepairResult;
import computer.aesthetic.moodsync.reconcile.Repairer;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AccountHold;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.Completion;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.MoodChange;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.UserState;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The implementation behind {@link MoodSyncService#builder()}. Thread-safe. */
final class DefaultMoodSyncService implements MoodSyncService {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultMoodSyncService.class);
    /** The longest a write waits for its repository's lock before it is rescheduled (a repair holds it). */
    private static final Duration MAX_LOCK_WAIT = Duration.ofSeconds(1);

    private final MoodStore store;
    private final AtprotoRepo repo;
    private final AccountDirectory accounts;
    private final Clock clock;
    private final SyncListener listener;
    private final SyncMode mode;
    private final Duration inlineTimeout;
    private final Duration lease;
    private final int maxAttempts;
    private final Duration backoffBase;
    private final Duration backoffMax;
    private final ExecutorService inlineExecutor;
    private final boolean ownsExecutor;
    private final String instanceId;
    private final AtomicLong opCounter = new AtomicLong();
    private final RepoLocks repoLocks = new RepoLocks();
    private final Duration lockWait;
    private final SyncWorker worker;
    private final Reconciler reconciler;
    private final Repairer repairer;
    private final int migrationConcurrency;

    private final LongAdder stored = new LongAdder();
    private final LongAdder inlineSynced = new LongAdder();
    private final LongAdder synced = new LongAdder();
    private final LongAdder attemptsFailed = new LongAdder();
    private final LongAdder noAccount = new LongAdder();
    private final LongAdder heldBack = new LongAdder();
    private final Map<String, LongAdder> failuresByError = new ConcurrentHashMap<>();

    DefaultMoodSyncService(MoodSyncService.Builder b) {
        this.store = b.store;
        this.repo = b.repo;
        this.accounts = b.accountCacheTtl.isZero() ? b.accounts
                : AccountDirectory.cached(b.accounts, b.accountCacheTtl, b.clock);
        this.clock = b.clock;
        this.listener = b.listener;
        this.mode = b.mode;
        this.inlineTimeout = b.inlineTimeout;
        this.lease = b.lease;
        this.maxAttempts = b.maxAttempts;
        this.backoffBase = b.backoffBase;
        this.backoffMax = b.backoffMax;
        this.instanceId = b.instanceId != null ? b.instanceId : "moodsync-" + UUID.randomUUID().toString().substring(0, 8);
        this.ownsExecutor = b.inlineExecutor == null;
        this.inlineExecutor = ownsExecutor ? Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "moodsync-inline");
            t.setDaemon(true);
            return t;
        }) : b.inlineExecutor;
        Duration halfInline = inlineTimeout.dividedBy(2);
        this.lockWait = halfInline.compareTo(MAX_LOCK_WAIT) < 0 ? halfInline : MAX_LOCK_WAIT;
        this.reconciler = Reconciler.builder().store(store).repo(repo).accounts(accounts).clock(clock)
                .whenTolerance(b.whenTolerance).build();
        Repairer.Builder repairs = Repairer.builder().reconciler(reconciler).listener(b.repairListener)
                .maxWait(b.maxBudgetWait).repoLocks(this::lockFor).eraseWait(b.lease.multipliedBy(2));
        if (b.accountDeleter != null) {
            repairs.accountDeleter(b.accountDeleter);
        }
        this.repairer = repairs.build();
        this.migrationConcurrency = b.migrationConcurrency;
        this.worker = new SyncWorker(this, instanceId, b.workerThreads, b.batchSize, b.pollInterval);
        if (b.startWorker) {
            worker.start();
        }
    }

    // ---------------------------------------------------------------- the API

    @Override
    public SyncResult post(UserId user, String text) {
        return post(user, Optional.empty(), text);
    }

    @Override
    public SyncResult post(UserId user, MoodId id, String text) {
        return post(user, Optional.of(Objects.requireNonNull(id, "id")), text);
    }

    private SyncResult post(UserId user, Optional<MoodId> callerId, String text) {
        Objects.requireNonNull(user, "user");
        MoodRecords.checkNewText(text);
        Instant now = clock.instant();
        Optional<Account> account = accounts.findByUser(user);
        MoodId id = callerId.orElseGet(() -> MoodId.generate(now));
        try {
            return insertAndWrite(id, user, text, now, account);
        } catch (StoreConflictException e) {
            if (callerId.isEmpty()) {
                throw e;
            }
            // The id is taken: the same post retried, or a racing call with the same id inserted first (the store
            // lets exactly one in).
            Mood existing = store.find(id).orElseThrow(() -> new MoodIdConflictException(id,
                    "a stored document that cannot be read as a mood"));
            return repost(existing, user, text, account);
        }
    }

    /**
     * A post whose id exists: the same post retried (same user, same text) gets the existing mood's result, and
     * in INLINE mode its pending write is tried now if no other writer holds it; anything else is a conflict.
     */
    private SyncResult repost(Mood existing, UserId user, String text, Optional<Account> account) {
        MoodId id = existing.id();
        if (!existing.user().equals(user)) {
            throw new MoodIdConflictException(id, "another user's mood");
        }
        if (!existing.text().equals(text)) {
            throw new MoodIdConflictException(id, "a mood with another text");
        }
        UserState state = gate(user);
        if (existing.pending().isEmpty()) {
            return existing.rkey().isPresent() || existing.deleted() && account.isPresent() ? SyncResult.synced(id)
                    : SyncResult.noAccount(id);
        }
        PendingSync marker = existing.pending().get();
        if (marker.failed()) {
            return SyncResult.pending(id, PendingReason.PDS_ERROR, marker.lastError().orElse(null));
        }
        if (account.isEmpty()) {
            return SyncResult.noAccount(id); // the worker drops the marker: nothing to write without an account
        }
        if (state.hold().isPresent()) {
            // Held: the stored write waits for the account; the retry is not a new write, so nothing is counted.
            return SyncResult.pending(id, PendingReason.ACCOUNT_INACTIVE, holdMessage(state.hold().get().status()));
        }
        if (mode == SyncMode.QUEUED) {
            worker.nudge();
            return SyncResult.pending(id, PendingReason.QUEUED, null);
        }
        String owner = newOwner();
        Instant now = clock.instant();
        Optional<Mood> leased = store.tryLease(id, owner, now, now.plus(lease));
        if (leased.isEmpty()) {
            worker.nudge();
            return SyncResult.pending(id, PendingReason.BUSY, "another writer is writing this mood");
        }
        return writeInline(leased.get(), account.get(), owner, marker.op());
    }

    /**
     * Inserts the mood, then reads the user's state once: the fence against an erasure racing the insert (a fenced
     * user's insert is removed again and refused) and the account hold (a held user's write is rescheduled, never
     * sent). One insert and one read, whatever the outcome, before the PDS write of an INLINE post.
     */
    private SyncResult insertAndWrite(MoodId id, UserId user, String text, Instant now, Optional<Account> account) {
        if (account.isEmpty()) {
            Mood mood = new Mood(id, user, text, now, false, Optional.empty(), Optional.empty());
            store.insert(mood);
            gate(user);
            return noAccount(mood);
        }
        String owner = newOwner();
        // The client's circuit is open: a call would fail without being tried. The mood is stored due when the
        // circuit closes again and the post returns at once, at the cost of the insert and the read alone.
        Optional<Instant> down = mode == SyncMode.INLINE ? repo.unavailableUntil(account.get().did()) : Optional.empty();
        PendingSync marker = PendingSync.start(SyncOp.CREATE, down.orElse(now));
        if (mode == SyncMode.INLINE && down.isEmpty()) {
            marker = marker.leasedTo(owner, now.plus(lease));
        }
        Mood mood = new Mood(id, user, text, now, false, Optional.empty(), Optional.of(marker));
        store.insert(mood);
        UserState state = gate(user);
        if (state.hold().isPresent()) {
            // The account is not active on its PDS: the mood stays stored, due again after the longest backoff (a
            // resume makes it due at once), and the PDS is never called (it would refuse).
            AccountHold hold = state.hold().get();
            stored.increment();
            safely(() -> listener.stored(mood, SyncOp.CREATE));
            holdBack(mood, marker, owner, hold);
            return SyncResult.pending(id, PendingReason.ACCOUNT_INACTIVE, holdMessage(hold.status()));
        }
        if (down.isPresent()) {
            stored.increment();
            safely(() -> listener.stored(mood, SyncOp.CREATE));
            safely(() -> listener.pending(mood, SyncOp.CREATE, PendingReason.PDS_UNAVAILABLE, null));
            return SyncResult.pending(id, PendingReason.PDS_UNAVAILABLE,
                    "the PDS is unavailable (circuit open) until " + down.get() + "; the worker will write it");
        }
        return afterStore(mood, account.get(), owner, SyncOp.CREATE, true);
    }

    @Override
    public SyncResult delete(MoodId id) {
        return change(id, Optional.empty(), Optional.of(true), SyncOp.DELETE);
    }

    @Override
    public SyncResult undelete(MoodId id) {
        return change(id, Optional.empty(), Optional.of(false), SyncOp.UPDATE);
    }

    @Override
    public SyncResult edit(MoodId id, String text) {
        MoodRecords.checkNewText(text);
        return change(id, Optional.of(text), Optional.empty(), SyncOp.UPDATE);
    }

    @Override
    public Optional<Mood> find(MoodId id) {
        return store.find(Objects.requireNonNull(id, "id"));
    }

    @Override
    public List<Mood> failed(Optional<UserId> user) {
        try (Stream<Mood> pending = store.listPending(user)) {
            return pending.filter(m -> m.pending().map(PendingSync::failed).orElse(false)).toList();
        }
    }

    @Override
    public boolean retry(MoodId id) {
        Mood mood = store.find(id).orElseThrow(() -> new NoSuchMoodException(id));
        if (mood.pending().isEmpty() || !mood.pending().get().failed()) {
            return false;
        }
        store.setPending(id, PendingSync.start(mood.pending().get().op(), clock.instant()));
        worker.nudge();
        return true;
    }

    @Override
    public int syncNow() {
        return worker.drain();
    }

    @Override
    public SyncWorker worker() {
        return worker;
    }

    @Override
    public computer.aesthetic.moodsync.ingest.Follower.Builder follower() {
        return computer.aesthetic.moodsync.ingest.Follower.builder().store(store).repo(repo).accounts(accounts)
                .clock(clock).owner(instanceId + "/follower").resumeAccount(this::resumeAccount);
    }

    @Override
    public int resumeAccount(UserId user) {
        Objects.requireNonNull(user, "user");
        boolean released = store.releaseAccount(user);
        int due = store.makeDue(user, newOwner(), clock.instant());
        LOG.info("account of {} resumed ({}): {} held writes due now", user, released ? "hold released" : "no hold",
                due);
        worker.nudge();
        return due;
    }

    @Override
    public void holdAccount(UserId user, String status) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(status, "status");
        if (store.holdAccount(user, status, clock.instant())) {
            LOG.info("account of {} is {} on its PDS: its writes are held", user, status);
        }
    }

    /** The user's hold, when the store keeps holds (a store without them holds nobody). */
    Optional<AccountHold> holdOf(UserId user) {
        return store.accountHold(user);
    }

    private SyncResult held(Mood mood, SyncOp op, AccountHold hold) {
        stored.increment();
        heldBack.increment();
        safely(() -> listener.stored(mood, op));
        safely(() -> listener.pending(mood, op, PendingReason.ACCOUNT_INACTIVE, null));
        return SyncResult.pending(mood.id(), PendingReason.ACCOUNT_INACTIVE, holdMessage(hold.status()));
    }

    private static String holdMessage(String status) {
        return "the account is " + status + " on its PDS: the change is stored and written once it is active again";
    }

    /**
     * Reschedules a claimed write of a held account without calling the PDS and without counting an attempt, due
     * again after the longest backoff (a resume makes it due at once).
     */
    void holdBack(Mood mood, PendingSync marker, String owner, AccountHold hold) {
        heldBack.increment();
        store.reschedule(mood.id(), marker.token(), owner, marker.attempts(), clock.instant().plus(backoffMax),
                holdMessage(hold.status()), false);
        safely(() -> listener.pending(mood, marker.op(), PendingReason.ACCOUNT_INACTIVE, null));
    }

    /**
     * The account status an XRPC error names, when it says the account is not active on its PDS (the reference
     * PDS: {@code AccountDeactivated} and {@code AccountTakedown} from its auth check on writes,
     * {@code RepoDeactivated}, {@code RepoTakendown} and {@code RepoSuspended} from repository reads,
     * {@code AccountNotFound} for a deleted account whose session is still valid).
     */
    static Optional<String> inactiveStatus(PdsException e) {
        return e.errorName().map(name -> switch (name) {
            case "AccountDeactivated", "RepoDeactivated" -> "deactivated";
            case "AccountTakedown", "RepoTakendown" -> "takendown";
            case "RepoSuspended" -> "suspended";
            case "AccountNotFound" -> "deleted";
            default -> null;
        });
    }

    @Override
    public SyncStats stats() {
        long pending = 0;
        long parked = 0;
        Instant oldest = null;
        try (Stream<Mood> moods = store.listPending(Optional.empty())) {
            for (Mood m : (Iterable<Mood>) moods::iterator) {
                if (m.pending().isEmpty()) {
                    continue; // completed between the query and now
                }
                pending++;
                if (m.pending().get().failed()) {
                    parked++;
                }
                if (oldest == null || m.when().isBefore(oldest)) {
                    oldest = m.when();
                }
            }
        }
        Instant now = clock.instant();
        Optional<Duration> age = oldest == null ? Optional.empty()
                : Optional.of(Duration.between(oldest, now).isNegative() ? Duration.ZERO : Duration.between(oldest, now));
        Map<String, Long> failures = new java.util.TreeMap<>();
        failuresByError.forEach((k, v) -> failures.put(k, v.sum()));
        return new SyncStats(stored.sum(), inlineSynced.sum(), synced.sum(), attemptsFailed.sum(), noAccount.sum(),
                pending, parked, age, failures, heldBack.sum());
    }

    @Override
    public UserSyncStatus status(UserId user) {
        long total = 0;
        long[] byState = new long[SyncState.values().length];
        try (Stream<Mood> moods = store.listByUser(user)) {
            for (Mood m : (Iterable<Mood>) moods::iterator) {
                total++;
                byState[m.syncState().ordinal()]++;
            }
        }
        long malformed;
        try (Stream<?> bad = store.listMalformed(Optional.of(user))) {
            malformed = bad.count();
        }
        return new UserSyncStatus(user, accounts.findByUser(user).isPresent(), total,
                byState[SyncState.SYNCED.ordinal()], byState[SyncState.PENDING.ordinal()],
                byState[SyncState.FAILED.ordinal()], byState[SyncState.DELETED.ordinal()],
                byState[SyncState.UNSYNCED.ordinal()], malformed, holdOf(user));
    }

    @Override
    public ReconcileReport reconcile(UserId user) {
        return reconciler.reconcile(Objects.requireNonNull(user, "user"));
    }

    @Override
    public RepairPlan plan(ReconcileReport report, RepairPolicy policy) {
        return reconciler.plan(report, policy);
    }

    @Override
    public RepairResult repair(RepairPlan plan) {
        return repairer.apply(plan);
    }

    @Override
    public RepairResult rebuildStoreFromRecords(UserId user) {
        return repairer.rebuildStoreFromRecords(user);
    }

    @Override
    public RepairResult rebuildRecordsFromStore(UserId user) {
        return repairer.rebuildRecordsFromStore(user);
    }

    @Override
    public ErasureReceipt erase(UserId user, boolean deleteAccount) {
        return repairer.erase(user, deleteAccount);
    }

    @Override
    public MigrationReport migrate(Optional<List<UserId>> users, RepairPolicy policy, MigrationListener listener) {
        return migrator(policy, listener).migrate(users);
    }

    @Override
    public MigrationReport planMigration(Optional<List<UserId>> users, RepairPolicy policy) {
        return migrator(policy, MigrationListener.NONE).dryRun(users);
    }

    private Migrator migrator(RepairPolicy policy, MigrationListener listener) {
        return Migrator.builder().repairer(repairer).concurrency(migrationConcurrency).policy(policy)
                .listener(listener).clock(clock).build();
    }

    @Override
    public void close() {
        worker.close();
        if (ownsExecutor) {
            inlineExecutor.shutdown();
            try {
                if (!inlineExecutor.awaitTermination(inlineTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                    inlineExecutor.shutdownNow();
                }
            } catch (InterruptedException e) {
                inlineExecutor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "MoodSyncService[" + instanceId + ", mode=" + mode + "]";
    }

    // ---------------------------------------------------------------- changes

    private SyncResult change(MoodId id, Optional<String> text, Optional<Boolean> deleted, SyncOp op) {
        Objects.requireNonNull(id, "id");
        Mood current = store.find(id).orElseThrow(() -> new NoSuchMoodException(id));
        Optional<Account> account = accounts.findByUser(current.user());
        Instant now = clock.instant();
        PendingSync marker = PendingSync.start(op, now);
        Mood changed = store.change(id, new MoodChange(text, deleted, marker));
        UserState state = gate(current.user());
        if (account.isEmpty()) {
            store.completeSync(id, marker.token(), instanceId, Optional.empty());
            return noAccount(changed);
        }
        if (state.hold().isPresent()) {
            return held(changed, op, state.hold().get()); // due now: the worker holds it back without an attempt
        }
        String owner = newOwner();
        if (mode == SyncMode.INLINE) {
            Optional<Mood> leased = store.tryLease(id, owner, now, now.plus(lease));
            if (leased.isEmpty()) {
                stored.increment();
                Mood busy = changed;
                safely(() -> listener.stored(busy, op));
                safely(() -> listener.pending(busy, op, PendingReason.BUSY, null));
                worker.nudge();
                return SyncResult.pending(id, PendingReason.BUSY, null);
            }
            changed = leased.get();
        }
        return afterStore(changed, account.get(), owner, op, false);
    }

    private SyncResult afterStore(Mood mood, Account account, String owner, SyncOp op, boolean posted) {
        stored.increment();
        safely(() -> listener.stored(mood, op));
        if (mode == SyncMode.QUEUED) {
            safely(() -> listener.pending(mood, op, PendingReason.QUEUED, null));
            worker.nudge();
            return SyncResult.pending(mood.id(), PendingReason.QUEUED, null);
        }
        return writeInline(mood, account, owner, op);
    }

    /** Writes a mood leased to {@code owner} on the inline executor, waiting at most {@code inlineTimeout}. */
    private SyncResult writeInline(Mood mood, Account account, String owner, SyncOp op) {
        Future<SyncResult> write;
        try {
            write = inlineExecutor.submit(() -> write(mood, account, owner, true));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            worker.nudge();
            return SyncResult.pending(mood.id(), PendingReason.BUSY, "inline executor refused the write");
        }
        try {
            return write.get(inlineTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            safely(() -> listener.pending(mood, op, PendingReason.TIMEOUT, null));
            return SyncResult.pending(mood.id(), PendingReason.TIMEOUT,
                    "the PDS write did not finish within " + inlineTimeout.toMillis() + " ms; it goes on in the background");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SyncResult.pending(mood.id(), PendingReason.TIMEOUT, "interrupted while waiting for the PDS");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StoreException se) {
                LOG.warn("store failed after the PDS write of mood {}; the worker will redo it: {}", mood.id(),
                        se.getMessage());
                return SyncResult.pending(mood.id(), PendingReason.STORE_ERROR, se.getMessage());
            }
            LOG.warn("inline write of mood {} failed unexpectedly; the worker will retry it", mood.id(), cause);
            return SyncResult.pending(mood.id(), PendingReason.PDS_ERROR, String.valueOf(cause));
        }
    }

    /**
     * The erasure fence, read after every store write of a post or change (with the account hold, in one read):
     * an erasure may have deleted the user's moods before this write landed, so a fenced user's moods are removed
     * again (all of them are to go) and the write is refused; nothing reaches the PDS. A write that lands before
     * the tombstone is the erasure's to delete (it waits for the write's lease), so every post or change that
     * returns is ordered before any erasure of its user.
     */
    private UserState gate(UserId user) {
        UserState state = store.userState(user);
        if (state.erased()) {
            store.deleteAllOf(user);
            throw new UserErasedException(user, state.erasedSince().get());
        }
        return state;
    }

    /** Drops the claimed work of a user fenced for erasure (see {@link SyncWorker}): the user's moods are removed. */
    void dropErased(UserId user, Instant since) {
        long removed = store.deleteAllOf(user);
        LOG.info("{} is fenced for erasure since {}: its pending work is dropped and its {} moods removed", user,
                since, removed);
    }

    private SyncResult noAccount(Mood mood) {
        listenerNoAccount(mood);
        return SyncResult.noAccount(mood.id());
    }

    void listenerNoAccount(Mood mood) {
        noAccount.increment();
        safely(() -> listener.noAccount(mood));
    }

    // ---------------------------------------------------------------- writing (shared with the worker)

    String newOwner() {
        return instanceId + "/op-" + opCounter.incrementAndGet();
    }

    ReentrantLock lockFor(Did did) {
        return repoLocks.lockFor(did);
    }

    /** The per-repository locks shared with the repairer. */
    RepoLocks repoLocks() {
        return repoLocks;
    }

    /**
     * The repository's lock is busy (a repair or erase of it is writing, or a slow write of the same repository):
     * reschedule shortly without counting an attempt, rather than parking the thread behind it.
     */
    private SyncResult lockBusy(Mood mood, PendingSync marker, String owner) {
        String error = "another writer of this repository (a repair, an erase, or a slow write) holds its lock; "
                + "retried shortly";
        safely(() -> store.reschedule(mood.id(), marker.token(), owner, marker.attempts(),
                clock.instant().plus(backoffBase), error, false));
        worker.nudge();
        return SyncResult.pending(mood.id(), PendingReason.BUSY, error);
    }

    Clock clock() {
        return clock;
    }

    MoodStore store() {
        return store;
    }

    AccountDirectory accounts() {
        return accounts;
    }

    AtprotoRepo repo() {
        return repo;
    }

    Duration lease() {
        return lease;
    }

    /**
     * Writes one mood's current state to the PDS under {@code owner}'s lease, then records the outcome in the
     * store. PDS failures are rescheduled, never thrown; store failures are thrown.
     */
    SyncResult write(Mood mood, Account account, String owner, boolean inline) {
        return write(mood, account, owner, inline, new LegacyRecords(repo, account.did()));
    }

    /**
     * As {@link #write(Mood, Account, String, boolean)}, looking legacy records up in {@code legacy} (shared by the
     * moods of one worker pass, so the repository is listed at most once per pass).
     */
    SyncResult write(Mood mood, Account account, String owner, boolean inline, LegacyRecords legacy) {
        PendingSync marker = mood.pending().orElseThrow();
        try {
            return writeOne(mood, account, owner, inline, legacy);
        } catch (InvalidRecordException e) {
            return parkInvalid(mood, marker, owner, e);
        } catch (RuntimeException e) {
            return contained(mood, marker, owner, e);
        }
    }

    private SyncResult writeOne(Mood mood, Account account, String owner, boolean inline, LegacyRecords legacy) {
        PendingSync marker = mood.pending().orElseThrow();
        long t0 = System.nanoTime();
        Written written;
        Optional<RepoRecord> adopt = Optional.empty();
        if (LegacyRecords.mayHave(mood)) {
            // An unlinked mood the origin may have written: find its record before writing (outside the lock, as
            // listing is the longest call), so it is adopted rather than written a second time.
            try {
                adopt = legacy.find(mood, store);
            } catch (PdsException e) {
                return failed(mood, marker, owner, e);
            }
        }
        // One PDS writer per repository in this instance, waited for a bounded time; store updates happen outside
        // the lock. Correctness does not rest on it (the writes are fenced); it keeps repairs and writes apart.
        Optional<ReentrantLock> held = repoLocks.tryLock(account.did(), lockWait);
        if (held.isEmpty()) {
            return lockBusy(mood, marker, owner);
        }
        ReentrantLock lock = held.get();
        try {
            written = writeRecord(mood, account.did(), owner, adopt);
        } catch (PdsException e) {
            return failed(mood, marker, owner, e);
        } catch (RecordKeyTakenException e) {
            return park(mood, marker, owner, e.getMessage());
        } finally {
            lock.unlock();
        }
        if (written == null) {
            // Lost the lease while resolving a conflict: another writer has this mood now and writes its state.
            return SyncResult.pending(mood.id(), PendingReason.BUSY,
                    "another writer took this mood over; it writes the current state");
        }
        if (!store.completeSync(mood.id(), marker.token(), owner, written.link(), written.cid(), clock.instant())) {
            // Superseded: a newer change (or a newer writer) owns the mood now; the store keeps (or got back) a
            // marker, so its current state is written again. Never reported as synced.
            worker.nudge();
            return SyncResult.pending(mood.id(), PendingReason.BUSY,
                    "the mood changed while it was written; the newer state is written next");
        }
        recordSynced(mood, marker.op(), inline, Duration.ofNanos(System.nanoTime() - t0));
        return SyncResult.synced(mood.id());
    }

    /** The mood's text breaks the lexicon (legacy data): nothing can be written until it changes, so park it. */
    private SyncResult parkInvalid(Mood mood, PendingSync marker, String owner, InvalidRecordException e) {
        String error = "the mood's stored text cannot be written to the PDS (" + String.join("; ", e.problems())
                + "); edit the mood's text, then retry it";
        attemptsFailed.increment();
        countFailure("InvalidMood");
        safely(() -> store.reschedule(mood.id(), marker.token(), owner, marker.attempts() + 1, clock.instant(), error,
                true));
        LOG.warn("mood {} parked: {}", mood.id(), error);
        safely(() -> listener.parked(mood, marker.op(), error));
        return SyncResult.pending(mood.id(), PendingReason.INVALID_MOOD, error);
    }

    /**
     * Anything else that went wrong with one mood (a store failure recording the outcome, a bug): counted as a
     * failed attempt with backoff, parked after {@code maxAttempts}, the lease released, never thrown to the batch.
     */
    private SyncResult contained(Mood mood, PendingSync marker, String owner, RuntimeException e) {
        int attempts = marker.attempts() + 1;
        boolean park = attempts >= maxAttempts;
        boolean storeFailure = e instanceof StoreException;
        String error = (storeFailure ? "the database failed while recording the PDS write: "
                : "unexpected failure while syncing the mood: ") + e.getClass().getSimpleName() + ": " + e.getMessage();
        attemptsFailed.increment();
        countFailure(storeFailure ? "StoreError" : e.getClass().getSimpleName());
        LOG.warn("mood {}: {}; {}", mood.id(), error, park ? "parked" : "retried later", storeFailure ? null : e);
        safely(() -> store.reschedule(mood.id(), marker.token(), owner, attempts, clock.instant().plus(backoff(attempts)),
                error, park));
        if (park) {
            safely(() -> listener.parked(mood, marker.op(), error));
        }
        return SyncResult.pending(mood.id(), storeFailure ? PendingReason.STORE_ERROR : PendingReason.PDS_ERROR, error);
    }

    void recordSynced(Mood mood, SyncOp op, boolean inline, Duration elapsed) {
        synced.increment();
        if (inline) {
            inlineSynced.increment();
        }
        safely(() -> listener.synced(mood, op, inline, elapsed));
    }

    /** What a write left: the link to record (empty to leave it) and the CID at the linked key (empty: none). */
    private record Written(Optional<RecordKey> link, Optional<Cid> cid) {
    }

    /** What the writer expects at the record key: nothing, a record with a known CID, or not known yet. */
    private record Expect(boolean known, Optional<Cid> cid) {
        static final Expect UNKNOWN = new Expect(false, Optional.empty());
        static final Expect ABSENT = new Expect(true, Optional.empty());

        static Expect of(Optional<RepoRecord> r) {
            return new Expect(true, r.map(RepoRecord::cid));
        }
    }

    /**
     * Brings the PDS to the mood's state, fenced: every update and delete of an existing record carries the
     * {@code swapRecord} of the CID this writer expects there (the store's {@link Mood#recordCid()}, or one
     * {@code getRecord} when the store does not know it), so a write prepared from an older state fails instead of
     * landing over a newer one. A swap conflict is resolved here: the record already holding what we intend (a lost
     * answer) is success; a record of another mood is never touched ({@link RecordKeyTakenException}); anything
     * else is an older write of this mood that landed late, overwritten only after the store confirms this writer
     * still holds the lease. Returns null when the lease was lost (the current holder writes the mood).
     *
     * <p>An unlinked mood with an existing record of its own elsewhere ({@code adopt}, see {@link LegacyRecords})
     * is written there as if linked to it: updated in place or deleted, fenced on the CID seen when listing, and
     * linked to its key.
     */
    private Written writeRecord(Mood mood, Did did, String owner, Optional<RepoRecord> adopt) {
        boolean adopted = mood.rkey().isEmpty() && adopt.isPresent();
        RecordKey rkey = mood.rkey().or(() -> adopt.map(RepoRecord::rkey))
                .orElseGet(() -> MoodRecords.rkeyFor(mood.id()));
        // A delete leaves a link as it is; an adopted record's key is linked even when the write deleted it.
        Optional<RecordKey> deletedLink = adopted ? Optional.of(rkey) : Optional.empty();
        Map<String, Object> record = mood.deleted() ? null : MoodRecords.toRecord(mood);
        Cid intended = record == null ? null : DagCbor.cidOf(record);
        Expect expect;
        if (mood.recordCid().isPresent()) {
            expect = new Expect(true, mood.recordCid());
        } else if (adopted) {
            expect = new Expect(true, Optional.of(adopt.get().cid()));
        } else if (mood.rkey().isEmpty() && !mood.deleted()) {
            expect = Expect.ABSENT; // a create: createIfAbsent reports a record that is there
        } else {
            expect = Expect.UNKNOWN;
        }
        for (int round = 0; ; round++) {
            if (!expect.known()) {
                Optional<RepoRecord> current = repo.getRecord(did, MoodRecords.COLLECTION, rkey);
                checkOurs(current, mood, did, rkey);
                expect = Expect.of(current);
            }
            try {
                if (record == null) {
                    if (expect.cid().isPresent()) {
                        repo.deleteRecord(did, MoodRecords.COLLECTION, rkey, SwapRecord.cid(expect.cid().get()));
                    }
                    return new Written(deletedLink, Optional.empty());
                }
                if (expect.cid().isEmpty()) {
                    CreateResult created = repo.createIfAbsent(did, MoodRecords.COLLECTION, rkey, record);
                    if (!created.created()) {
                        throw new SwapConflictException(400, "a record exists at " + rkey + " (createIfAbsent)");
                    }
                } else {
                    repo.putRecord(did, MoodRecords.COLLECTION, rkey, record, SwapRecord.cid(expect.cid().get()));
                }
                return new Written(Optional.of(rkey), Optional.of(intended));
            } catch (SwapConflictException conflict) {
                Optional<RepoRecord> current = repo.getRecord(did, MoodRecords.COLLECTION, rkey);
                if (record == null ? current.isEmpty() : current.map(r -> r.cid().equals(intended)).orElse(false)) {
                    // What we meant is there already: an earlier attempt whose answer was lost, or a writer of
                    // the same state.
                    return new Written(record == null ? deletedLink : Optional.of(rkey),
                            record == null ? Optional.empty() : Optional.of(intended));
                }
                if (record != null && mood.rkey().isEmpty() && !adopted && current.isPresent()
                        && !refersTo(current.get(), mood.id())) {
                    // rkeyFor(id) holds another mood's record: take the mood's deterministic fallback key.
                    Optional<RecordKey> key = writeAtFallbackKey(mood, did, record, rkey);
                    return new Written(key, key.map(k -> intended));
                }
                checkOurs(current, mood, did, rkey);
                if (round >= 1) {
                    throw conflict; // the record keeps moving: an attempt failed, retried with backoff
                }
                // The record moved since the store last recorded it: an older write of this mood landed late, or
                // an earlier attempt's answer was lost. Only the lease holder may write over it, with the current
                // state: renew the lease (judged by the store) and check the mood is still this marker.
                Instant now = clock.instant();
                Optional<Mood> held = store.tryLease(mood.id(), owner, now, now.plus(lease));
                if (held.isEmpty() || held.get().pending().map(p -> p.token() != mood.pending().get().token())
                        .orElse(true)) {
                    held.ifPresent(h -> safely(() -> store.reschedule(mood.id(), mood.pending().get().token(), owner,
                            0, now, "superseded", false)));
                    LOG.debug("mood {}: the record moved and this writer no longer holds the current marker", mood.id());
                    return null;
                }
                expect = Expect.of(current);
            }
        }
    }

    /** Throws when the record at the key names another mood: this mood's write never touches it. */
    private static void checkOurs(Optional<RepoRecord> current, Mood mood, Did did, RecordKey rkey) {
        if (current.isPresent() && !refersTo(current.get(), mood.id())) {
            Object ref = current.get().value().get("ref");
            Object legacy = current.get().value().get("mongoId");
            throw new RecordKeyTakenException("record key " + rkey + " of " + did + " holds a record that is not mood "
                    + mood.id() + "'s (ref " + (ref != null ? ref : legacy != null ? "mongoId " + legacy : "none")
                    + "); it is left untouched");
        }
    }

    /**
     * {@code rkeyFor(id)} holds another mood's record (never overwritten): the mood takes the first of its fallback
     * keys ({@link MoodRecords#fallbackKey}, a pure function of the id, as reconcile and repair use) that is free or
     * already holds this mood's record. Parks only when every one of them holds another record.
     */
    private Optional<RecordKey> writeAtFallbackKey(Mood mood, Did did, Map<String, Object> record, RecordKey taken) {
        for (int n = 1; n <= MoodRecords.FALLBACK_KEYS; n++) {
            RecordKey key = MoodRecords.fallbackKey(mood.id(), n);
            CreateResult created = repo.createIfAbsent(did, MoodRecords.COLLECTION, key, record);
            if (created.created()) {
                return Optional.of(key);
            }
            RepoRecord existing = created.existing().orElseThrow();
            if (refersTo(existing, mood.id())) {
                if (!existing.cid().equals(computer.aesthetic.moodsync.data.DagCbor.cidOf(record))) {
                    repo.putRecord(did, MoodRecords.COLLECTION, key, record, SwapRecord.cid(existing.cid()));
                }
                return Optional.of(key);
            }
        }
        throw new RecordKeyTakenException("record key " + taken + " of " + did + " and all "
                + MoodRecords.FALLBACK_KEYS + " fallback keys hold records that are not mood " + mood.id()
                + "'s; they are left untouched");
    }

    static boolean refersTo(RepoRecord record, MoodId id) {
        Object ref = record.value().get("ref");
        Object legacy = record.value().get("mongoId");
        return id.toString().equals(ref) || ref == null && id.toString().equals(legacy);
    }

    /** Writes a batch of fresh creates with applyWrites; returns the moods that must be written one by one. */
    List<Mood> writeBatch(List<Mood> claimed, Account account, String owner) {
        List<RepoWrite> writes = new ArrayList<>(claimed.size());
        List<Mood> fresh = new ArrayList<>(claimed.size());
        for (Mood m : claimed) {
            try {
                writes.add(new RepoWrite.Create(MoodRecords.COLLECTION, MoodRecords.rkeyFor(m.id()),
                        MoodRecords.toRecord(m)));
                fresh.add(m);
            } catch (InvalidRecordException e) {
                parkInvalid(m, m.pending().orElseThrow(), owner, e); // a poison mood never sinks the batch
            }
        }
        if (fresh.isEmpty()) {
            return List.of();
        }
        long t0 = System.nanoTime();
        Optional<ReentrantLock> held = repoLocks.tryLock(account.did(), lockWait);
        if (held.isEmpty()) {
            for (Mood m : fresh) {
                lockBusy(m, m.pending().orElseThrow(), owner);
            }
            return List.of();
        }
        ReentrantLock lock = held.get();
        try {
            repo.applyWrites(account.did(), writes);
        } catch (PdsException e) {
            if (e.httpStatus() != 500) {
                for (Mood m : fresh) {
                    failed(m, m.pending().orElseThrow(), owner, e);
                }
                return List.of();
            }
            // The reference PDS answers a create of an existing record with a plain 500: typically a crash after an
            // earlier batch landed. Fall back to idempotent single writes, which adopt existing records. Other
            // failures (outage, 502-504, 429, 4xx) reschedule the whole batch.
            LOG.debug("applyWrites of {} creates failed ({}); writing them one by one", fresh.size(), e.label());
            return fresh;
        } finally {
            lock.unlock();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        // One store round trip for the batch where the store allows; if it fails, mood by mood, so one mood's
        // failure is contained to that mood.
        List<Completion> completions = new ArrayList<>(fresh.size());
        for (Mood m : fresh) {
            completions.add(new Completion(m.id(), m.pending().orElseThrow().token(),
                    Optional.of(MoodRecords.rkeyFor(m.id())), Optional.of(MoodRecords.cidOf(m))));
        }
        Completion.Results done = null;
        try {
            done = store.completeSyncAll(completions, owner, clock.instant());
        } catch (RuntimeException e) {
            LOG.debug("completing a batch of {} failed, completing mood by mood: {}", fresh.size(), e.toString());
        }
        if (done != null) {
            for (Mood m : fresh) {
                RuntimeException failure = done.failed().get(m.id());
                if (failure != null) {
                    contained(m, m.pending().orElseThrow(), owner, failure);
                } else if (done.done().contains(m.id())) {
                    recordSynced(m, SyncOp.CREATE, false, elapsed);
                }
            }
            return List.of();
        }
        for (Mood m : fresh) {
            PendingSync marker = m.pending().orElseThrow();
            try {
                // A superseded create (the mood changed or was deleted while the batch was in flight) gets a marker
                // back, so the current state is written over what the batch created.
                if (store.completeSync(m.id(), marker.token(), owner, Optional.of(MoodRecords.rkeyFor(m.id())),
                        Optional.of(MoodRecords.cidOf(m)), clock.instant())) {
                    recordSynced(m, SyncOp.CREATE, false, elapsed);
                }
            } catch (RuntimeException e) {
                contained(m, marker, owner, e);
            }
        }
        return List.of();
    }

    private void countFailure(String label) {
        failuresByError.computeIfAbsent(label, k -> new LongAdder()).increment();
    }

    SyncResult failed(Mood mood, PendingSync marker, String owner, PdsException e) {
        Optional<String> inactive = inactiveStatus(e);
        if (inactive.isPresent()) {
            Instant now = clock.instant();
            boolean holds;
            try {
                store.holdAccount(mood.user(), inactive.get(), now);
                holds = true;
            } catch (UnsupportedOperationException unsupported) {
                holds = false; // no durable hold: the write fails and backs off like any other
            }
            if (holds) {
                LOG.info("the PDS refused a write of {}: account {}; its writes are held", mood.user(),
                        inactive.get());
                countFailure(e.label());
                holdBack(mood, marker, owner, new AccountHold(inactive.get(), now));
                return SyncResult.pending(mood.id(), PendingReason.ACCOUNT_INACTIVE, holdMessage(inactive.get()));
            }
        }
        int attempts = marker.attempts() + 1;
        boolean outage = isOutage(e) || e instanceof RateLimitedException;
        boolean park = !outage && attempts >= maxAttempts;
        Instant now = clock.instant();
        Instant next = now.plus(backoff(attempts));
        if (e.retryAt().isPresent() && e.retryAt().get().isAfter(next)) {
            next = e.retryAt().get();
        }
        String error = e.getClass().getSimpleName() + ": " + e.getMessage();
        attemptsFailed.increment();
        countFailure(e.label());
        store.reschedule(mood.id(), marker.token(), owner, attempts, next, error, park);
        PendingReason reason = reasonFor(e);
        safely(() -> listener.pending(mood, marker.op(), reason, e));
        if (park) {
            safely(() -> listener.parked(mood, marker.op(), error));
        }
        return SyncResult.pending(mood.id(), reason, e.getMessage());
    }

    private SyncResult park(Mood mood, PendingSync marker, String owner, String error) {
        attemptsFailed.increment();
        countFailure("RecordKeyTaken");
        store.reschedule(mood.id(), marker.token(), owner, marker.attempts() + 1, clock.instant(), error, true);
        LOG.warn("mood {} parked: {}", mood.id(), error);
        safely(() -> listener.parked(mood, marker.op(), error));
        return SyncResult.pending(mood.id(), PendingReason.PDS_ERROR, error);
    }

    private Duration backoff(int attempts) {
        long base = backoffBase.toMillis();
        long max = backoffMax.toMillis();
        long exp = attempts >= 40 ? max : Math.min(max, base << Math.min(attempts - 1, 30));
        long jittered = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        return Duration.ofMillis(Math.max(1, jittered));
    }

    /**
     * An outage: no answer, an open circuit, or an answer saying the PDS cannot serve now (502 Bad Gateway, 503
     * Service Unavailable, 504 Gateway Timeout). A 500 is the PDS's own error, not an outage.
     */
    static boolean isOutage(PdsException e) {
        int status = e.httpStatus();
        return e instanceof PdsUnavailableException || status == 502 || status == 503 || status == 504;
    }

    static PendingReason reasonFor(PdsException e) {
        if (isOutage(e)) {
            return PendingReason.PDS_UNAVAILABLE;
        }
        if (e instanceof RateLimitedException) {
            return PendingReason.RATE_LIMITED;
        }
        if (e instanceof PdsAuthenticationException) {
            return PendingReason.SESSION_REFUSED;
        }
        return PendingReason.PDS_ERROR;
    }

    void safely(Runnable listenerCall) {
        try {
            listenerCall.run();
        } catch (RuntimeException e) {
            LOG.warn("a SyncListener threw; ignored", e);
        }
    }

    /** The record key a new mood needs holds another mood's record: never overwritten, the mood is parked. */
    static final class RecordKeyTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RecordKeyTakenException(String message) {
            super(message, null, false, false);
        }
    }
}
