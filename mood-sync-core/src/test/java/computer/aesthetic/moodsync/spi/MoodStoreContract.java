package computer.aesthetic.moodsync.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.NoSuchMoodException;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link MoodStore}, as its Javadoc states it. Every implementation subclasses this class and
 * supplies {@link #newStore()}; the tests pass explicit times as the callers' clocks. Leases are judged by the
 * store's own clock (the database server's), which the tests move with {@link #passStoreTime}.
 *
 * <p>Published in the core test-jar. Subclasses may add their own tests.
 */
public abstract class MoodStoreContract {
    /** A fixed base time with sub-millisecond digits, to check millisecond truncation. */
    protected static final Instant T0 = Instant.parse("2025-10-09T12:00:00.123456789Z");
    /** A first user. */
    protected static final UserId ALICE = new UserId("auth0|alice");
    /** A second user. */
    protected static final UserId BOB = new UserId("auth0|bob");
    /** A third user. */
    protected static final UserId CAROL = new UserId("google-oauth2|carol");

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration HOUR = Duration.ofHours(1);
    /** A lease short enough to let it expire by {@link #passStoreTime} in a test. */
    protected static final Duration SHORT_LEASE = Duration.ofMillis(300);
    /** More than {@link #SHORT_LEASE}. */
    protected static final Duration PAST_SHORT_LEASE = Duration.ofMillis(450);

    /** The store under test, fresh for each test. */
    protected MoodStore store;

    /**
     * Returns a new, empty store. Called once before each test.
     *
     * @return the store
     */
    protected abstract MoodStore newStore();

    /**
     * Lets the store's clock (the one that judges leases) move forward by at least {@code d}. The default sleeps,
     * for a store whose clock is a real server's; a fake with a test clock advances it.
     *
     * @param d how far
     */
    protected void passStoreTime(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /**
     * Makes a fresh mood id whose timestamp is {@code T0 + seconds}; ids made later sort later for the same
     * {@code seconds}.
     *
     * @param seconds seconds after {@link #T0}
     * @return the id
     */
    protected static MoodId id(int seconds) {
        return MoodId.of(T0.getEpochSecond() + seconds, 0x1234567890L, COUNTER.incrementAndGet() & 0xFF_FFFF);
    }

    /**
     * Makes a new mood, pending CREATE due at its time.
     *
     * @param user the author
     * @param seconds its time, seconds after {@link #T0}
     * @return the mood
     */
    protected static Mood posted(UserId user, int seconds) {
        return Mood.posted(id(seconds), user, "mood " + seconds, T0.plusSeconds(seconds));
    }

    /**
     * Makes a synced mood: linked to {@code rkey}, nothing pending.
     *
     * @param user the author
     * @param seconds its time
     * @param rkey its record key
     * @return the mood
     */
    protected static Mood synced(UserId user, int seconds, RecordKey rkey) {
        return new Mood(id(seconds), user, "synced " + seconds, T0.plusSeconds(seconds), false, Optional.of(rkey),
                Optional.empty());
    }

    /**
     * Makes a record key that no other call returns.
     *
     * @return the record key
     */
    protected static RecordKey rkey() {
        return Tid.of(T0.getEpochSecond() * 1_000_000L + COUNTER.incrementAndGet(), 7).toRecordKey();
    }

    private static <T> List<T> list(Stream<T> stream) {
        try (stream) {
            return stream.toList();
        }
    }

    private static Claim claim(String owner, Instant now, Optional<UserId> user, int max) {
        return new Claim(owner, now, HOUR, user, max);
    }

    private static PendingSync pendingAt(SyncOp op, Instant due) {
        return PendingSync.start(op, due);
    }

    private Mood get(MoodId id) {
        return store.find(id).orElseThrow(() -> new AssertionError("mood " + id + " should exist"));
    }

    // ---- insert and find -----------------------------------------------------------------------------------------

    @Test
    void insertedMoodIsFoundEqual() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void findOfUnknownIdIsEmpty() {
        assertThat(store.find(id(1))).isEmpty();
    }

    @Test
    void insertOfExistingIdIsConflictAndKeepsTheFirst() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        Mood again = new Mood(m.id(), BOB, "other", T0, true, Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> store.insert(again)).isInstanceOf(StoreConflictException.class);
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void concurrentInsertsOfOneIdLetExactlyOneInAndTheOthersConflict() throws Exception {
        // An idempotent post (a caller retrying with its own MoodId) relies on this: of racing inserts of one id,
        // one wins and every other is a StoreConflictException that leaves the winner's document as it was.
        int threads = 6;
        MoodId id = id(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Mood>> tries = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Mood m = Mood.posted(id, i % 2 == 0 ? ALICE : BOB, "try " + i, T0.plusSeconds(i));
                tries.add(pool.submit(() -> {
                    start.await();
                    try {
                        store.insert(m);
                        return m;
                    } catch (StoreConflictException e) {
                        return null;
                    }
                }));
            }
            start.countDown();
            List<Mood> winners = new ArrayList<>();
            for (var t : tries) {
                Mood won = t.get(30, TimeUnit.SECONDS);
                if (won != null) {
                    winners.add(won);
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(store.find(id)).contains(winners.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void insertWithRkeyLinkedToAnotherMoodIsConflict() {
        RecordKey k = rkey();
        store.insert(synced(ALICE, 1, k));
        Mood second = synced(ALICE, 2, k);
        assertThatThrownBy(() -> store.insert(second)).isInstanceOf(StoreConflictException.class);
        assertThat(store.find(second.id())).isEmpty();
    }

    @Test
    void insertIfAbsentInsertsOnceAndLeavesTheExistingMoodUntouched() {
        Mood m = posted(ALICE, 1);
        assertThat(store.insertIfAbsent(m)).isTrue();
        Mood changed = new Mood(m.id(), ALICE, "changed", T0, true, Optional.of(rkey()), Optional.empty());
        assertThat(store.insertIfAbsent(changed)).isFalse();
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void insertIfAbsentWithRkeyLinkedToAnotherMoodIsConflict() {
        RecordKey k = rkey();
        store.insert(synced(ALICE, 1, k));
        Mood second = synced(ALICE, 2, k);
        assertThatThrownBy(() -> store.insertIfAbsent(second)).isInstanceOf(StoreConflictException.class);
        assertThat(store.find(second.id())).isEmpty();
    }

    @Test
    void everyFieldRoundTripsWithTimesAtMillisecondPrecision() {
        Instant when = Instant.parse("2024-02-29T23:59:59.999999999Z");
        PendingSync marker = new PendingSync(SyncOp.UPDATE, Long.MIN_VALUE, 7,
                Instant.parse("2030-01-01T00:00:00.000500Z"), Optional.of("HTTP 502: bad gateway"),
                Optional.of("worker-1"), Optional.of(Instant.parse("2030-01-01T00:05:00.001999Z")), false);
        Mood m = new Mood(id(1), ALICE, "text", when, true, Optional.of(rkey()), Optional.of(marker));
        store.insert(m);

        Mood found = get(m.id());
        assertThat(found).isEqualTo(m);
        assertThat(found.when()).isEqualTo(Instant.parse("2024-02-29T23:59:59.999Z"));
        assertThat(found.pending().orElseThrow().nextAttemptAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(found.pending().orElseThrow().leaseUntil())
                .contains(Instant.parse("2030-01-01T00:05:00.001Z"));
        assertThat(found.pending().orElseThrow().token()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void textRoundTripsExactly() {
        List<String> texts = List.of("", " leading and trailing spaces ", "line\nbreak\ttab \"quotes\" \\ back",
                "naïve café 日本語 עברית e\u0301", "🙂👨‍👩‍👧 family", "$dollar.and.dots", "x".repeat(5000),
                "é".repeat(2500));
        List<Mood> moods = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Mood m = new Mood(id(i), ALICE, texts.get(i), T0, false, Optional.empty(), Optional.empty());
            store.insert(m);
            moods.add(m);
        }
        for (Mood m : moods) {
            assertThat(get(m.id()).text()).isEqualTo(m.text());
        }
    }

    @Test
    void findByRkeyFindsTheLinkedMoodOfThatUserOnly() {
        RecordKey k = rkey();
        Mood m = synced(ALICE, 1, k);
        store.insert(m);
        store.insert(posted(ALICE, 2));
        assertThat(store.findByRkey(ALICE, k)).contains(m);
        assertThat(store.findByRkey(BOB, k)).isEmpty();
        assertThat(store.findByRkey(ALICE, rkey())).isEmpty();
    }

    // ---- listings ------------------------------------------------------------------------------------------------

    @Test
    void listByUserIsInAscendingIdOrderAndIncludesDeletedMoods() {
        Mood a = posted(ALICE, 3);
        Mood b = posted(ALICE, 1);
        Mood c = new Mood(id(2), ALICE, "gone", T0, true, Optional.empty(), Optional.empty());
        Mood other = posted(BOB, 0);
        store.insert(a);
        store.insert(other);
        store.insert(b);
        store.insert(c);
        assertThat(list(store.listByUser(ALICE))).containsExactly(b, c, a);
        assertThat(list(store.listByUser(BOB))).containsExactly(other);
        assertThat(list(store.listByUser(CAROL))).isEmpty();
    }

    @Test
    void listByUserOrdersIdsWithinOneSecondByCounter() {
        List<Mood> moods = IntStream.range(0, 20).mapToObj(i -> posted(ALICE, 5)).toList();
        List<Mood> shuffled = new ArrayList<>(moods);
        Collections.shuffle(shuffled);
        shuffled.forEach(store::insert);
        assertThat(list(store.listByUser(ALICE))).containsExactlyElementsOf(moods);
    }

    @Test
    void listUsersIsDistinctAndSorted() {
        store.insert(posted(CAROL, 1));
        store.insert(posted(ALICE, 2));
        store.insert(posted(BOB, 3));
        store.insert(posted(ALICE, 4));
        store.insert(new Mood(id(5), BOB, "gone", T0, true, Optional.empty(), Optional.empty()));
        assertThat(list(store.listUsers())).containsExactly(ALICE, BOB, CAROL);
    }

    @Test
    void listingsOfAnEmptyStoreAreEmpty() {
        assertThat(list(store.listUsers())).isEmpty();
        assertThat(list(store.listByUser(ALICE))).isEmpty();
        assertThat(list(store.listPending(Optional.empty()))).isEmpty();
        assertThat(list(store.listMalformed(Optional.empty()))).isEmpty();
        assertThat(list(store.listMalformed(Optional.of(ALICE)))).isEmpty();
    }

    @Test
    void findMalformedIsEmptyForAReadableMoodAndForNoDocument() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        assertThat(store.findMalformed(m.id())).isEmpty();
        assertThat(store.findMalformed(id(2))).isEmpty();
    }

    @Test
    void listPendingIsOldestDueFirstIncludesParkedAndFiltersByUser() {
        Mood late = posted(ALICE, 30);
        Mood early = posted(BOB, 10);
        Mood middle = posted(ALICE, 20);
        Mood done = synced(ALICE, 5, rkey());
        for (Mood m : List.of(late, early, middle, done)) {
            store.insert(m);
        }
        long token = middle.pending().orElseThrow().token();
        assertThat(store.reschedule(middle.id(), token, "w", 9, T0.plusSeconds(40), "gave up", true)).isTrue();

        assertThat(list(store.listPending(Optional.empty())).stream().map(Mood::id))
                .containsExactly(early.id(), late.id(), middle.id());
        assertThat(list(store.listPending(Optional.of(ALICE))).stream().map(Mood::id))
                .containsExactly(late.id(), middle.id());
        assertThat(list(store.listPending(Optional.of(CAROL)))).isEmpty();
    }

    @Test
    void streamsCanBeClosedAndReopened() {
        store.insert(posted(ALICE, 1));
        try (Stream<Mood> s = store.listByUser(ALICE)) {
            assertThat(s.count()).isEqualTo(1);
        }
        try (Stream<Mood> s = store.listByUser(ALICE)) {
            assertThat(s.iterator().hasNext()).isTrue();
        }
    }

    // ---- change and markers --------------------------------------------------------------------------------------

    @Test
    void changeSetsTextAndDeletedAndReplacesTheMarker() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        PendingSync marker = pendingAt(SyncOp.UPDATE, T0.plusSeconds(100));
        Mood after = store.change(m.id(), new MoodChange(Optional.of("edited"), Optional.of(true), marker));

        Mood expected = new Mood(m.id(), ALICE, "edited", m.when(), true, Optional.empty(), Optional.of(marker));
        assertThat(after).isEqualTo(expected);
        assertThat(store.find(m.id())).contains(expected);
    }

    @Test
    void changeKeepsWhatItIsNotGivenAndTheLink() {
        RecordKey k = rkey();
        Mood m = synced(ALICE, 1, k);
        store.insert(m);
        PendingSync marker = pendingAt(SyncOp.DELETE, T0);
        Mood after = store.change(m.id(), new MoodChange(Optional.empty(), Optional.empty(), marker));
        assertThat(after).isEqualTo(m.withPending(Optional.of(marker)));
        assertThat(get(m.id()).rkey()).contains(k);
    }

    @Test
    void changeOfUnknownMoodIsNoSuchMood() {
        MoodId missing = id(1);
        assertThatThrownBy(() -> store.change(missing,
                new MoodChange(Optional.of("x"), Optional.empty(), pendingAt(SyncOp.UPDATE, T0))))
                .isInstanceOf(NoSuchMoodException.class);
        assertThat(store.find(missing)).isEmpty();
    }

    @Test
    void completeSyncWithTheCurrentTokenRemovesTheMarkerAndLinks() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        RecordKey k = rkey();
        assertThat(store.completeSync(m.id(), m.pending().orElseThrow().token(), "w", Optional.of(k))).isTrue();
        Mood after = get(m.id());
        assertThat(after.pending()).isEmpty();
        assertThat(after.rkey()).contains(k);
        assertThat(store.findByRkey(ALICE, k)).contains(after);
    }

    @Test
    void completeSyncWithAnOldTokenLinksButKeepsTheNewerMarker() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        long oldToken = m.pending().orElseThrow().token();
        PendingSync newer = new PendingSync(SyncOp.UPDATE, oldToken + 1, 0, T0, Optional.empty(), Optional.empty(),
                Optional.empty(), false);
        store.change(m.id(), new MoodChange(Optional.of("edited"), Optional.empty(), newer));

        RecordKey k = rkey();
        assertThat(store.completeSync(m.id(), oldToken, "w", Optional.of(k))).isFalse();
        Mood after = get(m.id());
        assertThat(after.pending()).contains(newer);
        assertThat(after.rkey()).contains(k);
        assertThat(after.text()).isEqualTo("edited");
    }

    @Test
    void findAllReturnsTheMoodsFoundById() {
        Mood a = posted(ALICE, 1);
        Mood b = posted(BOB, 2);
        store.insert(a);
        store.insert(b);
        MoodId missing = id(3);
        assertThat(store.findAll(List.of(a.id(), b.id(), missing))).containsOnlyKeys(a.id(), b.id())
                .containsEntry(a.id(), a).containsEntry(b.id(), b);
        assertThat(store.findAll(List.of())).isEmpty();
    }

    @Test
    void setLinksSetsEveryLinkAndNamesTheOnesThatFailed() {
        Mood a = posted(ALICE, 1);
        Mood b = posted(ALICE, 2);
        Mood c = posted(ALICE, 3);
        store.insert(a);
        store.insert(b);
        store.insert(c);
        RecordKey ka = rkey();
        RecordKey kb = rkey();
        assertThat(store.setLinks(java.util.Map.of(a.id(), ka, b.id(), kb))).isEmpty();
        assertThat(get(a.id()).rkey()).contains(ka);
        assertThat(get(b.id()).rkey()).contains(kb);
        MoodId missing = id(9);
        java.util.Map<MoodId, String> failed = store.setLinks(java.util.Map.of(c.id(), ka, missing, rkey()));
        assertThat(failed).containsOnlyKeys(c.id(), missing);
        assertThat(get(c.id()).rkey()).isEmpty();
        assertThat(get(a.id()).rkey()).contains(ka);
    }

    @Test
    void aLateRescheduleAfterTheLeaseWasTakenOverChangesNothing() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        long token = m.pending().orElseThrow().token();
        Instant now = T0.plus(HOUR);
        assertThat(store.claimDue(new Claim("w1", now, SHORT_LEASE, Optional.empty(), 10))).hasSize(1);
        // w1's lease expires; w2 takes the same work over
        passStoreTime(PAST_SHORT_LEASE);
        Instant later = now.plus(HOUR);
        assertThat(store.claimDue(claim("w2", later, Optional.empty(), 10))).hasSize(1);
        assertThat(store.reschedule(m.id(), token, "w1", 1, later.plus(HOUR), "late", false)).isFalse();
        PendingSync p = get(m.id()).pending().orElseThrow();
        assertThat(p.leaseOwner()).contains("w2");
        assertThat(p.attempts()).isZero();
        assertThat(store.reschedule(m.id(), token, "w2", 1, later.plus(HOUR), "w2 failed", false)).isTrue();
        assertThat(get(m.id()).pending().orElseThrow().leaseOwner()).isEmpty();
    }

    @Test
    void setPendingKeepsALeaseHeldOnThePreviousMarker() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        Instant now = T0.plus(HOUR);
        assertThat(store.tryLease(m.id(), "writer", now, now.plus(HOUR))).isPresent();
        PendingSync retry = pendingAt(SyncOp.UPDATE, now);
        Mood after = store.setPending(m.id(), retry);
        assertThat(after.pending().orElseThrow().token()).isEqualTo(retry.token());
        assertThat(after.pending().orElseThrow().leaseOwner()).contains("writer");
        assertThat(store.claimDue(claim("other", now, Optional.empty(), 10))).as("still leased").isEmpty();
    }

    @Test
    void completeSyncWithoutRkeyKeepsTheLink() {
        RecordKey k = rkey();
        Mood m = synced(ALICE, 1, k);
        store.insert(m);
        PendingSync marker = pendingAt(SyncOp.UPDATE, T0);
        store.setPending(m.id(), marker);
        assertThat(store.completeSync(m.id(), marker.token(), "w", Optional.empty())).isTrue();
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void completeSyncOfAMoodWithoutMarkerReturnsFalse() {
        Mood m = synced(ALICE, 1, rkey());
        store.insert(m);
        assertThat(store.completeSync(m.id(), 42, "w", Optional.empty())).isFalse();
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void completeSyncLinkingAnRkeyOfAnotherMoodIsConflict() {
        RecordKey k = rkey();
        store.insert(synced(ALICE, 1, k));
        Mood m = posted(ALICE, 2);
        store.insert(m);
        long token = m.pending().orElseThrow().token();
        assertThatThrownBy(() -> store.completeSync(m.id(), token, "w", Optional.of(k)))
                .isInstanceOf(StoreConflictException.class);
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void rescheduleWithTheCurrentTokenRecordsTheFailureAndReleasesTheLease() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        List<Mood> claimed = store.claimDue(claim("w1", T0.plusSeconds(1), Optional.empty(), 10));
        assertThat(claimed).hasSize(1);
        long token = m.pending().orElseThrow().token();
        Instant next = T0.plusSeconds(61);

        assertThat(store.reschedule(m.id(), token, "w1", 1, next, "HTTP 503", false)).isTrue();
        PendingSync p = get(m.id()).pending().orElseThrow();
        assertThat(p).isEqualTo(new PendingSync(SyncOp.CREATE, token, 1, next, Optional.of("HTTP 503"),
                Optional.empty(), Optional.empty(), false));
        assertThat(store.claimDue(claim("w2", next.minusMillis(1), Optional.empty(), 10))).isEmpty();
        assertThat(store.claimDue(claim("w2", next, Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(m.id());
    }

    @Test
    void rescheduleWithAWrongTokenChangesNothing() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        long token = m.pending().orElseThrow().token();
        assertThat(store.reschedule(m.id(), token + 1, "w", 3, T0.plusSeconds(99), "late", true)).isFalse();
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void rescheduleOfAMoodWithoutMarkerReturnsFalse() {
        Mood m = synced(ALICE, 1, rkey());
        store.insert(m);
        assertThat(store.reschedule(m.id(), 0, "w", 1, T0, "x", false)).isFalse();
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void parkedWorkIsNeverClaimedUntilANewMarkerIsSet() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        long token = m.pending().orElseThrow().token();
        assertThat(store.reschedule(m.id(), token, "w", 10, T0, "gave up", true)).isTrue();
        Mood parked = get(m.id());
        assertThat(parked.pending().orElseThrow().failed()).isTrue();
        assertThat(store.claimDue(claim("w", T0.plus(Duration.ofDays(365)), Optional.empty(), 10))).isEmpty();
        assertThat(store.claimDue(claim("w", T0.plus(Duration.ofDays(365)), Optional.of(ALICE), 10))).isEmpty();

        PendingSync retry = pendingAt(SyncOp.CREATE, T0.plusSeconds(5));
        assertThat(store.setPending(m.id(), retry)).isEqualTo(m.withPending(Optional.of(retry)));
        assertThat(store.claimDue(claim("w", T0.plusSeconds(5), Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(m.id());
    }

    // ---- leases: one writer per mood -----------------------------------------------------------------------------

    @Test
    void changeKeepsALeaseHeldOnTheOldMarker() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        Instant now = T0.plusSeconds(1);
        List<Mood> claimed = store.claimDue(claim("w1", now, Optional.empty(), 1));
        assertThat(claimed).hasSize(1);

        PendingSync edit = new PendingSync(SyncOp.UPDATE, 99, 0, now, Optional.empty(), Optional.of("ignored"),
                Optional.of(now.plusSeconds(1)), false);
        Mood after = store.change(m.id(), new MoodChange(Optional.of("edited"), Optional.empty(), edit));
        PendingSync p = after.pending().orElseThrow();
        assertThat(p.token()).isEqualTo(99);
        assertThat(p.op()).isEqualTo(SyncOp.UPDATE);
        assertThat(p.leaseOwner()).contains("w1");
        assertThat(p.leaseUntil()).isPresent().isEqualTo(claimed.get(0).pending().orElseThrow().leaseUntil());
        assertThat(get(m.id())).isEqualTo(after);
        assertThat(store.claimDue(claim("w2", now.plusSeconds(2), Optional.empty(), 10))).isEmpty();
    }

    @Test
    void changeWithoutAHeldLeaseIgnoresTheNewMarkersLeaseFields() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        PendingSync edit = new PendingSync(SyncOp.UPDATE, 5, 0, T0, Optional.empty(), Optional.of("intruder"),
                Optional.of(T0.plus(HOUR)), false);
        Mood after = store.change(m.id(), new MoodChange(Optional.of("edited"), Optional.empty(), edit));
        assertThat(after.pending().orElseThrow().leaseOwner()).isEmpty();
        assertThat(store.claimDue(claim("w", T0.plusSeconds(1), Optional.empty(), 10))).hasSize(1);
    }

    @Test
    void tryLeaseTakesWorkThatIsNotDueYet() {
        Mood m = posted(ALICE, 100);
        store.insert(m);
        Optional<Mood> leased = store.tryLease(m.id(), "w1", T0, T0.plus(SHORT_LEASE));
        assertThat(leased).isPresent();
        PendingSync p = leased.get().pending().orElseThrow();
        assertThat(p.leaseOwner()).contains("w1");
        assertThat(p.leaseUntil()).isPresent();
        assertThat(p.token()).isEqualTo(m.pending().orElseThrow().token());
        assertThat(get(m.id())).isEqualTo(leased.get());
        assertThat(store.claimDue(claim("w2", T0.plusSeconds(101), Optional.empty(), 10))).isEmpty();
        passStoreTime(PAST_SHORT_LEASE);
        assertThat(store.claimDue(claim("w2", T0.plusSeconds(101), Optional.empty(), 10))).hasSize(1);
    }

    @Test
    void tryLeaseFailsWhileAnotherWriterHoldsTheLeaseAndSucceedsForTheHolder() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        Instant first = store.tryLease(m.id(), "w1", T0, T0.plus(SHORT_LEASE)).orElseThrow().pending().orElseThrow()
                .leaseUntil().orElseThrow();
        // w2's clock runs an hour ahead: the store's clock still says w1's lease is live
        assertThat(store.tryLease(m.id(), "w2", T0.plus(HOUR), T0.plus(HOUR).plus(SHORT_LEASE))).isEmpty();
        assertThat(get(m.id()).pending().orElseThrow().leaseOwner()).contains("w1");

        Optional<Mood> renewed = store.tryLease(m.id(), "w1", T0.plusSeconds(30), T0.plusSeconds(30).plus(SHORT_LEASE));
        assertThat(renewed).isPresent();
        assertThat(renewed.get().pending().orElseThrow().leaseUntil().orElseThrow()).isAfterOrEqualTo(first);

        passStoreTime(PAST_SHORT_LEASE);
        Optional<Mood> taken = store.tryLease(m.id(), "w2", T0.plusSeconds(31), T0.plusSeconds(90));
        assertThat(taken).isPresent();
        assertThat(taken.get().pending().orElseThrow().leaseOwner()).contains("w2");
    }

    @Test
    void tryLeaseFailsWithoutMarkerOrOnParkedWork() {
        Mood synced = synced(ALICE, 0, rkey());
        Mood parked = posted(ALICE, 1);
        store.insert(synced);
        store.insert(parked);
        store.reschedule(parked.id(), parked.pending().orElseThrow().token(), "w", 5, T0, "gave up", true);
        assertThat(store.tryLease(synced.id(), "w", T0, T0.plusSeconds(60))).isEmpty();
        assertThat(store.tryLease(parked.id(), "w", T0, T0.plusSeconds(60))).isEmpty();
        assertThat(store.tryLease(id(2), "w", T0, T0.plusSeconds(60))).isEmpty();
        assertThat(store.find(synced.id())).contains(synced);
        assertThat(get(parked.id()).pending().orElseThrow().leaseOwner()).isEmpty();
    }

    @Test
    void completeSyncWithAnOldTokenReleasesTheOwnersLeaseOnTheNewerMarker() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        long oldToken = m.pending().orElseThrow().token();
        Instant now = T0.plusSeconds(1);
        assertThat(store.claimDue(claim("w1", now, Optional.empty(), 1))).hasSize(1);
        store.change(m.id(), new MoodChange(Optional.of("edited"), Optional.empty(),
                pendingAt(SyncOp.UPDATE, now)));
        assertThat(store.claimDue(claim("w2", now, Optional.empty(), 10))).isEmpty();

        assertThat(store.completeSync(m.id(), oldToken, "w1", Optional.of(rkey()))).isFalse();
        assertThat(get(m.id()).pending().orElseThrow().leaseOwner()).isEmpty();
        assertThat(store.claimDue(claim("w2", now, Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(m.id());
    }

    @Test
    void completeSyncWithAnOldTokenLeavesAnotherWritersLeaseAlone() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        long oldToken = m.pending().orElseThrow().token();
        store.setPending(m.id(), pendingAt(SyncOp.UPDATE, T0));
        assertThat(store.tryLease(m.id(), "w2", T0, T0.plusSeconds(60))).isPresent();

        assertThat(store.completeSync(m.id(), oldToken, "w1", Optional.empty())).isFalse();
        assertThat(get(m.id()).pending().orElseThrow().leaseOwner()).contains("w2");
    }

    @Test
    void rescheduleWithAnOldTokenOnlyReleasesTheOwnersLease() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        long oldToken = m.pending().orElseThrow().token();
        assertThat(store.tryLease(m.id(), "w1", T0, T0.plusSeconds(60))).isPresent();
        PendingSync newer = pendingAt(SyncOp.DELETE, T0.plusSeconds(5));
        store.change(m.id(), new MoodChange(Optional.empty(), Optional.of(true), newer));

        assertThat(store.reschedule(m.id(), oldToken, "w2", 3, T0.plusSeconds(99), "late", true)).isFalse();
        assertThat(get(m.id()).pending().orElseThrow().leaseOwner()).contains("w1");

        assertThat(store.reschedule(m.id(), oldToken, "w1", 3, T0.plusSeconds(99), "late", true)).isFalse();
        PendingSync p = get(m.id()).pending().orElseThrow();
        assertThat(p).isEqualTo(newer);
    }

    @Test
    void setPendingOfUnknownMoodIsNoSuchMood() {
        assertThatThrownBy(() -> store.setPending(id(1), pendingAt(SyncOp.UPDATE, T0)))
                .isInstanceOf(NoSuchMoodException.class);
    }

    // ---- claimDue ------------------------------------------------------------------------------------------------

    @Test
    void claimDueTakesTheOldestDueFirstAndLeasesIt() {
        Mood a = posted(ALICE, 30);
        Mood b = posted(ALICE, 10);
        Mood c = posted(ALICE, 20);
        Mood notYet = posted(ALICE, 100);
        for (Mood m : List.of(a, b, c, notYet)) {
            store.insert(m);
        }
        Instant now = T0.plusSeconds(50);
        List<Mood> claimed = store.claimDue(new Claim("worker-1", now, Duration.ofMinutes(5), Optional.empty(), 10));

        assertThat(claimed).extracting(Mood::id).containsExactly(b.id(), c.id(), a.id());
        for (Mood m : claimed) {
            PendingSync p = m.pending().orElseThrow();
            assertThat(p.leaseOwner()).contains("worker-1");
            assertThat(p.leaseUntil()).isPresent();
            assertThat(get(m.id())).isEqualTo(m);
        }
        assertThat(claimed.get(0).pending().orElseThrow().token()).isEqualTo(b.pending().orElseThrow().token());
    }

    @Test
    void claimDueRespectsMax() {
        List<Mood> moods = IntStream.range(0, 5).mapToObj(i -> posted(ALICE, i)).toList();
        moods.forEach(store::insert);
        Instant now = T0.plusSeconds(10);
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(moods.get(0).id(), moods.get(1).id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(moods.get(2).id(), moods.get(3).id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(moods.get(4).id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).isEmpty();
    }

    @Test
    void claimDueTakesOneUserPerClaimDecidedByTheOldestDue() {
        Mood bob1 = posted(BOB, 1);
        Mood alice2 = posted(ALICE, 2);
        Mood bob3 = posted(BOB, 3);
        Mood alice4 = posted(ALICE, 4);
        for (Mood m : List.of(alice2, bob3, alice4, bob1)) {
            store.insert(m);
        }
        Instant now = T0.plusSeconds(10);
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(bob1.id(), bob3.id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(alice2.id(), alice4.id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 10))).isEmpty();
    }

    @Test
    void claimDueFillsTheBatchWithTheUsersLaterWorkPastOtherUsers() {
        Mood bob1 = posted(BOB, 1);
        Mood alice2 = posted(ALICE, 2);
        Mood carol3 = posted(CAROL, 3);
        Mood bob4 = posted(BOB, 4);
        Mood bob5 = posted(BOB, 5);
        for (Mood m : List.of(bob5, carol3, bob1, alice2, bob4)) {
            store.insert(m);
        }
        Instant now = T0.plusSeconds(10);
        // the oldest due work decides the user; the batch is that user's oldest, whatever lies between them
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(bob1.id(), bob4.id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(alice2.id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(carol3.id());
        assertThat(store.claimDue(claim("w", now, Optional.empty(), 2))).extracting(Mood::id)
                .containsExactly(bob5.id());
    }

    @Test
    void claimDueForAUserTakesOnlyThatUsersWork() {
        Mood bob = posted(BOB, 1);
        Mood alice = posted(ALICE, 2);
        store.insert(bob);
        store.insert(alice);
        assertThat(store.claimDue(claim("w", T0.plusSeconds(10), Optional.of(ALICE), 10))).extracting(Mood::id)
                .containsExactly(alice.id());
        assertThat(store.claimDue(claim("w", T0.plusSeconds(10), Optional.of(CAROL), 10))).isEmpty();
        assertThat(get(bob.id()).pending().orElseThrow().leaseOwner()).isEmpty();
    }

    @Test
    void claimDueTakesWorkDueExactlyNowButNotLater() {
        Mood m = posted(ALICE, 10);
        store.insert(m);
        assertThat(store.claimDue(claim("w", m.pending().orElseThrow().nextAttemptAt().minusMillis(1),
                Optional.empty(), 10))).isEmpty();
        assertThat(store.claimDue(claim("w", m.pending().orElseThrow().nextAttemptAt(), Optional.empty(), 10)))
                .hasSize(1);
    }

    @Test
    void claimDueSkipsWorkUnderALiveLeaseAndReclaimsAnExpiredOne() {
        Mood m = posted(ALICE, 0);
        store.insert(m);
        Instant now = T0.plusSeconds(1);
        Duration lease = Duration.ofMinutes(5);
        assertThat(store.claimDue(new Claim("w1", now, SHORT_LEASE, Optional.empty(), 10))).hasSize(1);
        assertThat(store.claimDue(new Claim("w2", now, lease, Optional.empty(), 10))).isEmpty();
        assertThat(store.claimDue(new Claim("w2", now, lease, Optional.of(ALICE), 10))).isEmpty();

        passStoreTime(PAST_SHORT_LEASE);
        Instant expired = now.plusSeconds(1);
        List<Mood> again = store.claimDue(new Claim("w2", expired, lease, Optional.empty(), 10));
        assertThat(again).extracting(Mood::id).containsExactly(m.id());
        assertThat(again.get(0).pending().orElseThrow().leaseOwner()).contains("w2");
        assertThat(get(m.id()).pending().orElseThrow().leaseOwner()).contains("w2");
    }

    @Test
    void aLeaseIsJudgedByTheStoresClockNotByTheClaimersOwn() {
        Mood a = posted(ALICE, 0);
        Mood b = posted(BOB, 1);
        store.insert(a);
        store.insert(b);
        assertThat(store.claimDue(claim("w1", T0.plusSeconds(1), Optional.of(ALICE), 10))).hasSize(1);
        // Workers whose clocks run hours ahead (issue 11, schedule 3) think w1's lease ran out; the store does not.
        Instant ahead = T0.plus(Duration.ofHours(3));
        assertThat(store.claimDue(claim("w2", ahead, Optional.of(ALICE), 10))).isEmpty();
        assertThat(store.claimDue(claim("w2", ahead, Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(b.id());
        assertThat(store.tryLease(a.id(), "w2", ahead, ahead.plus(HOUR))).isEmpty();
        store.reschedule(b.id(), b.pending().orElseThrow().token(), "w2", 1, T0.plusSeconds(1), "again", false);
        // Workers with the right time still see Alice's lease live.
        assertThat(store.claimDue(claim("w3", T0.plusSeconds(2), Optional.of(ALICE), 10))).isEmpty();
        assertThat(store.claimDue(claim("w3", T0.plusSeconds(2), Optional.empty(), 10))).extracting(Mood::id)
                .containsExactly(b.id());
        assertThat(get(a.id()).pending().orElseThrow().leaseOwner()).contains("w1");
    }

    @Test
    void claimDueIgnoresMoodsWithoutMarker() {
        store.insert(synced(ALICE, 0, rkey()));
        assertThat(store.claimDue(claim("w", T0.plusSeconds(10), Optional.empty(), 10))).isEmpty();
    }

    @Test
    void concurrentClaimsNeverHandOutTheSameMoodTwice() throws Exception {
        List<UserId> users = List.of(ALICE, BOB, CAROL, new UserId("auth0|dave"), new UserId("auth0|erin"));
        Set<MoodId> all = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Mood m = posted(users.get(i % users.size()), i % 37);
            store.insert(m);
            all.add(m.id());
        }
        Instant now = T0.plusSeconds(100);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<Mood>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String owner = "worker-" + t;
                Callable<List<Mood>> task = () -> {
                    start.await();
                    List<Mood> mine = new ArrayList<>();
                    while (true) {
                        List<Mood> got = store.claimDue(claim(owner, now, Optional.empty(), 10));
                        if (got.isEmpty()) {
                            return mine;
                        }
                        assertThat(got.stream().map(Mood::user).distinct()).hasSize(1);
                        assertThat(got).allSatisfy(m ->
                                assertThat(m.pending().orElseThrow().leaseOwner()).contains(owner));
                        mine.addAll(got);
                    }
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<MoodId> claimed = new ArrayList<>();
            for (Future<List<Mood>> f : futures) {
                f.get(60, TimeUnit.SECONDS).forEach(m -> claimed.add(m.id()));
            }
            assertThat(claimed).doesNotHaveDuplicates();
            assertThat(new HashSet<>(claimed)).isEqualTo(all);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- links ---------------------------------------------------------------------------------------------------

    @Test
    void setLinkSetsAndRemovesTheLinkLeavingTheMarkerAlone() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        RecordKey k = rkey();
        store.setLink(m.id(), Optional.of(k));
        assertThat(store.find(m.id())).contains(m.withRkey(Optional.of(k)));
        assertThat(store.findByRkey(ALICE, k)).map(Mood::id).contains(m.id());

        store.setLink(m.id(), Optional.empty());
        assertThat(store.find(m.id())).contains(m);
        assertThat(store.findByRkey(ALICE, k)).isEmpty();
    }

    @Test
    void setLinkToTheSameRkeyAgainIsFine() {
        RecordKey k = rkey();
        Mood m = synced(ALICE, 1, k);
        store.insert(m);
        store.setLink(m.id(), Optional.of(k));
        assertThat(store.find(m.id())).contains(m);
    }

    @Test
    void setLinkToAnRkeyOfAnotherMoodIsConflict() {
        RecordKey k = rkey();
        Mood holder = synced(ALICE, 1, k);
        Mood other = posted(ALICE, 2);
        store.insert(holder);
        store.insert(other);
        assertThatThrownBy(() -> store.setLink(other.id(), Optional.of(k)))
                .isInstanceOf(StoreConflictException.class);
        assertThat(store.find(other.id())).contains(other);
        assertThat(store.findByRkey(ALICE, k)).contains(holder);
    }

    @Test
    void anUnlinkedRkeyCanBeLinkedAgain() {
        RecordKey k = rkey();
        Mood first = synced(ALICE, 1, k);
        Mood second = posted(ALICE, 2);
        store.insert(first);
        store.insert(second);
        store.setLink(first.id(), Optional.empty());
        store.setLink(second.id(), Optional.of(k));
        assertThat(store.findByRkey(ALICE, k)).map(Mood::id).contains(second.id());
    }

    @Test
    void setLinkOfUnknownMoodIsNoSuchMood() {
        assertThatThrownBy(() -> store.setLink(id(1), Optional.of(rkey()))).isInstanceOf(NoSuchMoodException.class);
    }

    // ---- erasure -------------------------------------------------------------------------------------------------

    @Test
    void deleteAllOfRemovesEveryMoodOfTheUserAndLeavesOthersAlone() {
        RecordKey aliceKey = rkey();
        store.insert(posted(ALICE, 1));
        store.insert(synced(ALICE, 2, aliceKey));
        store.insert(new Mood(id(3), ALICE, "gone", T0, true, Optional.empty(), Optional.empty()));
        Mood bobs = posted(BOB, 4);
        store.insert(bobs);

        assertThat(store.deleteAllOf(ALICE)).isEqualTo(3);
        assertThat(list(store.listByUser(ALICE))).isEmpty();
        assertThat(list(store.listPending(Optional.of(ALICE)))).isEmpty();
        assertThat(list(store.listUsers())).containsExactly(BOB);
        assertThat(store.findByRkey(ALICE, aliceKey)).isEmpty();
        assertThat(list(store.listByUser(BOB))).containsExactly(bobs);
        assertThat(store.deleteAllOf(ALICE)).isZero();

        Mood relinked = synced(BOB, 5, aliceKey);
        store.insert(relinked);
        assertThat(store.findByRkey(BOB, aliceKey)).contains(relinked);
    }

    @Test
    void listsAreConsistentWithTheLatestWrites() {
        Mood m = posted(ALICE, 1);
        store.insert(m);
        store.completeSync(m.id(), m.pending().orElseThrow().token(), "w", Optional.of(rkey()));
        assertThat(list(store.listPending(Optional.empty()))).isEmpty();
        Set<MoodId> listed = list(store.listByUser(ALICE)).stream().map(Mood::id).collect(Collectors.toSet());
        assertThat(listed).containsExactly(m.id());
    }

    // ---- applyIngested (live ingest) ----------------------------------------------------------------------------

    @Test
    void applyIngestedChangesAnUnchangedMoodWithoutAMarker() {
        Mood m = synced(ALICE, 1, RecordKey.parse("3l4ppbzw2qt2x"));
        store.insert(m);
        computer.aesthetic.moodsync.data.Cid edited = computer.aesthetic.moodsync.data.DagCbor.cidOf(java.util.Map.of("mood", "edited elsewhere"));
        assertThat(store.applyIngested(m.id(), m.text(), false, "edited elsewhere", false, Optional.of(edited)))
                .isTrue();
        Mood after = store.find(m.id()).orElseThrow();
        assertThat(after.recordCid()).contains(edited);
        assertThat(after.text()).isEqualTo("edited elsewhere");
        assertThat(after.pending()).isEmpty();
        assertThat(after.rkey()).isEqualTo(m.rkey());
        assertThat(store.applyIngested(m.id(), "edited elsewhere", false, "edited elsewhere", true, Optional.empty()))
                .isTrue();
        assertThat(store.find(m.id()).orElseThrow().deleted()).isTrue();
        assertThat(store.find(m.id()).orElseThrow().pending()).isEmpty();
        assertThat(store.find(m.id()).orElseThrow().recordCid()).as("the record is gone").isEmpty();
    }

    @Test
    void applyIngestedRefusesAMoodThatChangedOrHasAMarker() {
        Mood m = synced(ALICE, 1, RecordKey.parse("3l4ppbzw2qt2x"));
        store.insert(m);
        assertThat(store.applyIngested(m.id(), "not what was read", false, "x", false, Optional.empty()))
                .isFalse();
        assertThat(store.applyIngested(m.id(), m.text(), true, "x", false, Optional.empty())).isFalse();
        assertThat(store.find(m.id())).contains(m);
        Mood p = posted(ALICE, 2);
        store.insert(p);
        assertThat(store.applyIngested(p.id(), p.text(), false, "x", false, Optional.empty()))
                .as("a write is pending").isFalse();
        assertThat(store.find(p.id()).orElseThrow().text()).isEqualTo(p.text());
        assertThat(store.applyIngested(id(3), "a", false, "b", false, Optional.empty())).as("no such mood").isFalse();
    }

    // ---- erasure fence -------------------------------------------------------------------------------------------

    @Test
    void fenceUserCancelsFreeMarkersReportsLiveLeasesAndKeepsItsFirstTime() {
        Mood free = posted(ALICE, 1);
        Mood leased = posted(ALICE, 2);
        Mood bobs = posted(BOB, 3);
        store.insert(free);
        store.insert(leased);
        store.insert(bobs);
        Instant now = T0.truncatedTo(ChronoUnit.MILLIS).plusSeconds(10);
        Mood writing = store.tryLease(leased.id(), "writer", now, now.plusSeconds(60)).orElseThrow();
        assertThat(store.fencedSince(ALICE)).isEmpty();

        assertThat(store.fenceUser(ALICE, now)).isEqualTo(writing.pending().orElseThrow().leaseUntil());
        // an eraser whose clock runs ahead does not cancel the live lease either
        assertThat(store.fenceUser(ALICE, now.plus(HOUR))).isPresent();
        assertThat(store.fencedSince(ALICE)).contains(now);
        assertThat(store.fencedSince(BOB)).isEmpty();
        assertThat(store.find(free.id()).orElseThrow().pending()).isEmpty();
        assertThat(store.find(leased.id()).orElseThrow().pending()).isPresent();
        assertThat(store.find(bobs.id()).orElseThrow().pending()).isPresent();
        assertThat(store.claimDue(claim("worker", now.plusSeconds(1), Optional.of(ALICE), 10))).isEmpty();

        // The writer reports back and fails: its marker becomes due again, and the next fence cancels it.
        store.reschedule(leased.id(), writing.pending().orElseThrow().token(), "writer", 1, now, "boom", false);
        assertThat(store.fenceUser(ALICE, now.plusSeconds(2))).isEmpty();
        assertThat(store.find(leased.id()).orElseThrow().pending()).isEmpty();
        assertThat(store.fencedSince(ALICE)).contains(now);

        // The tombstone outlives the moods, until it is lifted.
        store.deleteAllOf(ALICE);
        assertThat(store.fencedSince(ALICE)).contains(now);
        assertThat(store.unfenceUser(ALICE)).isTrue();
        assertThat(store.fencedSince(ALICE)).isEmpty();
        assertThat(store.unfenceUser(ALICE)).isFalse();
    }

    // ---- what gates a user's writes: tombstone and hold, read at once --------------------------------------------

    @Test
    void userStateReadsTheFenceAndTheHoldTogetherAndEachIsLiftedAlone() {
        Instant t = T0.truncatedTo(ChronoUnit.MILLIS);
        AccountHold deactivated = new AccountHold("deactivated", t);
        assertThat(store.userState(ALICE)).isEqualTo(UserState.CLEAR);
        assertThat(store.holdAccount(ALICE, "takendown", t)).as("not held before").isTrue();
        assertThat(store.holdAccount(ALICE, "deactivated", t.plusSeconds(5))).as("held before").isFalse();
        assertThat(store.accountHold(ALICE)).as("the status follows, the first time stays").contains(deactivated);
        assertThat(store.fenceUser(ALICE, t.plusSeconds(1))).isEmpty();
        assertThat(store.userState(ALICE))
                .isEqualTo(new UserState(Optional.of(t.plusSeconds(1)), Optional.of(deactivated)));
        assertThat(store.userState(BOB)).isEqualTo(UserState.CLEAR);

        assertThat(store.releaseAccount(ALICE)).isTrue();
        assertThat(store.userState(ALICE)).as("the tombstone outlives the hold")
                .isEqualTo(new UserState(Optional.of(t.plusSeconds(1)), Optional.empty()));
        assertThat(store.releaseAccount(ALICE)).isFalse();
        assertThat(store.holdAccount(ALICE, "suspended", t.plusSeconds(2))).as("a hold beside a tombstone").isTrue();
        assertThat(store.unfenceUser(ALICE)).isTrue();
        assertThat(store.userState(ALICE)).as("the hold outlives the tombstone")
                .isEqualTo(new UserState(Optional.empty(), Optional.of(new AccountHold("suspended", t.plusSeconds(2)))));
        assertThat(store.unfenceUser(ALICE)).isFalse();
        assertThat(store.fenceUser(ALICE, t.plusSeconds(3))).as("a tombstone beside a hold").isEmpty();
        assertThat(store.fencedSince(ALICE)).contains(t.plusSeconds(3));
        assertThat(store.accountHold(ALICE)).isPresent();
        assertThat(store.releaseAccount(ALICE)).isTrue();
        assertThat(store.unfenceUser(ALICE)).isTrue();
        assertThat(store.userState(ALICE)).isEqualTo(UserState.CLEAR);
    }

    @Test
    void makeDueMakesTheUsersFreeUnparkedMarkersDueNowAndLeavesTheRest() {
        Instant now = T0.truncatedTo(ChronoUnit.MILLIS).plusSeconds(100);
        Instant later = now.plus(HOUR);
        Mood held = posted(ALICE, 1);
        Mood writing = posted(ALICE, 2);
        Mood parked = posted(ALICE, 3);
        Mood bobs = posted(BOB, 4);
        for (Mood m : List.of(held, writing, parked, bobs)) {
            store.insert(m);
            store.setPending(m.id(), pendingAt(SyncOp.CREATE, later));
        }
        store.insert(synced(ALICE, 5, RecordKey.parse("3kabcdefghij5")));
        PendingSync heldMarker = store.find(held.id()).orElseThrow().pending().orElseThrow();
        Mood leased = store.tryLease(writing.id(), "writer", now, now.plusSeconds(600)).orElseThrow();
        PendingSync p = store.find(parked.id()).orElseThrow().pending().orElseThrow();
        store.reschedule(parked.id(), p.token(), "nobody", 7, later, "given up", true);

        assertThat(store.makeDue(ALICE, "resumer", now)).isEqualTo(1);

        PendingSync due = store.find(held.id()).orElseThrow().pending().orElseThrow();
        assertThat(due.nextAttemptAt()).isEqualTo(now);
        assertThat(due.token()).isEqualTo(heldMarker.token());
        assertThat(due.attempts()).isEqualTo(heldMarker.attempts());
        assertThat(due.isLeased(now)).isFalse();
        assertThat(store.find(writing.id()).orElseThrow().pending()).as("a writer's marker is left to it")
                .isEqualTo(leased.pending());
        assertThat(store.find(parked.id()).orElseThrow().pending().orElseThrow().failed()).isTrue();
        assertThat(store.find(bobs.id()).orElseThrow().pending().orElseThrow().nextAttemptAt()).isEqualTo(later);
        assertThat(store.claimDue(claim("worker", now, Optional.of(ALICE), 10))).extracting(Mood::id)
                .containsExactly(held.id());
    }

    /**
     * Whether the store under test takes several users' work in one claim ({@link Claim#maxUsers}); a store that
     * always answers with one user's work is valid too, and overrides this to return false.
     *
     * @return true (the default) to hold the store to the multi-user claim tests
     */
    protected boolean claimsManyUsers() {
        return true;
    }

    @Test
    void aClaimOfManyUsersTakesAllTheDueWorkOfTheUsersWithTheOldest() {
        org.junit.jupiter.api.Assumptions.assumeTrue(claimsManyUsers(), "the store claims one user at a time");
        Mood a1 = posted(ALICE, 1);
        Mood b2 = posted(BOB, 2);
        Mood c3 = posted(CAROL, 3);
        Mood a4 = posted(ALICE, 4);
        for (Mood m : List.of(a1, b2, c3, a4)) {
            store.insert(m);
        }
        Instant now = T0.plusSeconds(100);
        // alice and bob have the oldest work: all of theirs is due, carol's is not taken
        assertThat(store.claimDue(new Claim("w1", now, HOUR, Optional.empty(), 3, 2))).extracting(Mood::id)
                .containsExactly(a1.id(), b2.id(), a4.id());
        assertThat(store.claimDue(new Claim("w2", now, HOUR, Optional.empty(), 3, 2))).extracting(Mood::id)
                .containsExactly(c3.id());
    }

    @Test
    void aClaimOfManyUsersTakesTheOldestDueWorkOfUpToThatManyUsers() {
        org.junit.jupiter.api.Assumptions.assumeTrue(claimsManyUsers(), "the store claims one user at a time");
        Mood a1 = posted(ALICE, 1);
        Mood b2 = posted(BOB, 2);
        Mood c3 = posted(CAROL, 3);
        Mood a4 = posted(ALICE, 4);
        Mood b5 = posted(BOB, 5);
        for (Mood m : List.of(a1, b2, c3, a4, b5)) {
            store.insert(m);
        }
        Instant now = T0.plusSeconds(100);
        assertThat(store.claimDue(new Claim("w1", now, HOUR, Optional.empty(), 3, 3))).as("max still bounds")
                .extracting(Mood::id).containsExactlyInAnyOrder(a1.id(), b2.id(), c3.id());
        List<Mood> claimed = store.claimDue(new Claim("w2", now, HOUR, Optional.empty(), 10, 2));
        assertThat(claimed).extracting(Mood::id).containsExactlyInAnyOrder(a4.id(), b5.id());
        assertThat(claimed).allSatisfy(m -> assertThat(m.pending().orElseThrow().leaseOwner()).contains("w2"));
        assertThat(store.claimDue(new Claim("w3", now, HOUR, Optional.empty(), 10, 5))).isEmpty();
    }

    @Test
    void aClaimOfManyUsersLeavesTheUsersBeyondItsLimit() {
        Mood a1 = posted(ALICE, 1);
        Mood b2 = posted(BOB, 2);
        Mood c3 = posted(CAROL, 3);
        Mood a4 = posted(ALICE, 4);
        for (Mood m : List.of(a1, b2, c3, a4)) {
            store.insert(m);
        }
        Instant now = T0.plusSeconds(100);
        List<Mood> first = store.claimDue(new Claim("w1", now, HOUR, Optional.empty(), 10, 2));
        // a store may answer with fewer users (one user's work is always valid), never with more
        assertThat(first).extracting(Mood::user).doesNotContain(CAROL);
        assertThat(first).extracting(Mood::id).contains(a1.id());
        assertThat(new java.util.HashSet<>(first.stream().map(Mood::user).toList())).hasSizeLessThanOrEqualTo(2);
        List<Mood> rest = store.claimDue(new Claim("w2", now, HOUR, Optional.empty(), 10, 2));
        List<MoodId> all = new ArrayList<>();
        first.forEach(m -> all.add(m.id()));
        rest.forEach(m -> all.add(m.id()));
        store.claimDue(new Claim("w3", now, HOUR, Optional.empty(), 10, 2)).forEach(m -> all.add(m.id()));
        assertThat(all).containsExactlyInAnyOrder(a1.id(), b2.id(), c3.id(), a4.id());
    }

    @Test
    void aClaimNeedsAtLeastOneUserAndAClaimOfOneUserIsOneUsers() {
        assertThatThrownBy(() -> new Claim("w", T0, HOUR, Optional.empty(), 10, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new Claim("w", T0, HOUR, Optional.of(ALICE), 10, 5).maxUsers()).isEqualTo(1);
        assertThat(new Claim("w", T0, HOUR, Optional.empty(), 10).maxUsers()).isEqualTo(1);
    }
}
