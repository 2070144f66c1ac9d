package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.data.DataModel;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.AtUri;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * An {@link AtprotoRepo} in memory that behaves like the reference PDS ({@code @atproto/pds} 0.4), for hosts'
 * tests. It passes {@code AtprotoRepoContract} like the XRPC client does, and adds fault injection, call counting,
 * an optional write budget and direct access to the stored records.
 *
 * <h2>Fidelity</h2>
 * <ul>
 *   <li>Every DID has a repository (no accounts to create). Records are kept per DID and collection, sorted by
 *       record key (byte order, as the PDS's {@code rkey} index).</li>
 *   <li>CIDs are real: {@link DagCbor#cidOf} of the stored value, the CID the PDS reports for the same content.</li>
 *   <li>A value's {@code $type} must equal the collection, else {@link PdsException} 400 {@code InvalidRequest}.
 *       A value outside the data model (a float, say) is an {@link IllegalArgumentException}.</li>
 *   <li>{@link #putRecord}: identical content is a no-op ({@code changed == false}, same CID) and, as on the PDS,
 *       is checked before the swap, so an identical put succeeds whatever its swap. Otherwise a swap that does not
 *       hold is {@link SwapConflictException} 400 {@code InvalidSwap}.</li>
 *   <li>{@link #deleteRecord} of a missing record succeeds whatever its swap (the PDS returns before checking it);
 *       an existing record must match a {@link SwapRecord.Kind#CID} swap, and an
 *       {@link SwapRecord.Kind#ABSENT} swap on an existing record is a conflict.</li>
 *   <li>{@link #listRecords}: newest record key first by default, oldest first with {@code reverse}; the cursor is
 *       the last record key of the page, present whenever the page is not empty (so a listing ends with an empty
 *       page, as on the PDS). Treat it as opaque. The limit is clamped into 1..100 here, as the XRPC client does;
 *       the PDS itself answers 500 for 0 or 101.</li>
 *   <li>{@link #applyWrites}: one call per {@link #MAX_WRITES} writes (the PDS refuses 201 with 400
 *       {@code InvalidRequest} "Too many writes", so longer lists are split, each call all or nothing). A create
 *       of an existing record key, or an update or delete of a missing one, fails the call with
 *       {@link PdsException} 500 {@code InternalServerError} (retryable, as a client classifies any 500) and
 *       applies none of its writes. Writes of one call apply in order, so a create then an update of the same key
 *       works.</li>
 *   <li>{@link #createIfAbsent} is what the client does with {@code putRecord} and {@code swapRecord: null},
 *       done atomically: counted as one {@code putRecord} call and charged 2 points.</li>
 *   <li>Write budget (off unless {@link Builder#writeBudget} is set): per DID, a window of one hour starting with
 *       its first charged write; create 3, update or put 2, delete 1 point, applyWrites the sum of its writes.
 *       Points are charged when a write call arrives, before it is validated, as on the PDS; a call over the budget
 *       is {@link RateLimitedException} 429 with {@code retryAt} at the window's end and is not charged. Only the
 *       hourly bucket is modelled.</li>
 * </ul>
 *
 * <h2>For tests</h2>
 * Faults are queued and consumed in order by the next calls of any XRPC method: {@link #failNext},
 * {@link #failNextWith}, {@link #rateLimitNext}; {@link #down} makes every call fail and {@link #latency} slows
 * every call. Ambiguous failures, as the real network produces them: {@link #loseAnswerNext} applies a write and
 * then fails the call (the PDS committed, the answer was lost: an outage or timeout after the effect), and
 * {@link #stallNext} holds the next calls of a method before they take effect until the test releases them (a slow
 * PDS, a long GC or a frozen VM in the middle of a call). Several service instances may share one fake while each
 * uses its own (skewed) {@link TestClock}; the fake's own clock only drives its budget and retry times. {@link #calls} counts calls by XRPC method name (failed ones included). {@link #records},
 * {@link #seed}, {@link #seedRaw} and {@link #unseed} read and write the stored records directly, bypassing
 * faults, counters and the budget.
 *
 * <p>Thread-safe: data, budget and fault queue are guarded by one lock; latency is spent outside it, so slow calls
 * overlap. Records handed out are deep unmodifiable copies ({@link DataModel#copyRecord}).
 */
public final class InMemoryAtprotoRepo implements AtprotoRepo {
    /** XRPC method name of {@link #putRecord} and {@link #createIfAbsent}. */
    public static final String PUT_RECORD = "com.atproto.repo.putRecord";
    /** XRPC method name of {@link #deleteRecord}. */
    public static final String DELETE_RECORD = "com.atproto.repo.deleteRecord";
    /** XRPC method name of {@link #getRecord}. */
    public static final String GET_RECORD = "com.atproto.repo.getRecord";
    /** XRPC method name of {@link #listRecords} (and so of each page of {@link #listAll}). */
    public static final String LIST_RECORDS = "com.atproto.repo.listRecords";
    /** XRPC method name of {@link #applyWrites}; counted once per call of at most {@link #MAX_WRITES} writes. */
    public static final String APPLY_WRITES = "com.atproto.repo.applyWrites";

    private static final Duration WINDOW = Duration.ofHours(1);

    /**
     * A stored record, built once when written: its value is a deep unmodifiable copy, so the record can be handed
     * out as it is unless the value holds {@code byte[]} (mutable), which is copied for every reader.
     */
    private record Stored(RepoRecord record, boolean hasBytes) {
        static Stored of(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> copy, Cid cid) {
            return new Stored(new RepoRecord(AtUri.of(repo, collection, rkey), cid, copy), containsBytes(copy));
        }

        Cid cid() {
            return record.cid();
        }

        RepoRecord read() {
            return hasBytes ? new RepoRecord(record.uri(), record.cid(), DataModel.copyRecord(record.value())) : record;
        }

        private static boolean containsBytes(Object v) {
            if (v instanceof byte[]) {
                return true;
            }
            if (v instanceof Map<?, ?> m) {
                return m.values().stream().anyMatch(Stored::containsBytes);
            }
            if (v instanceof List<?> l) {
                return l.stream().anyMatch(Stored::containsBytes);
            }
            return false;
        }
    }

    /** One DID's hourly budget window; guarded by the repo's lock. */
    private static final class Budget {
        private Instant windowStart;
        private int used;
    }

    /** A queued fault: how many more calls it fails, and how. Guarded by the repo's lock. */
    private static final class Fault {
        private int remaining;
        private final Supplier<? extends PdsException> failure;

        private Fault(int remaining, Supplier<? extends PdsException> failure) {
            this.remaining = remaining;
            this.failure = failure;
        }
    }

    private final Clock clock;
    private final int pointsPerHour;
    private final Object lock = new Object();
    /** Records by DID, collection and record key; guarded by {@link #lock}. */
    private final Map<Did, Map<Nsid, TreeMap<String, Stored>>> repos = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private final Map<Did, Budget> budgets = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private final Deque<Fault> faults = new ArrayDeque<>();
    /** Lost-answer faults by XRPC method, applied after a write took effect; guarded by {@link #lock}. */
    private final Map<String, Deque<Fault>> lostAnswers = new HashMap<>();
    /** Armed stalls, consumed by the next calls of their method; guarded by {@link #lock}. */
    private final List<Stall> stalls = new ArrayList<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean down;
    private volatile Instant circuitOpenUntil;
    /** Accounts not active, by DID, with their status; guarded by {@link #lock}. */
    private final Map<Did, String> inactive = new HashMap<>();
    /** Notified of every applied write when attached; see {@link #attachFirehose}. */
    private volatile InMemoryFirehose firehose;

    private InMemoryAtprotoRepo(Builder b) {
        this.clock = b.clock;
        this.pointsPerHour = b.pointsPerHour;
    }

    /**
     * Creates an empty repository host on the system clock, without a write budget.
     *
     * @return the fake
     */
    public static InMemoryAtprotoRepo create() {
        return builder().build();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds an {@link InMemoryAtprotoRepo}. Not thread-safe; the fake it builds is.
     */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private int pointsPerHour;

        private Builder() {
        }

        /**
         * Sets the clock for the write budget's windows and for {@link #rateLimitNext}'s retry times. Default: the
         * system UTC clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Turns on the per-DID write budget, as the reference PDS enforces it with rate limits on (5000 points an
         * hour there). Default: no budget.
         *
         * @param pointsPerHour the points each DID may spend per hour, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code pointsPerHour} is less than 1
         */
        public Builder writeBudget(int pointsPerHour) {
            if (pointsPerHour < 1) {
                throw new IllegalArgumentException("writeBudget must be >= 1 point an hour, found " + pointsPerHour);
            }
            this.pointsPerHour = pointsPerHour;
            return this;
        }

        /**
         * Builds the fake, empty.
         *
         * @return the fake
         */
        public InMemoryAtprotoRepo build() {
            return new InMemoryAtprotoRepo(this);
        }
    }

    // ---- fault injection and counters ----------------------------------------------------------------------------

    /**
     * Makes the next {@code n} calls fail as if the PDS answered {@code httpStatus} with XRPC error
     * {@code errorName}. The exception is retryable iff the status is 5xx but 501, or 429. Status 0 is a
     * {@link PdsUnavailableException} (no answer); 429 a {@link RateLimitedException} without retry time; 401 and
     * 403 a {@link PdsAuthenticationException}; error name {@code InvalidSwap} a {@link SwapConflictException};
     * anything else a plain {@link PdsException}.
     *
     * @param n how many calls fail, at least 0
     * @param httpStatus the HTTP status, 0 or 100..599
     * @param errorName the XRPC error name, or null for an answer without one
     * @throws IllegalArgumentException if {@code n} is negative or the status out of range
     */
    public void failNext(int n, int httpStatus, String errorName) {
        if (httpStatus != 0 && (httpStatus < 100 || httpStatus > 599)) {
            throw new IllegalArgumentException("httpStatus must be 0 or 100..599, found " + httpStatus);
        }
        failNextWith(n, () -> injected(httpStatus, errorName));
    }

    /**
     * Makes the next {@code n} calls throw what {@code failure} supplies (called once per failing call).
     *
     * @param n how many calls fail, at least 0
     * @param failure makes the exception to throw
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void failNextWith(int n, Supplier<? extends PdsException> failure) {
        Objects.requireNonNull(failure, "failure");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, found " + n);
        }
        if (n == 0) {
            return;
        }
        synchronized (lock) {
            faults.addLast(new Fault(n, failure));
        }
    }

    /**
     * Makes the next {@code n} calls fail with HTTP 429 {@code RateLimitExceeded}, retryable after
     * {@code retryAfter} (as a {@code Retry-After} header says), counted from the clock when each call fails.
     *
     * @param n how many calls fail, at least 0
     * @param retryAfter how long until a retry makes sense, not negative
     * @throws IllegalArgumentException if {@code n} or {@code retryAfter} is negative
     */
    public void rateLimitNext(int n, Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, found " + retryAfter);
        }
        failNextWith(n, () -> new RateLimitedException(429, "Rate Limit Exceeded (injected); retry after "
                + retryAfter.toSeconds() + " s", clock.instant().plus(retryAfter)));
    }

    /**
     * Makes the next {@code n} calls of {@code method} take effect and then fail with what {@code failure}
     * supplies, as when the PDS committed a write but its answer was lost (the connection dropped or the client
     * timed out after the effect). Only write methods take effect: {@value #PUT_RECORD} (and so
     * {@link #createIfAbsent}), {@value #DELETE_RECORD} and {@value #APPLY_WRITES} (per call of at most
     * {@link #MAX_WRITES} writes). A call that fails before its effect (a queued fault, a swap conflict, the
     * budget) does not consume a lost answer. Adds to lost answers already scheduled for the method.
     *
     * @param n how many calls lose their answer, at least 0
     * @param method the XRPC method name of a write, such as {@value #PUT_RECORD}
     * @param failure makes the exception to throw after the effect (called once per call)
     * @throws IllegalArgumentException if {@code n} is negative or {@code method} is not a write method
     */
    public void loseAnswerNext(int n, String method, Supplier<? extends PdsException> failure) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(failure, "failure");
        if (!PUT_RECORD.equals(method) && !DELETE_RECORD.equals(method) && !APPLY_WRITES.equals(method)) {
            throw new IllegalArgumentException("expected a write method (" + PUT_RECORD + ", " + DELETE_RECORD
                    + ", " + APPLY_WRITES + "), found " + method);
        }
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, found " + n);
        }
        if (n == 0) {
            return;
        }
        synchronized (lock) {
            lostAnswers.computeIfAbsent(method, k -> new ArrayDeque<>()).addLast(new Fault(n, failure));
        }
    }

    /**
     * Makes the next {@code n} calls of {@code method} take effect and then fail with a
     * {@link PdsUnavailableException} ("the answer was lost"), as a connection cut after the PDS committed.
     *
     * @param n how many calls lose their answer, at least 0
     * @param method the XRPC method name of a write
     * @throws IllegalArgumentException if {@code n} is negative or {@code method} is not a write method
     */
    public void loseAnswerNext(int n, String method) {
        loseAnswerNext(n, method, () -> new PdsUnavailableException("injected: " + method
                + " took effect but its answer was lost (connection reset)", null, null));
    }

    /**
     * Holds the next {@code n} calls of {@code method} before they take effect (after they are counted), until
     * the returned {@link Stall} is released: a write stalled so lands only when released, whatever happened in
     * between, as a request held up in a slow PDS, a GC pause or a frozen VM does. Stalls are spent outside the
     * fake's lock, so other calls go on meanwhile. Several stalls may be armed; a call is held by the first armed
     * stall of its method with calls left.
     *
     * @param n how many calls to hold, at least 1
     * @param method the XRPC method name, such as {@value #PUT_RECORD}
     * @return the stall, to wait for and release
     * @throws IllegalArgumentException if {@code n} is less than 1
     */
    public Stall stallNext(int n, String method) {
        Objects.requireNonNull(method, "method");
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, found " + n);
        }
        Stall stall = new Stall(method, n);
        synchronized (lock) {
            stalls.add(stall);
        }
        return stall;
    }

    /**
     * A gate armed by {@link #stallNext}: holds calls until {@link #release()}. Thread-safe.
     */
    public static final class Stall {
        private final String method;
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.Semaphore arrivals = new java.util.concurrent.Semaphore(0);
        /** Calls still to hold; guarded by the fake's lock. */
        private int remaining;
        private final AtomicLong held = new AtomicLong();

        private Stall(String method, int remaining) {
            this.method = method;
            this.remaining = remaining;
        }

        /**
         * Waits until {@code count} calls in all have arrived at this stall (they are then held, or passed through
         * if it was released meanwhile).
         *
         * @param count how many calls to wait for, at least 1
         * @param timeout how long to wait at most
         * @return true when they arrived in time
         * @throws InterruptedException if interrupted while waiting
         */
        public boolean awaitHeld(int count, Duration timeout) throws InterruptedException {
            if (!arrivals.tryAcquire(count, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return false;
            }
            arrivals.release(count); // keep the count for later callers
            return true;
        }

        /**
         * Returns how many calls arrived at this stall so far.
         *
         * @return the count
         */
        public long held() {
            return held.get();
        }

        /** Lets every held call, and every later one this stall would hold, go on (to take effect). */
        public void release() {
            released.countDown();
        }

        private void hold() {
            held.incrementAndGet();
            arrivals.release();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PdsUnavailableException("interrupted while stalled in " + method, null, e);
            }
        }

        @Override
        public String toString() {
            return "Stall[" + method + ", held=" + held.get() + (released.getCount() == 0 ? ", released" : "") + "]";
        }
    }

    /** Cancels every queued fault, lost answer and armed stall (not {@link #down} nor {@link #latency}); held calls
     * stay held until their stall is released. */
    public void clearFaults() {
        synchronized (lock) {
            faults.clear();
            lostAnswers.clear();
            stalls.clear();
        }
    }

    /**
     * Takes the PDS down or brings it back: while down, every call throws {@link PdsUnavailableException}.
     *
     * @param down true to fail every call
     */
    public void down(boolean down) {
        this.down = down;
    }

    /**
     * Acts like a client whose circuit breaker is open: until {@code until} (by the fake's clock),
     * {@link #unavailableUntil} reports it and every call fails fast with {@link PdsUnavailableException}.
     *
     * @param until when the circuit closes, or null to close it now
     */
    public void circuitOpenUntil(Instant until) {
        this.circuitOpenUntil = until;
    }

    @Override
    public Optional<Instant> unavailableUntil(Did repo) {
        Instant until = circuitOpenUntil;
        return until != null && clock.instant().isBefore(until) ? Optional.of(until) : Optional.empty();
    }

    /**
     * Makes every call take at least {@code latency} (spent before the call takes effect, outside any lock). An
     * interrupted wait is a {@link PdsUnavailableException}, with the thread's interrupt flag set again.
     *
     * @param latency the delay per call, {@link Duration#ZERO} for none
     * @throws IllegalArgumentException if {@code latency} is negative
     */
    public void latency(Duration latency) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, found " + latency);
        }
        this.latency = latency;
    }

    /**
     * Returns how many calls of an XRPC method were made since creation or {@link #resetCalls()}, failed ones
     * included.
     *
     * @param method the XRPC method name, such as {@value #PUT_RECORD}
     * @return the count, 0 for a method never called
     */
    public long calls(String method) {
        Objects.requireNonNull(method, "method");
        AtomicLong n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    /**
     * Returns how many calls were made in all since creation or {@link #resetCalls()}.
     *
     * @return the count
     */
    public long totalCalls() {
        return calls.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Sets every call count back to zero. */
    public void resetCalls() {
        calls.clear();
    }

    // ---- direct access -------------------------------------------------------------------------------------------

    /**
     * Returns a snapshot of a collection, oldest record key first. Not counted, never failed.
     *
     * @param repo the repository
     * @param collection the collection
     * @return the records, empty when there are none
     */
    public List<RepoRecord> records(Did repo, Nsid collection) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        synchronized (lock) {
            List<RepoRecord> out = new ArrayList<>();
            for (Map.Entry<String, Stored> e : peek(repo, collection).entrySet()) {
                out.add(e.getValue().read());
            }
            return List.copyOf(out);
        }
    }

    /**
     * Writes a record directly, replacing any (a fixture: records with a legacy {@code mongoId}, records of another
     * app...). The value's {@code $type} must equal the collection. Bypasses faults, counters and the budget.
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @param value the record value
     * @return the stored record
     * @throws IllegalArgumentException if the value is outside the data model or its {@code $type} is not the
     *     collection
     */
    public RepoRecord seed(Did repo, Nsid collection, RecordKey rkey, Map<String, ?> value) {
        Objects.requireNonNull(value, "value");
        Object type = value.get("$type");
        if (!collection.value().equals(type)) {
            throw new IllegalArgumentException("a seeded record's $type must be " + collection + ", found " + type
                    + "; use seedRaw for hostile records");
        }
        return seedRaw(repo, collection, rkey, value);
    }

    /**
     * Writes a record directly without checking its {@code $type} (a missing or wrong {@code $type}, fields of the
     * wrong type, unknown fields): for tests of how callers treat hostile records. The value must still be in the
     * data model, as anything a PDS returns is. Bypasses faults, counters and the budget.
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @param value the record value
     * @return the stored record
     * @throws IllegalArgumentException if the value is outside the data model
     */
    public RepoRecord seedRaw(Did repo, Nsid collection, RecordKey rkey, Map<String, ?> value) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Map<String, Object> copy = DataModel.copyRecord(value);
        Stored stored = Stored.of(repo, collection, rkey, copy, DagCbor.cidOf(copy));
        synchronized (lock) {
            collectionOf(repo, collection).put(rkey.value(), stored);
            emit(repo, collection, rkey.value(), copy);
            return stored.read();
        }
    }

    /**
     * Removes a record directly, as if deleted by another client. Bypasses faults, counters and the budget.
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @return true when a record was removed
     */
    public boolean unseed(Did repo, Nsid collection, RecordKey rkey) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        synchronized (lock) {
            boolean removed = collectionOf(repo, collection).remove(rkey.value()) != null;
            if (removed) {
                emit(repo, collection, rkey.value(), null);
            }
            return removed;
        }
    }

    // ---- AtprotoRepo ---------------------------------------------------------------------------------------------

    /** {@inheritDoc} See the class comment for how closely this follows the PDS. */
    @Override
    public WriteResult putRecord(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value,
            SwapRecord swap) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(swap, "swap");
        Map<String, Object> copy = DataModel.copyRecord(value);
        Cid cid = DagCbor.cidOf(copy);
        AtUri uri = AtUri.of(repo, collection, rkey);
        enter(PUT_RECORD);
        synchronized (lock) {
            takeFault();
            checkActive(repo);
            charge(repo, 2);
            checkType(collection, copy);
            TreeMap<String, Stored> records = collectionOf(repo, collection);
            Stored current = records.get(rkey.value());
            if (current != null && current.cid().equals(cid)) {
                afterEffect(PUT_RECORD);
                return new WriteResult(uri, Optional.of(cid), false);
            }
            checkSwap(swap, current, uri);
            records.put(rkey.value(), Stored.of(repo, collection, rkey, copy, cid));
            emit(repo, collection, rkey.value(), copy);
            afterEffect(PUT_RECORD);
            return new WriteResult(uri, Optional.of(cid), true);
        }
    }

    /** {@inheritDoc} Counted as one {@value #PUT_RECORD} call, charged 2 points. */
    @Override
    public CreateResult createIfAbsent(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Map<String, Object> copy = DataModel.copyRecord(value);
        Cid cid = DagCbor.cidOf(copy);
        AtUri uri = AtUri.of(repo, collection, rkey);
        enter(PUT_RECORD);
        synchronized (lock) {
            takeFault();
            checkActive(repo);
            charge(repo, 2);
            checkType(collection, copy);
            TreeMap<String, Stored> records = collectionOf(repo, collection);
            Stored current = records.get(rkey.value());
            if (current != null) {
                afterEffect(PUT_RECORD);
                return new CreateResult(new WriteResult(uri, Optional.of(current.cid()), false), false,
                        Optional.of(current.read()));
            }
            records.put(rkey.value(), Stored.of(repo, collection, rkey, copy, cid));
            emit(repo, collection, rkey.value(), copy);
            afterEffect(PUT_RECORD);
            return new CreateResult(new WriteResult(uri, Optional.of(cid), true), true, Optional.empty());
        }
    }

    /** {@inheritDoc} See the class comment for the swap of a missing record. */
    @Override
    public void deleteRecord(Did repo, Nsid collection, RecordKey rkey, SwapRecord swap) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(swap, "swap");
        enter(DELETE_RECORD);
        synchronized (lock) {
            takeFault();
            checkActive(repo);
            charge(repo, 1);
            TreeMap<String, Stored> records = collectionOf(repo, collection);
            Stored current = records.get(rkey.value());
            if (current == null) {
                afterEffect(DELETE_RECORD);
                return;
            }
            checkSwap(swap, current, AtUri.of(repo, collection, rkey));
            records.remove(rkey.value());
            emit(repo, collection, rkey.value(), null);
            afterEffect(DELETE_RECORD);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        enter(GET_RECORD);
        synchronized (lock) {
            takeFault();
            checkExists(repo);
            Stored current = peek(repo, collection).get(rkey.value());
            return current == null ? Optional.empty()
                    : Optional.of(current.read());
        }
    }

    /**
     * {@inheritDoc} The cursor is the last record key of the page (opaque to callers) and is present whenever the
     * page is not empty; any string is accepted as a cursor and compared with record keys, as the PDS does.
     */
    @Override
    public RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(cursor, "cursor");
        int n = Math.max(1, Math.min(MAX_PAGE, limit));
        enter(LIST_RECORDS);
        synchronized (lock) {
            takeFault();
            checkExists(repo);
            TreeMap<String, Stored> records = peek(repo, collection);
            NavigableMap<String, Stored> view;
            if (reverse) {
                view = cursor.isPresent() ? records.tailMap(cursor.get(), false) : records;
            } else {
                view = (cursor.isPresent() ? records.headMap(cursor.get(), false) : records).descendingMap();
            }
            List<RepoRecord> page = new ArrayList<>();
            String last = null;
            Iterator<Map.Entry<String, Stored>> it = view.entrySet().iterator();
            while (page.size() < n && it.hasNext()) {
                Map.Entry<String, Stored> e = it.next();
                page.add(e.getValue().read());
                last = e.getKey();
            }
            return new RecordPage(page, Optional.ofNullable(last));
        }
    }

    /**
     * {@inheritDoc} Writes beyond {@link #MAX_WRITES} are applied in further calls of at most {@link #MAX_WRITES}
     * writes each, in order; when one of them fails, the calls before it stay applied. An empty list makes no
     * call.
     */
    @Override
    public List<WriteResult> applyWrites(Did repo, List<RepoWrite> writes) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(writes, "writes");
        List<RepoWrite> all = List.copyOf(writes);
        List<WriteResult> results = new ArrayList<>(all.size());
        for (int from = 0; from < all.size(); from += MAX_WRITES) {
            results.addAll(applyBatch(repo, all.subList(from, Math.min(all.size(), from + MAX_WRITES))));
        }
        return List.copyOf(results);
    }

    /** {@inheritDoc} Empty unless a budget was configured with {@link Builder#writeBudget}. */
    @Override
    public Optional<WriteBudget> writeBudget(Did repo) {
        Objects.requireNonNull(repo, "repo");
        if (pointsPerHour == 0) {
            return Optional.empty();
        }
        synchronized (lock) {
            Budget b = currentBudget(repo);
            Instant resetAt = b.windowStart == null ? clock.instant().plus(WINDOW) : b.windowStart.plus(WINDOW);
            return Optional.of(new WriteBudget(pointsPerHour, pointsPerHour - b.used, resetAt));
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "InMemoryAtprotoRepo[repos=" + repos.size() + ", budget="
                    + (pointsPerHour == 0 ? "off" : pointsPerHour + "/h") + (down ? ", down" : "") + "]";
        }
    }

    /**
     * Sets an account's hosting status as the reference PDS would after a deactivation, takedown, suspension or
     * deletion: while not active, every write of the repository is refused with the reference PDS's answer
     * ({@code 401 AccountDeactivated} for {@code deactivated}, {@code 401 AccountTakedown} for {@code takendown}
     * and {@code suspended}, {@code 403 AccountNotFound} for {@code deleted}). Reads of a deleted account's repository
     * ({@link #getRecord}, {@link #listRecords}) answer {@code 400 InvalidRequest} "Could not find repo", as the
     * reference PDS does once the account is gone; reads of the other statuses go on here. The records stay in the
     * fake ({@link #records}), and making the account active again makes them readable. With a firehose attached, an
     * {@code #account} event is emitted.
     *
     * @param repo the account
     * @param status empty to make it active again, or its status
     */
    public void accountStatus(Did repo, Optional<String> status) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(status, "status");
        synchronized (lock) {
            if (status.isPresent()) {
                inactive.put(repo, status.get());
            } else {
                inactive.remove(repo);
            }
            InMemoryFirehose f = firehose;
            if (f != null) {
                f.account(repo, status.isEmpty(), status);
            }
        }
    }

    /** Under {@link #lock}: refuses a read of a deleted account's repository, as the reference PDS does. */
    private void checkExists(Did repo) {
        if ("deleted".equals(inactive.get(repo))) {
            throw new PdsException(400, "InvalidRequest", "Could not find repo: " + repo, false, null, null);
        }
    }

    /** Under {@link #lock}: refuses a write of an account that is not active, as the reference PDS does. */
    private void checkActive(Did repo) {
        String status = inactive.get(repo);
        if (status == null) {
            return;
        }
        switch (status) {
            case "deactivated" -> throw new PdsAuthenticationException(401, "AccountDeactivated",
                    "Account is deactivated");
            case "deleted" -> throw new PdsException(403, "AccountNotFound", "Account not found", false, null, null);
            default -> throw new PdsAuthenticationException(401, "AccountTakedown", "Account has been taken down");
        }
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    /**
     * Attaches an in-memory event stream: from now on every applied write (including {@link #seed},
     * {@link #seedRaw} and {@link #unseed}, which stand for other clients) is emitted as a {@code #commit}. Records
     * already held are loaded into it first, without events.
     *
     * @param firehose the event stream
     */
    public void attachFirehose(InMemoryFirehose firehose) {
        Objects.requireNonNull(firehose, "firehose");
        synchronized (lock) {
            for (Map.Entry<Did, Map<Nsid, TreeMap<String, Stored>>> r : repos.entrySet()) {
                for (Map.Entry<Nsid, TreeMap<String, Stored>> c : r.getValue().entrySet()) {
                    for (Map.Entry<String, Stored> e : c.getValue().entrySet()) {
                        firehose.load(r.getKey(), c.getKey().value() + "/" + e.getKey(), e.getValue().record().value());
                    }
                }
            }
            this.firehose = firehose;
        }
    }

    /** Under {@link #lock}: tells the attached firehose of one applied write ({@code value} null for a delete). */
    private void emit(Did repo, Nsid collection, String rkey, Map<String, Object> value) {
        InMemoryFirehose f = firehose;
        if (f != null) {
            String path = collection.value() + "/" + rkey;
            f.commit(repo, List.of(new InMemoryFirehose.Write(path, Optional.ofNullable(value))));
        }
    }

    /** One {@code com.atproto.repo.applyWrites} call: all or nothing. */
    private List<WriteResult> applyBatch(Did repo, List<RepoWrite> writes) {
        enter(APPLY_WRITES);
        synchronized (lock) {
            takeFault();
            checkActive(repo);
            if (writes.size() > MAX_WRITES) {
                throw new PdsException(400, "InvalidRequest", "Too many writes. Max: " + MAX_WRITES, false, null,
                        null);
            }
            charge(repo, writes.stream().mapToInt(RepoWrite::points).sum());
            // Stage every write on top of the current state; commit only when all succeed.
            Map<Nsid, Map<String, Optional<Stored>>> staged = new HashMap<>();
            List<WriteResult> results = new ArrayList<>(writes.size());
            for (RepoWrite w : writes) {
                Map<String, Optional<Stored>> overlay = staged.computeIfAbsent(w.collection(), k -> new HashMap<>());
                Optional<Stored> current = overlay.containsKey(w.rkey().value())
                        ? overlay.get(w.rkey().value())
                        : Optional.ofNullable(peek(repo, w.collection()).get(w.rkey().value()));
                AtUri uri = AtUri.of(repo, w.collection(), w.rkey());
                if (w instanceof RepoWrite.Create c) {
                    Map<String, Object> copy = DataModel.copyRecord(c.value());
                    checkType(c.collection(), copy);
                    if (current.isPresent()) {
                        throw internalError("create of " + uri + ", which exists");
                    }
                    Stored s = Stored.of(repo, w.collection(), w.rkey(), copy, DagCbor.cidOf(copy));
                    overlay.put(w.rkey().value(), Optional.of(s));
                    results.add(new WriteResult(uri, Optional.of(s.cid()), true));
                } else if (w instanceof RepoWrite.Update u) {
                    Map<String, Object> copy = DataModel.copyRecord(u.value());
                    checkType(u.collection(), copy);
                    if (current.isEmpty()) {
                        throw internalError("update of " + uri + ", which does not exist");
                    }
                    Stored s = Stored.of(repo, w.collection(), w.rkey(), copy, DagCbor.cidOf(copy));
                    overlay.put(w.rkey().value(), Optional.of(s));
                    results.add(new WriteResult(uri, Optional.of(s.cid()), !s.cid().equals(current.get().cid())));
                } else {
                    if (current.isEmpty()) {
                        throw internalError("delete of " + uri + ", which does not exist");
                    }
                    overlay.put(w.rkey().value(), Optional.empty());
                    results.add(new WriteResult(uri, Optional.empty(), true));
                }
            }
            InMemoryFirehose f = firehose;
            if (f != null) {
                Map<String, InMemoryFirehose.Write> applied = new LinkedHashMap<>();
                for (RepoWrite w : writes) {
                    String path = w.collection().value() + "/" + w.rkey().value();
                    Optional<Stored> now = staged.get(w.collection()).get(w.rkey().value());
                    applied.put(path, new InMemoryFirehose.Write(path, now.map(st -> st.record().value())));
                }
                f.commit(repo, List.copyOf(applied.values()));
            }
            for (Map.Entry<Nsid, Map<String, Optional<Stored>>> c : staged.entrySet()) {
                TreeMap<String, Stored> records = collectionOf(repo, c.getKey());
                for (Map.Entry<String, Optional<Stored>> e : c.getValue().entrySet()) {
                    if (e.getValue().isPresent()) {
                        records.put(e.getKey(), e.getValue().get());
                    } else {
                        records.remove(e.getKey());
                    }
                }
            }
            afterEffect(APPLY_WRITES);
            return results;
        }
    }

    /** The PDS's answer to an MST operation that fails inside applyWrites: a bare 500. */
    private static PdsException internalError(String what) {
        return new PdsException(500, "InternalServerError",
                "Internal Server Error (the reference PDS answers so to an applyWrites " + what
                        + "; no write of the batch was applied)", true, null, null);
    }

    /** Counts a call, then spends the latency and fails when down; both outside the lock. */
    private void enter(String method) {
        calls.computeIfAbsent(method, k -> new AtomicLong()).incrementAndGet();
        Stall stall = null;
        synchronized (lock) {
            for (Iterator<Stall> it = stalls.iterator(); it.hasNext() && stall == null;) {
                Stall s = it.next();
                if (s.method.equals(method)) {
                    stall = s;
                    if (--s.remaining <= 0) {
                        it.remove();
                    }
                }
            }
        }
        if (stall != null) {
            stall.hold();
        }
        Duration delay = latency;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PdsUnavailableException("interrupted while waiting for " + method, null, e);
            }
        }
        if (down) {
            throw new PdsUnavailableException("the PDS is down (InMemoryAtprotoRepo.down(true)): " + method
                    + " failed to connect", null, null);
        }
        Instant open = circuitOpenUntil;
        if (open != null && clock.instant().isBefore(open)) {
            throw new PdsUnavailableException("circuit open until " + open + ": " + method + " not tried", open, null);
        }
    }

    /** Throws the next lost answer of {@code method}, if any, after its write took effect; call under the lock. */
    private void afterEffect(String method) {
        Deque<Fault> queue = lostAnswers.get(method);
        Fault f = queue == null ? null : queue.peekFirst();
        if (f == null) {
            return;
        }
        if (--f.remaining <= 0) {
            queue.removeFirst();
        }
        throw Objects.requireNonNull(f.failure.get(), "a fault supplier returned null");
    }

    /** Throws the next queued fault, if any; call under the lock. */
    private void takeFault() {
        Fault f = faults.peekFirst();
        if (f == null) {
            return;
        }
        if (--f.remaining <= 0) {
            faults.removeFirst();
        }
        throw Objects.requireNonNull(f.failure.get(), "a fault supplier returned null");
    }

    private static PdsException injected(int status, String errorName) {
        String message = "injected failure: HTTP " + status + (errorName == null ? "" : " " + errorName);
        if (status == 0) {
            return new PdsUnavailableException(message, null, null);
        }
        if (status == 429) {
            return new RateLimitedException(429, message, null);
        }
        if (status == 401 || status == 403) {
            return new PdsAuthenticationException(status, errorName, message);
        }
        if ("InvalidSwap".equals(errorName)) {
            return new SwapConflictException(status, message);
        }
        boolean retryable = status >= 500 && status != 501;
        return new PdsException(status, errorName, message, retryable, null, null);
    }

    /** Charges points to a DID's budget, or throws when they do not fit; call under the lock. */
    private void charge(Did repo, int points) {
        if (pointsPerHour == 0) {
            return;
        }
        Budget b = currentBudget(repo);
        if (b.windowStart == null) {
            b.windowStart = clock.instant();
        }
        if (b.used + points > pointsPerHour) {
            Instant resetAt = b.windowStart.plus(WINDOW);
            throw new RateLimitedException(429, "Rate Limit Exceeded: the write budget of " + repo + " is "
                    + pointsPerHour + " points an hour; " + (pointsPerHour - b.used) + " left, this call needs "
                    + points + "; it resets at " + resetAt, resetAt);
        }
        b.used += points;
    }

    /** Returns a DID's budget, starting a new window when the old one is over; call under the lock. */
    private Budget currentBudget(Did repo) {
        Budget b = budgets.computeIfAbsent(repo, k -> new Budget());
        if (b.windowStart != null && !clock.instant().isBefore(b.windowStart.plus(WINDOW))) {
            b.windowStart = null;
            b.used = 0;
        }
        return b;
    }

    private static void checkType(Nsid collection, Map<String, Object> value) {
        Object type = value.get("$type");
        if (type == null) {
            throw new PdsException(400, "InvalidRequest", "Invalid record: no $type (expected " + collection + ")",
                    false, null, null);
        }
        if (!collection.value().equals(type)) {
            throw new PdsException(400, "InvalidRequest", "Invalid $type: expected " + collection + ", got " + type,
                    false, null, null);
        }
    }

    private static void checkSwap(SwapRecord swap, Stored current, AtUri uri) {
        switch (swap.kind()) {
            case ANY -> {
            }
            case ABSENT -> {
                if (current != null) {
                    throw new SwapConflictException(400, "Record was at " + current.cid() + " (" + uri
                            + "), expected no record");
                }
            }
            case CID -> {
                Cid expected = swap.cid().orElseThrow();
                if (current == null) {
                    throw new SwapConflictException(400, "Record was at null (" + uri + "), expected " + expected);
                }
                if (!current.cid().equals(expected)) {
                    throw new SwapConflictException(400, "Record was at " + current.cid() + " (" + uri
                            + "), expected " + expected);
                }
            }
            default -> throw new IllegalStateException("unknown swap kind " + swap.kind());
        }
    }

    /** Returns a collection for reading, without creating it; call under the lock. */
    private TreeMap<String, Stored> peek(Did repo, Nsid collection) {
        Map<Nsid, TreeMap<String, Stored>> collections = repos.get(repo);
        TreeMap<String, Stored> records = collections == null ? null : collections.get(collection);
        return records == null ? new TreeMap<>() : records;
    }

    /** Returns the live map of a collection, creating it empty; call under the lock. */
    private TreeMap<String, Stored> collectionOf(Did repo, Nsid collection) {
        return repos.computeIfAbsent(repo, k -> new HashMap<>()).computeIfAbsent(collection, k -> new TreeMap<>());
    }
}
