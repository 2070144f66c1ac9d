package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.NoSuchMoodException;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.AccountHold;
import computer.aesthetic.moodsync.spi.Claim;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.MoodChange;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.UserState;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A {@link MoodStore} in memory, for hosts' tests. It passes {@code MoodStoreContract} like the MongoDB store, and
 * adds what tests need: documents that cannot be read as moods ({@link #insertMalformed}), injected failures
 * ({@link #failNext}, {@link #failNextAfterWrite}) and call counts ({@link #calls}).
 *
 * <p>Record keys are unique across the whole store, as the contract requires. Leases follow the contract:
 * {@link #claimDue} and {@link #tryLease} take them, {@link #change} keeps a held one, {@link #completeSync} and
 * {@link #reschedule} release them, and {@link #setPending} replaces the whole marker, lease included. Streams are
 * snapshots taken when the method is called: later writes do not show in them, and closing them is optional (but
 * harmless).
 *
 * <p>Thread-safe: every operation runs under one lock, so each is atomic, and {@link #claimDue} never hands the
 * same mood to two callers while a lease lives.
 */
public final class InMemoryMoodStore implements MoodStore {
    /**
     * The operation names accepted by {@link #failNext}, {@link #failNextAfterWrite} and {@link #calls}: every
     * {@link MoodStore} method this store implements itself.
     */
    public static final Set<String> OPERATIONS = Set.of("insert", "insertIfAbsent", "find", "findByRkey",
            "listByUser", "listUsers", "listMalformed", "findMalformed", "listPending", "change", "tryLease",
            "completeSync", "reschedule", "setPending", "claimDue", "setLink", "deleteAllOf", "applyIngested", "fenceUser",
            "fencedSince", "unfenceUser", "holdAccount", "accountHold", "releaseAccount", "userState");

    /** Orders pending moods by when they are due, then by id. */
    private record DueKey(Instant due, MoodId id) implements Comparable<DueKey> {
        @Override
        public int compareTo(DueKey o) {
            int c = due.compareTo(o.due);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    private final Object lock = new Object();
    /** All moods by id; guarded by {@link #lock}. */
    private final TreeMap<MoodId, Mood> moods = new TreeMap<>();
    /** Which mood links which record key; guarded by {@link #lock}. */
    private final Map<RecordKey, MoodId> byRkey = new HashMap<>();
    /** Each user's moods, by id; guarded by {@link #lock}. */
    private final TreeMap<UserId, TreeSet<MoodId>> byUser = new TreeMap<>();
    /** The moods with a pending marker, parked and leased ones included, oldest due first; guarded by {@link #lock}. */
    private final TreeSet<DueKey> pending = new TreeSet<>();
    /**
     * Claim candidates: moods with an unparked marker and no lease, or whose lease a claim saw expire; keyed by due
     * time. Guarded by {@link #lock}.
     */
    private final TreeSet<DueKey> ready = new TreeSet<>();
    /** {@link #ready} split by user; guarded by {@link #lock}. */
    private final Map<UserId, TreeSet<DueKey>> readyByUser = new HashMap<>();
    /** Moods with an unparked, leased marker not yet seen expired, keyed by lease expiry; guarded by {@link #lock}. */
    private final TreeSet<DueKey> leased = new TreeSet<>();
    /** Where each unparked marker is indexed: its key in {@link #ready} or in {@link #leased}. */
    private final Map<MoodId, DueKey> readyKeys = new HashMap<>();
    private final Map<MoodId, DueKey> leasedKeys = new HashMap<>();
    /** Malformed documents by id; guarded by {@link #lock}. */
    private final TreeMap<String, MalformedMood> malformed = new TreeMap<>();
    /** Injected failures still to come, before the operation takes effect; guarded by {@link #lock}. */
    private final Map<String, Integer> failBefore = new HashMap<>();
    /** Injected failures still to come, after the operation took effect; guarded by {@link #lock}. */
    private final Map<String, Integer> failAfter = new HashMap<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    /** Erasure tombstones: when each fenced user was fenced; guarded by {@link #lock}. */
    private final Map<UserId, Instant> fences = new HashMap<>();
    /** Account holds by user; guarded by {@link #lock}. */
    private final Map<UserId, AccountHold> holds = new HashMap<>();

    /** The server's clock, which judges leases; null when the callers' times judge them (see {@link #create()}). */
    private final java.time.Clock serverClock;

    private InMemoryMoodStore(java.time.Clock serverClock) {
        this.serverClock = serverClock;
    }

    /**
     * Creates an empty store that judges leases by the time each caller passes ({@code claim.now()}, {@code now}),
     * as if every app instance and the database shared one clock. Enough for tests with one clock; to model
     * instances whose clocks disagree, use {@link #create(java.time.Clock)}.
     *
     * @return the store
     */
    public static InMemoryMoodStore create() {
        return new InMemoryMoodStore(null);
    }

    /**
     * Creates an empty store that judges leases by its own clock, as {@code MongoMoodStore} judges them by the
     * database server's: a lease taken for {@code d} runs until {@code serverClock.instant() + d}, and is live
     * while {@code serverClock} reads before that, whatever the callers' clocks say. The callers' times only decide
     * which work is due ({@code nextAttemptAt <= now}).
     *
     * @param serverClock the database server's clock (for example a {@link TestClock} the instances' skewed views
     *     are taken from)
     * @return the store
     */
    public static InMemoryMoodStore create(java.time.Clock serverClock) {
        return new InMemoryMoodStore(Objects.requireNonNull(serverClock, "serverClock"));
    }

    /** The time that judges leases: the server clock's, or the caller's when the store has none. */
    private Instant leaseNow(Instant callerNow) {
        return serverClock == null ? callerNow : serverClock.instant();
    }

    /** Work claimable at {@code now} (due by the caller's time) when leases are judged at {@code leaseNow}. */
    private static boolean claimable(PendingSync p, Instant now, Instant leaseNow) {
        return !p.failed() && !p.nextAttemptAt().isAfter(now) && !p.isLeased(leaseNow);
    }

    // ---- test helpers --------------------------------------------------------------------------------------------

    /**
     * Plants a document that cannot be read as a mood, as a host database with legacy or corrupt documents would
     * hold. It shows in {@link #listMalformed} (and in nothing else), and {@link #deleteAllOf} removes it when its
     * user matches. Not counted and never failed by injected faults.
     *
     * @param document the malformed document
     * @throws StoreConflictException if a document (mood or malformed) with the same id exists
     */
    public void insertMalformed(MalformedMood document) {
        Objects.requireNonNull(document, "document");
        synchronized (lock) {
            boolean moodExists = MoodId.tryParse(document.id()).map(moods::containsKey).orElse(false);
            if (moodExists || malformed.containsKey(document.id())) {
                throw new StoreConflictException("insertMalformed", "a document with id " + document.id()
                        + " exists already", null);
            }
            malformed.put(document.id(), document);
        }
    }

    /**
     * Makes the next {@code n} calls of {@code operation} throw a {@link StoreException} without taking effect, as
     * a database that is down or refuses the write would. Adds to failures already scheduled for it.
     *
     * @param n how many calls fail, at least 0 (0 does nothing)
     * @param operation a {@link MoodStore} method name from {@link #OPERATIONS}, such as {@code "completeSync"}
     * @throws IllegalArgumentException if {@code n} is negative or the operation unknown
     */
    public void failNext(int n, String operation) {
        schedule(failBefore, n, operation);
    }

    /**
     * Makes the next {@code n} calls of {@code operation} take effect and then throw a {@link StoreException}, as
     * a write whose acknowledgement was lost (a timeout after the database committed). Use it to test that callers
     * cope with not knowing whether a write happened.
     *
     * @param n how many calls fail, at least 0 (0 does nothing)
     * @param operation a {@link MoodStore} method name from {@link #OPERATIONS}
     * @throws IllegalArgumentException if {@code n} is negative or the operation unknown
     */
    public void failNextAfterWrite(int n, String operation) {
        schedule(failAfter, n, operation);
    }

    /** Cancels every injected failure still scheduled. */
    public void clearFaults() {
        synchronized (lock) {
            failBefore.clear();
            failAfter.clear();
        }
    }

    /**
     * Returns how many times {@code operation} was called since creation or {@link #resetCalls()}, failed calls
     * included.
     *
     * @param operation a {@link MoodStore} method name from {@link #OPERATIONS}
     * @return the count
     * @throws IllegalArgumentException if the operation is unknown
     */
    public long calls(String operation) {
        checkOperation(operation);
        AtomicLong n = calls.get(operation);
        return n == null ? 0 : n.get();
    }

    /** Sets every call count back to zero. */
    public void resetCalls() {
        calls.clear();
    }

    /**
     * Returns every mood in the store, in ascending id order: a snapshot, for assertions. Not counted.
     *
     * @return the moods
     */
    public List<Mood> snapshot() {
        synchronized (lock) {
            return List.copyOf(moods.values());
        }
    }

    /**
     * Returns how many moods the store holds (malformed documents not included).
     *
     * @return the count
     */
    public int size() {
        synchronized (lock) {
            return moods.size();
        }
    }

    // ---- MoodStore -----------------------------------------------------------------------------------------------

    /** {@inheritDoc} */
    @Override
    public void insert(Mood mood) {
        Objects.requireNonNull(mood, "mood");
        run("insert", () -> {
            if (moods.containsKey(mood.id())) {
                throw new StoreConflictException("insert", "a mood with id " + mood.id() + " exists already", null);
            }
            checkRkeyFree("insert", mood.id(), mood.rkey());
            put(null, mood);
            return null;
        });
    }

    /** {@inheritDoc} */
    @Override
    public boolean insertIfAbsent(Mood mood) {
        Objects.requireNonNull(mood, "mood");
        return run("insertIfAbsent", () -> {
            if (moods.containsKey(mood.id())) {
                return false;
            }
            checkRkeyFree("insertIfAbsent", mood.id(), mood.rkey());
            put(null, mood);
            return true;
        });
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Mood> find(MoodId id) {
        Objects.requireNonNull(id, "id");
        return run("find", () -> Optional.ofNullable(moods.get(id)));
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Mood> findByRkey(UserId user, RecordKey rkey) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(rkey, "rkey");
        return run("findByRkey", () -> Optional.ofNullable(byRkey.get(rkey))
                .map(moods::get)
                .filter(m -> m.user().equals(user)));
    }

    /** {@inheritDoc} The stream is a snapshot taken by this call. */
    @Override
    public Stream<Mood> listByUser(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("listByUser", () -> byUser.getOrDefault(user, new TreeSet<>()).stream().map(moods::get).toList())
                .stream();
    }

    /** {@inheritDoc} The stream is a snapshot taken by this call. */
    @Override
    public Stream<UserId> listUsers() {
        return run("listUsers", () -> List.copyOf(byUser.keySet())).stream();
    }

    /** {@inheritDoc} The stream is a snapshot taken by this call, in ascending id order. */
    @Override
    public Stream<MalformedMood> listMalformed(Optional<UserId> user) {
        Objects.requireNonNull(user, "user");
        Optional<String> wanted = user.map(UserId::value);
        return run("listMalformed", () -> malformed.values().stream()
                .filter(m -> wanted.isEmpty() || m.user().equals(wanted))
                .toList())
                .stream();
    }

    /** {@inheritDoc} Counted and failed as {@code "listMalformed"}. */
    @Override
    public Optional<MalformedMood> findMalformed(MoodId id) {
        Objects.requireNonNull(id, "id");
        return run("findMalformed", () -> Optional.ofNullable(malformed.get(id.toString())));
    }

    /** {@inheritDoc} Ties are broken by ascending id. The stream is a snapshot taken by this call. */
    @Override
    public Stream<Mood> listPending(Optional<UserId> user) {
        Objects.requireNonNull(user, "user");
        return run("listPending", () -> pending.stream()
                .map(k -> moods.get(k.id()))
                .filter(m -> user.isEmpty() || m.user().equals(user.get()))
                .toList())
                .stream();
    }

    /** {@inheritDoc} */
    @Override
    public Mood change(MoodId id, MoodChange change) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(change, "change");
        return run("change", () -> {
            Mood old = existing(id);
            PendingSync p = change.pending();
            Optional<String> leaseOwner = old.pending().flatMap(PendingSync::leaseOwner);
            Optional<Instant> leaseUntil = old.pending().flatMap(PendingSync::leaseUntil);
            PendingSync marker = new PendingSync(p.op(), p.token(), p.attempts(), p.nextAttemptAt(), p.lastError(),
                    leaseOwner, leaseUntil, p.failed());
            Mood updated = new Mood(old.id(), old.user(), change.text().orElse(old.text()), old.when(),
                    change.deleted().orElse(old.deleted()), old.rkey(), Optional.of(marker), old.recordCid());
            put(old, updated);
            return updated;
        });
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Mood> tryLease(MoodId id, String owner, Instant now, Instant until) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(until, "until");
        return run("tryLease", () -> {
            Mood old = moods.get(id);
            if (old == null || old.pending().isEmpty()) {
                return Optional.empty();
            }
            PendingSync p = old.pending().get();
            Instant leaseNow = leaseNow(now);
            if (p.failed() || (p.isLeased(leaseNow) && !p.leaseOwner().get().equals(owner))) {
                return Optional.empty();
            }
            Mood leased = old.withPending(Optional.of(p.leasedTo(owner, leaseNow.plus(Duration.between(now, until)))));
            put(old, leased);
            return Optional.of(leased);
        });
    }

    /** {@inheritDoc} Returns false, changing nothing, when there is no such mood. */
    @Override
    public boolean completeSync(MoodId id, long token, String owner, Optional<RecordKey> rkey) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(rkey, "rkey");
        return run("completeSync", () -> {
            Mood old = moods.get(id);
            if (old == null) {
                return false;
            }
            if (rkey.isPresent()) {
                checkRkeyFree("completeSync", id, rkey);
            }
            boolean matches = old.pending().map(p -> p.token() == token).orElse(false);
            Mood updated = rkey.isPresent() ? old.withRkey(rkey) : old;
            if (matches) {
                updated = updated.withRecordCid(Optional.empty()); // the write's CID is not known: learn it next time
            }
            updated = updated.withPending(matches ? Optional.empty() : old.pending().map(p -> released(p, owner)));
            put(old, updated);
            return matches;
        });
    }

    /** {@inheritDoc} Atomic. Returns false, changing nothing, when there is no such mood. */
    @Override
    public boolean completeSync(MoodId id, long token, String owner, Optional<RecordKey> rkey,
            Optional<computer.aesthetic.moodsync.data.Cid> cid, Instant now) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(cid, "cid");
        Objects.requireNonNull(now, "now");
        return run("completeSync", () -> {
            Mood old = moods.get(id);
            if (old == null) {
                return false;
            }
            if (rkey.isPresent()) {
                checkRkeyFree("completeSync", id, rkey);
            }
            Mood updated = rkey.isPresent() ? old.withRkey(rkey) : old;
            boolean matches = old.pending().map(p -> p.token() == token).orElse(false);
            if (matches) {
                updated = updated.withRecordCid(updated.rkey().isPresent() ? cid : Optional.empty())
                        .withPending(Optional.empty());
            } else if (old.pending().isPresent()) {
                updated = updated.withPending(old.pending().map(p -> released(p, owner)));
            } else {
                updated = updated.withPending(Optional.of(PendingSync.start(
                        old.deleted() ? SyncOp.DELETE : SyncOp.UPDATE, now)));
            }
            put(old, updated);
            return matches;
        });
    }

    /**
     * {@inheritDoc} Returns false when there is no such mood. With the current token the lease is released
     * whoever holds it.
     */
    @Override
    public boolean reschedule(MoodId id, long token, String owner, int attempts, Instant nextAttemptAt,
            String lastError, boolean park) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Objects.requireNonNull(lastError, "lastError");
        return run("reschedule", () -> {
            Mood old = moods.get(id);
            if (old == null || old.pending().isEmpty()) {
                return false;
            }
            PendingSync p = old.pending().get();
            if (p.token() != token || p.leaseOwner().isPresent() && !p.leaseOwner().get().equals(owner)) {
                put(old, old.withPending(Optional.of(released(p, owner))));
                return false;
            }
            PendingSync next = new PendingSync(p.op(), p.token(), attempts, nextAttemptAt, Optional.of(lastError),
                    Optional.empty(), Optional.empty(), park);
            put(old, old.withPending(Optional.of(next)));
            return true;
        });
    }

    /** {@inheritDoc} */
    @Override
    public Mood setPending(MoodId id, PendingSync marker) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(marker, "marker");
        return run("setPending", () -> {
            Mood old = existing(id);
            PendingSync kept = old.pending().filter(p -> p.leaseOwner().isPresent())
                    .map(p -> new PendingSync(marker.op(), marker.token(), marker.attempts(), marker.nextAttemptAt(),
                            marker.lastError(), p.leaseOwner(), p.leaseUntil(), marker.failed()))
                    .orElse(new PendingSync(marker.op(), marker.token(), marker.attempts(), marker.nextAttemptAt(),
                            marker.lastError(), Optional.empty(), Optional.empty(), marker.failed()));
            Mood updated = old.withPending(Optional.of(kept));
            put(old, updated);
            return updated;
        });
    }

    /**
     * {@inheritDoc} Moods due at the same time are taken in ascending id order. The lease runs {@code claim.lease()} from the
     * store's time (see {@link #create(java.time.Clock)}; {@code claim.now()} for a store created without a clock).
     */
    @Override
    public List<Mood> claimDue(Claim claim) {
        Objects.requireNonNull(claim, "claim");
        return run("claimDue", () -> {
            Instant now = claim.now();
            Instant leaseNow = leaseNow(now);
            Instant until = leaseNow.plus(claim.lease());
            // Leases seen expired make their moods candidates again (claimable below still checks each).
            while (!leased.isEmpty() && !leased.first().due().isAfter(leaseNow)) {
                DueKey expired = leased.pollFirst();
                leasedKeys.remove(expired.id());
                Mood m = moods.get(expired.id());
                addReady(m.user(), new DueKey(m.pending().get().nextAttemptAt(), m.id()));
            }
            Optional<UserId> user = claim.user();
            List<Mood> due = new ArrayList<>();
            if (user.isEmpty() && claim.maxUsers() > 1) {
                // up to maxUsers users, chosen by their oldest due work; then all their due work (at most max)
                Set<UserId> users = new LinkedHashSet<>();
                for (DueKey key : ready) {
                    if (key.due().isAfter(now) || users.size() >= claim.maxUsers()) {
                        break;
                    }
                    Mood m = moods.get(key.id());
                    if (claimable(m.pending().get(), now, leaseNow)) {
                        users.add(m.user());
                    }
                }
                TreeSet<DueKey> theirs = new TreeSet<>();
                for (UserId u : users) {
                    int taken = 0;
                    for (DueKey key : readyByUser.get(u)) {
                        if (key.due().isAfter(now) || taken >= claim.max()) {
                            break;
                        }
                        if (claimable(moods.get(key.id()).pending().get(), now, leaseNow)) {
                            theirs.add(key);
                            taken++;
                        }
                    }
                }
                for (DueKey key : theirs) {
                    if (due.size() >= claim.max()) {
                        break;
                    }
                    due.add(moods.get(key.id()));
                }
            } else if (user.isEmpty()) {
                user = firstDue(ready, now, leaseNow).map(Mood::user);
            }
            TreeSet<DueKey> candidates = user.map(readyByUser::get).orElse(null);
            if (candidates != null) {
                for (DueKey key : candidates) {
                    if (key.due().isAfter(now) || due.size() >= claim.max()) {
                        break;
                    }
                    Mood m = moods.get(key.id());
                    if (claimable(m.pending().get(), now, leaseNow)) {
                        due.add(m);
                    }
                }
            }
            List<Mood> claimed = new ArrayList<>(due.size());
            for (Mood m : due) {
                Mood taken = m.withPending(Optional.of(m.pending().get().leasedTo(claim.owner(), until)));
                put(m, taken);
                claimed.add(taken);
            }
            return List.copyOf(claimed);
        });
    }

    /** {@inheritDoc} */
    @Override
    public void setLink(MoodId id, Optional<RecordKey> rkey) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rkey, "rkey");
        run("setLink", () -> {
            Mood old = existing(id);
            checkRkeyFree("setLink", id, rkey);
            put(old, old.withRkey(rkey).withRecordCid(Optional.empty())); // a relink forgets the recorded CID
            return null;
        });
    }

    /** {@inheritDoc} */
    @Override
    public boolean applyIngested(MoodId id, String expectedText, boolean expectedDeleted, String text,
            boolean deleted, Optional<computer.aesthetic.moodsync.data.Cid> recordCid) {
        Objects.requireNonNull(recordCid, "recordCid");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(expectedText, "expectedText");
        Objects.requireNonNull(text, "text");
        return run("applyIngested", () -> {
            Mood old = moods.get(id);
            if (old == null || old.pending().isPresent() || old.deleted() != expectedDeleted
                    || !old.text().equals(expectedText)) {
                return false;
            }
            put(old, new Mood(old.id(), old.user(), text, old.when(), deleted, old.rkey(), old.pending(),
                    old.rkey().isPresent() ? recordCid : Optional.empty()));
            return true;
        });
    }

    /** {@inheritDoc} Malformed documents whose user field equals the user's id are removed and counted too. */
    @Override
    public long deleteAllOf(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("deleteAllOf", () -> {
            List<Mood> doomed = byUser.getOrDefault(user, new TreeSet<>()).stream().map(moods::get).toList();
            for (Mood m : doomed) {
                remove(m);
            }
            long removed = doomed.size();
            var it = malformed.values().iterator();
            while (it.hasNext()) {
                if (it.next().user().equals(Optional.of(user.value()))) {
                    it.remove();
                    removed++;
                }
            }
            return removed;
        });
    }

    /** {@inheritDoc} The tombstone survives {@link #deleteAllOf}. */
    @Override
    public Optional<Instant> fenceUser(UserId user, Instant now) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(now, "now");
        return run("fenceUser", () -> {
            fences.putIfAbsent(user, now);
            Instant latest = null;
            for (MoodId id : new ArrayList<>(byUser.getOrDefault(user, new TreeSet<>()))) {
                Mood m = moods.get(id);
                Optional<PendingSync> marker = m.pending();
                if (marker.isEmpty()) {
                    continue;
                }
                if (marker.get().isLeased(leaseNow(now))) {
                    Instant until = marker.get().leaseUntil().orElseThrow();
                    latest = latest == null || until.isAfter(latest) ? until : latest;
                } else {
                    put(m, m.withPending(Optional.empty()));
                }
            }
            return Optional.ofNullable(latest);
        });
    }

    @Override
    public Optional<Instant> fencedSince(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("fencedSince", () -> Optional.ofNullable(fences.get(user)));
    }

    @Override
    public boolean unfenceUser(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("unfenceUser", () -> fences.remove(user) != null);
    }

    @Override
    public boolean holdAccount(UserId user, String status, Instant now) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(now, "now");
        return run("holdAccount", () -> {
            AccountHold before = holds.get(user);
            holds.put(user, new AccountHold(status,
                    before == null ? now : before.since()));
            return before == null;
        });
    }

    @Override
    public Optional<AccountHold> accountHold(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("accountHold", () -> Optional.ofNullable(holds.get(user)));
    }

    /** {@inheritDoc} One atomic read of the tombstone and the hold. */
    @Override
    public UserState userState(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("userState", () -> new UserState(Optional.ofNullable(fences.get(user)),
                Optional.ofNullable(holds.get(user))));
    }

    @Override
    public boolean releaseAccount(UserId user) {
        Objects.requireNonNull(user, "user");
        return run("releaseAccount", () -> holds.remove(user) != null);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "InMemoryMoodStore[moods=" + moods.size() + ", pending=" + pending.size() + ", malformed="
                    + malformed.size() + "]";
        }
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    /** Counts the call, applies injected failures and runs {@code body} under the lock. */
    private <T> T run(String operation, Supplier<T> body) {
        calls.computeIfAbsent(operation, k -> new AtomicLong()).incrementAndGet();
        synchronized (lock) {
            if (take(failBefore, operation)) {
                throw new StoreException(operation, "injected failure (failNext); nothing was written", null);
            }
            T result = body.get();
            if (take(failAfter, operation)) {
                throw new StoreException(operation,
                        "injected failure after the write took effect (failNextAfterWrite)", null);
            }
            return result;
        }
    }

    private static boolean take(Map<String, Integer> faults, String operation) {
        Integer left = faults.get(operation);
        if (left == null) {
            return false;
        }
        if (left <= 1) {
            faults.remove(operation);
        } else {
            faults.put(operation, left - 1);
        }
        return true;
    }

    private void schedule(Map<String, Integer> faults, int n, String operation) {
        checkOperation(operation);
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, found " + n);
        }
        if (n == 0) {
            return;
        }
        synchronized (lock) {
            faults.merge(operation, n, Integer::sum);
        }
    }

    private static void checkOperation(String operation) {
        Objects.requireNonNull(operation, "operation");
        if (!OPERATIONS.contains(operation)) {
            throw new IllegalArgumentException("expected a MoodStore operation " + new TreeSet<>(OPERATIONS)
                    + ", found " + operation);
        }
    }

    /** Returns the marker without its lease when {@code owner} holds it, else unchanged. */
    private static PendingSync released(PendingSync p, String owner) {
        if (!p.leaseOwner().equals(Optional.of(owner))) {
            return p;
        }
        return new PendingSync(p.op(), p.token(), p.attempts(), p.nextAttemptAt(), p.lastError(), Optional.empty(),
                Optional.empty(), p.failed());
    }

    private Mood existing(MoodId id) {
        Mood m = moods.get(id);
        if (m == null) {
            throw new NoSuchMoodException(id);
        }
        return m;
    }

    private void checkRkeyFree(String operation, MoodId id, Optional<RecordKey> rkey) {
        if (rkey.isEmpty()) {
            return;
        }
        MoodId holder = byRkey.get(rkey.get());
        if (holder != null && !holder.equals(id)) {
            throw new StoreConflictException(operation, "record key " + rkey.get() + " is already linked to mood "
                    + holder + ", so it cannot be linked to mood " + id, null);
        }
    }

    /** Replaces {@code old} (null for none) with {@code mood}, keeping the indexes in step. */
    private void put(Mood old, Mood mood) {
        if (old != null) {
            unindex(old);
        }
        moods.put(mood.id(), mood);
        byUser.computeIfAbsent(mood.user(), u -> new TreeSet<>()).add(mood.id());
        mood.rkey().ifPresent(k -> byRkey.put(k, mood.id()));
        if (mood.pending().isPresent()) {
            PendingSync p = mood.pending().get();
            pending.add(new DueKey(p.nextAttemptAt(), mood.id()));
            if (!p.failed()) {
                if (p.leaseUntil().isPresent()) {
                    DueKey key = new DueKey(p.leaseUntil().get(), mood.id());
                    leased.add(key);
                    leasedKeys.put(mood.id(), key);
                } else {
                    addReady(mood.user(), new DueKey(p.nextAttemptAt(), mood.id()));
                }
            }
        }
    }

    private void addReady(UserId user, DueKey key) {
        ready.add(key);
        readyByUser.computeIfAbsent(user, u -> new TreeSet<>()).add(key);
        readyKeys.put(key.id(), key);
    }

    /** Returns the first mood of {@code candidates} that is due at {@code now}. */
    private Optional<Mood> firstDue(TreeSet<DueKey> candidates, Instant now, Instant leaseNow) {
        for (DueKey key : candidates) {
            if (key.due().isAfter(now)) {
                break;
            }
            Mood m = moods.get(key.id());
            if (claimable(m.pending().get(), now, leaseNow)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    private void remove(Mood mood) {
        unindex(mood);
        moods.remove(mood.id());
        TreeSet<MoodId> ids = byUser.get(mood.user());
        ids.remove(mood.id());
        if (ids.isEmpty()) {
            byUser.remove(mood.user());
        }
    }

    private void unindex(Mood mood) {
        mood.rkey().ifPresent(k -> byRkey.remove(k, mood.id()));
        mood.pending().ifPresent(p -> pending.remove(new DueKey(p.nextAttemptAt(), mood.id())));
        DueKey r = readyKeys.remove(mood.id());
        if (r != null) {
            ready.remove(r);
            TreeSet<DueKey> mine = readyByUser.get(mood.user());
            mine.remove(r);
            if (mine.isEmpty()) {
                readyByUser.remove(mood.user());
            }
        }
        DueKey l = leasedKeys.remove(mood.id());
        if (l != null) {
            leased.remove(l);
        }
    }
}
