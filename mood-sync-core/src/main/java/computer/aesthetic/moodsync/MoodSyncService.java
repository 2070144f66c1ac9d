package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.reconcile.AccountDeleter;
import computer.aesthetic.moodsync.reconcile.ErasureReceipt;
import computer.aesthetic.moodsync.reconcile.MigrationListener;
import computer.aesthetic.moodsync.reconcile.MigrationReport;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.reconcile.RepairListener;
import computer.aesthetic.moodsync.reconcile.RepairPlan;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.RepairResult;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * Keeps moods in the store and their records on the PDS in step: the facade of mood-sync.
 *
 * <p>Every change is written to the {@link MoodStore} first, with a durable pending marker, then to the PDS. A PDS
 * failure never loses or blocks a change: the call returns {@link SyncResult.Outcome#PENDING} and the service's
 * {@link SyncWorker} retries with backoff until the PDS has it. Record keys are a pure function of the mood id
 * ({@link computer.aesthetic.moodsync.record.MoodRecords#rkeyFor}), so no retry, restart or second worker can create
 * a second record for one mood. Store failures are thrown ({@link StoreException}); PDS failures never are.
 *
 * <p>Build with {@link #builder()}. Implementations are thread-safe. Close the service to stop its worker.
 */
public interface MoodSyncService extends AutoCloseable {

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Posts a mood: validates the text, stores the mood with its pending marker in one write, then (in
     * {@link SyncMode#INLINE} mode) writes its record within the inline time budget.
     *
     * @param user the author
     * @param text the text: not blank, at most 5000 UTF-8 bytes, no lone surrogates or NUL
     * @return what happened on the PDS side; the mood's id is {@link SyncResult#moodId()}
     * @throws InvalidRecordException if the text is unfit (nothing is written)
     * @throws StoreException if the store failed (nothing was written to the PDS)
     * @throws UserErasedException if the user is erased or being erased (nothing is kept)
     */
    SyncResult post(UserId user, String text);

    /**
     * Posts a mood under an id the caller chose, idempotently: a caller that lost the answer (a timeout, a crash, a
     * dropped connection) retries with the same id and text and never creates a second mood or record. The first
     * call behaves as {@link #post(UserId, String)}. A later call with the same user and text stores nothing and
     * returns the existing mood's result: {@code SYNCED} when its record is written (or it was deleted since and
     * that is written), {@code NO_ACCOUNT} when it was stored without an account, else {@code PENDING}; in
     * {@link SyncMode#INLINE} mode a pending mood whose lease is free is written now, as the first call would have.
     * Racing calls with one id are safe: the store lets exactly one insert in.
     *
     * @param user the author
     * @param id the mood's id, chosen by the caller (for example {@link MoodId#generate()} made once per post and
     *     kept for its retries)
     * @param text the text: not blank, at most 5000 UTF-8 bytes, no lone surrogates or NUL
     * @return what happened on the PDS side
     * @throws MoodIdConflictException if a mood with this id exists with another user or another text (nothing is
     *     written)
     * @throws InvalidRecordException if the text is unfit (nothing is written)
     * @throws StoreException if the store failed (nothing was written to the PDS)
     * @throws UserErasedException if the user is erased or being erased (nothing is kept)
     */
    SyncResult post(UserId user, MoodId id, String text);

    /**
     * Soft-deletes a mood ({@code deleted: true}, as the origin system does), then deletes its record.
     * Deleting a deleted mood again is harmless.
     *
     * @param id the mood
     * @return what happened on the PDS side
     * @throws NoSuchMoodException if there is no such mood
     * @throws StoreException if the store failed
     * @throws UserErasedException if the mood's user is erased or being erased
     */
    SyncResult delete(MoodId id);

    /**
     * Undoes a soft delete, then puts the record back at the same record key.
     *
     * @param id the mood
     * @return what happened on the PDS side
     * @throws NoSuchMoodException if there is no such mood
     * @throws StoreException if the store failed
     * @throws UserErasedException if the mood's user is erased or being erased
     */
    SyncResult undelete(MoodId id);

    /**
     * Replaces a mood's text, then puts the record with the new text at the same record key.
     *
     * @param id the mood
     * @param text the new text, with the same rules as {@link #post}
     * @return what happened on the PDS side
     * @throws InvalidRecordException if the text is unfit (nothing is written)
     * @throws NoSuchMoodException if there is no such mood
     * @throws StoreException if the store failed
     * @throws UserErasedException if the mood's user is erased or being erased
     */
    SyncResult edit(MoodId id, String text);

    /**
     * Finds a mood in the store.
     *
     * @param id the mood
     * @return the mood, or empty
     */
    Optional<Mood> find(MoodId id);

    /**
     * Lists the moods whose writes were parked after too many attempts.
     *
     * @param user only this user's, or empty for all
     * @return the parked moods, oldest due first
     */
    List<Mood> failed(Optional<UserId> user);

    /**
     * Puts a parked mood's write back in the queue, with its attempts reset.
     *
     * @param id the mood
     * @return true when the mood was parked and is now queued again
     * @throws NoSuchMoodException if there is no such mood
     */
    boolean retry(MoodId id);

    /**
     * Runs the worker on the calling thread until the work that was due when the call started is done (useful in
     * scripts and tests, and to drain before shutdown). Work that fails is rescheduled and left for a later call.
     *
     * @return how many moods were processed
     */
    int syncNow();

    /**
     * Returns the service's worker (started by {@link Builder#build()} unless disabled).
     *
     * @return the worker
     */
    SyncWorker worker();

    /**
     * Starts building a {@link computer.aesthetic.moodsync.ingest.Follower} of one PDS's event stream on this
     * service's store, PDS client, accounts and clock, with this instance's id as the lease owner. Set its
     * {@code state}, {@code source} and {@code authenticator} (and a policy or listener), build it, then
     * {@code start()} it; {@code close()} it before closing the service.
     *
     * @return a builder with this service's parts filled in
     */
    computer.aesthetic.moodsync.ingest.Follower.Builder follower();

    /**
     * Ends an account hold ({@link PendingReason#ACCOUNT_INACTIVE}): the operator's call once the account is active
     * on its PDS again (a follower does the same on {@code #account active=true}). Removes the hold and makes the
     * user's held writes due now (their attempts untouched; parked ones stay parked), then wakes the worker.
     *
     * @param user the user
     * @return how many held writes were made due
     */
    int resumeAccount(UserId user);

    /**
     * Holds a user's PDS writes because the account is not active on its PDS: the operator's call (a follower
     * does it on {@code #account}, and the service when the PDS refuses a write with an inactive account's error).
     *
     * @param user the user
     * @param status the account's status ({@code takendown}, {@code deactivated}, ...)
     * @throws UnsupportedOperationException if the store cannot hold accounts
     */
    void holdAccount(UserId user, String status);

    /**
     * Returns a snapshot of sync statistics.
     *
     * @return the statistics
     */
    SyncStats stats();

    /**
     * Counts a user's moods by sync state, deleted ones counted correctly (never as synced).
     *
     * @param user the user
     * @return the counts
     */
    UserSyncStatus status(UserId user);

    /**
     * Compares a user's moods with the records of their {@code computer.aesthetic.mood} collection and names every
     * kind of drift. Reads both sides in full (every page, the store cursor); writes nothing.
     *
     * @param user the user
     * @return the report
     * @throws PdsException if the PDS cannot be listed
     * @throws StoreException if the store fails
     */
    ReconcileReport reconcile(UserId user);

    /**
     * Plans the repair of a report under a policy. Writes nothing: the plan is data to print and review
     * (dry-run is the default everywhere).
     *
     * @param report the report
     * @param policy what to do with orphans, content drift and invalid records, and the cap on deletes
     * @return the plan
     */
    RepairPlan plan(ReconcileReport report, RepairPolicy policy);

    /**
     * Applies a plan: PDS writes in {@code applyWrites} batches within the write budget, store links and imports,
     * one writer per repository. Idempotent: after an interruption, reconcile, plan and repair again.
     *
     * @param plan the plan
     * @return what was done and what is left
     */
    RepairResult repair(RepairPlan plan);

    /**
     * Brings back moods lost from the store from their records (original ids from {@code ref}/{@code mongoId};
     * never across users).
     *
     * @param user the user
     * @return what was done
     */
    RepairResult rebuildStoreFromRecords(UserId user);

    /**
     * Rewrites the user's records from the store: every live mood at its key, deleted moods removed.
     *
     * @param user the user
     * @return what was done
     */
    RepairResult rebuildRecordsFromStore(UserId user);

    /**
     * Forgets a user on both sides, for good: fences the user first (a tombstone in the store: later posts and
     * changes throw {@link UserErasedException}, pending work is cancelled), waits for writers still holding leases,
     * deletes every record of the collection (duplicates and orphans too, never a record naming another user's mood),
     * then the user's moods in the store, and verifies both sides are empty. The account is deleted only after a
     * verified erasure. See {@link computer.aesthetic.moodsync.reconcile.Repairer#erase}.
     *
     * @param user the user
     * @param deleteAccount also delete the PDS account (needs {@link Builder#accountDeleter})
     * @return the receipt, with the verification
     */
    ErasureReceipt erase(UserId user, boolean deleteAccount);

    /**
     * Migrates every user with moods (or the given users): per user reconcile, plan under {@code policy}, repair;
     * several users in parallel ({@link Builder#migrationConcurrency}). Resumable after any interruption, even
     * {@code kill -9}, by running it again: keys derive from mood ids and existing records are adopted, so no state
     * file is needed. Users without an ATProto account are listed, not failed.
     *
     * @param users the users, or empty for every user with moods
     * @param policy the repair policy (usually {@link RepairPolicy#DEFAULT})
     * @param listener progress (users, moods, points spent, ETA)
     * @return the report, one outcome per user
     */
    MigrationReport migrate(Optional<List<UserId>> users, RepairPolicy policy, MigrationListener listener);

    /**
     * Plans a migration without writing anything: what {@link #migrate} would do, per user.
     *
     * @param users the users, or empty for every user with moods
     * @param policy the repair policy
     * @return the report of plans
     */
    MigrationReport planMigration(Optional<List<UserId>> users, RepairPolicy policy);

    /** Stops the worker and the inline executor (if the service created it); waits briefly for writes in flight. */
    @Override
    void close();

    /**
     * Builds a {@link MoodSyncService}. Not thread-safe; the built service is.
     *
     * <table>
     *   <caption>Options and defaults</caption>
     *   <tr><th>option</th><th>default</th></tr>
     *   <tr><td>store, repo, accounts</td><td>required</td></tr>
     *   <tr><td>clock</td><td>{@link Clock#systemUTC()}</td></tr>
     *   <tr><td>listener</td><td>{@link SyncListener#NONE}</td></tr>
     *   <tr><td>mode</td><td>{@link SyncMode#INLINE}</td></tr>
     *   <tr><td>inlineTimeout</td><td>3 s</td></tr>
     *   <tr><td>lease</td><td>5 min (longer than one PDS call can take with its retries and waits; the worker
     *       renews it as it works through a batch)</td></tr>
     *   <tr><td>maxAttempts</td><td>12 (then the mood is parked as failed)</td></tr>
     *   <tr><td>backoff</td><td>1 s doubling up to 15 min, with jitter</td></tr>
     *   <tr><td>pollInterval</td><td>1 s</td></tr>
     *   <tr><td>batchSize</td><td>200 (moods claimed, and writes per applyWrites)</td></tr>
     *   <tr><td>workerThreads</td><td>1</td></tr>
     *   <tr><td>startWorker</td><td>true</td></tr>
     *   <tr><td>inlineExecutor</td><td>a daemon thread pool owned by the service</td></tr>
     *   <tr><td>whenTolerance</td><td>5 ms (reconcile: legacy {@code when} differences that are not drift)</td></tr>
     *   <tr><td>repairListener</td><td>{@link RepairListener#NONE}</td></tr>
     *   <tr><td>maxBudgetWait</td><td>0 (a repair stops when the write budget is spent, saying what is left)</td></tr>
     *   <tr><td>accountDeleter</td><td>none (erasure cannot delete the PDS account)</td></tr>
     *   <tr><td>migrationConcurrency</td><td>4 users at once</td></tr>
     *   <tr><td>accountCacheTtl</td><td>30 s (found accounts are remembered; {@link Duration#ZERO} turns it off)</td></tr>
     * </table>
     */
    final class Builder {
        MoodStore store;
        AtprotoRepo repo;
        AccountDirectory accounts;
        Clock clock = Clock.systemUTC();
        SyncListener listener = SyncListener.NONE;
        SyncMode mode = SyncMode.INLINE;
        Duration inlineTimeout = Duration.ofSeconds(3);
        Duration lease = Duration.ofMinutes(5);
        int maxAttempts = 12;
        Duration backoffBase = Duration.ofSeconds(1);
        Duration backoffMax = Duration.ofMinutes(15);
        Duration pollInterval = Duration.ofSeconds(1);
        int batchSize = 200;
        int workerThreads = 1;
        boolean startWorker = true;
        ExecutorService inlineExecutor;
        String instanceId;
        Duration whenTolerance = Duration.ofMillis(5);
        RepairListener repairListener = RepairListener.NONE;
        Duration maxBudgetWait = Duration.ZERO;
        AccountDeleter accountDeleter;
        int migrationConcurrency = 4;
        Duration accountCacheTtl = Duration.ofSeconds(30);

        Builder() {
        }

        /**
         * Sets the store of moods (required).
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(MoodStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Sets the PDS client (required).
         *
         * @param repo the repository client
         * @return this builder
         */
        public Builder repo(AtprotoRepo repo) {
            this.repo = Objects.requireNonNull(repo, "repo");
            return this;
        }

        /**
         * Sets the directory of accounts (required).
         *
         * @param accounts the directory
         * @return this builder
         */
        public Builder accounts(AccountDirectory accounts) {
            this.accounts = Objects.requireNonNull(accounts, "accounts");
            return this;
        }

        /**
         * Sets the clock for mood times, due times and leases.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the listener of sync events.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(SyncListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets when posts write to the PDS.
         *
         * @param mode inline (default) or queued
         * @return this builder
         */
        public Builder mode(SyncMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets how long an inline write may hold the caller before the call returns {@code PENDING(TIMEOUT)}.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder inlineTimeout(Duration timeout) {
            this.inlineTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets how long a writer holds a mood; a crashed writer's work is taken over after it.
         *
         * @param lease a positive duration, longer than the PDS client's total call time
         * @return this builder
         */
        public Builder lease(Duration lease) {
            this.lease = Objects.requireNonNull(lease, "lease");
            return this;
        }

        /**
         * Sets after how many failed attempts a write is parked as failed (outages and rate limits do not park).
         *
         * @param maxAttempts at least 1
         * @return this builder
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the retry backoff: {@code base * 2^(attempts-1)}, capped at {@code max}, with jitter.
         *
         * @param base the first delay, positive
         * @param max the longest delay, at least {@code base}
         * @return this builder
         */
        public Builder backoff(Duration base, Duration max) {
            this.backoffBase = Objects.requireNonNull(base, "base");
            this.backoffMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * Sets how often an idle worker looks for due work (it is also woken by new work of this instance).
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Sets how many moods a worker claims at once, which is also the most writes per {@code applyWrites}.
         *
         * @param batchSize 1 to 200
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets how many worker threads run (they work on different users in parallel).
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder workerThreads(int threads) {
            this.workerThreads = threads;
            return this;
        }

        /**
         * Sets whether {@link #build()} starts the worker (tests and scripts may drive it with
         * {@link MoodSyncService#syncNow()} instead).
         *
         * @param start true to start it
         * @return this builder
         */
        public Builder startWorker(boolean start) {
            this.startWorker = start;
            return this;
        }

        /**
         * Sets the executor that runs inline writes (the host's); by default the service owns a daemon pool.
         *
         * @param executor the executor; the service does not shut it down
         * @return this builder
         */
        public Builder inlineExecutor(ExecutorService executor) {
            this.inlineExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Names this instance in leases (default: random). Must differ between app instances.
         *
         * @param id a non-blank id
         * @return this builder
         */
        public Builder instanceId(String id) {
            this.instanceId = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * Sets how far a record's {@code when} may differ from the store's before reconcile calls it drift.
         *
         * @param tolerance zero or more
         * @return this builder
         */
        public Builder whenTolerance(Duration tolerance) {
            this.whenTolerance = Objects.requireNonNull(tolerance, "tolerance");
            return this;
        }

        /**
         * Sets the listener of repair progress.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder repairListener(RepairListener listener) {
            this.repairListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets how long a repair may wait in all for the write budget to reset before it stops.
         *
         * @param maxWait zero or more
         * @return this builder
         */
        public Builder maxBudgetWait(Duration maxWait) {
            this.maxBudgetWait = Objects.requireNonNull(maxWait, "maxWait");
            return this;
        }

        /**
         * Sets what deletes a PDS account on erasure (the PDS client's admin API, such as {@code PdsAdmin}).
         *
         * @param deleter the deleter
         * @return this builder
         */
        public Builder accountDeleter(AccountDeleter deleter) {
            this.accountDeleter = Objects.requireNonNull(deleter, "deleter");
            return this;
        }

        /**
         * Sets how many users a migration works on at once.
         *
         * @param users 1 to 64
         * @return this builder
         */
        public Builder migrationConcurrency(int users) {
            this.migrationConcurrency = users;
            return this;
        }

        /**
         * Sets how long accounts found in the directory are remembered (a post then costs no look-up). A changed
         * password is seen after at most this long.
         *
         * @param ttl zero (no cache) or more
         * @return this builder
         */
        public Builder accountCacheTtl(Duration ttl) {
            this.accountCacheTtl = Objects.requireNonNull(ttl, "ttl");
            return this;
        }

        /**
         * Validates the options and builds the service (starting its worker unless disabled).
         *
         * @return the service
         * @throws IllegalArgumentException naming the first bad option
         */
        public MoodSyncService build() {
            require(store != null, "store is required");
            require(repo != null, "repo is required");
            require(accounts != null, "accounts is required");
            require(positive(inlineTimeout), "inlineTimeout must be positive, found " + inlineTimeout);
            require(positive(lease), "lease must be positive, found " + lease);
            require(lease.compareTo(inlineTimeout) > 0, "lease must be longer than inlineTimeout");
            require(maxAttempts >= 1, "maxAttempts must be >= 1, found " + maxAttempts);
            require(positive(backoffBase), "backoff base must be positive, found " + backoffBase);
            require(backoffMax.compareTo(backoffBase) >= 0, "backoff max must be >= base");
            require(positive(pollInterval), "pollInterval must be positive, found " + pollInterval);
            require(batchSize >= 1 && batchSize <= AtprotoRepo.MAX_WRITES,
                    "batchSize must be 1..200, found " + batchSize);
            require(workerThreads >= 1, "workerThreads must be >= 1, found " + workerThreads);
            require(instanceId == null || !instanceId.isBlank(), "instanceId must not be blank");
            require(!whenTolerance.isNegative(), "whenTolerance must be >= 0, found " + whenTolerance);
            require(!maxBudgetWait.isNegative(), "maxBudgetWait must be >= 0, found " + maxBudgetWait);
            require(!accountCacheTtl.isNegative(), "accountCacheTtl must be >= 0, found " + accountCacheTtl);
            require(migrationConcurrency >= 1 && migrationConcurrency <= 64,
                    "migrationConcurrency must be 1..64, found " + migrationConcurrency);
            return new DefaultMoodSyncService(this);
        }

        private static boolean positive(Duration d) {
            return !d.isNegative() && !d.isZero();
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
