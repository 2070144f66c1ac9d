package computer.aesthetic.moodsync.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.AtUri;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.TidClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link AtprotoRepo}, as its Javadoc states it. Every implementation subclasses this class: the
 * in-memory fake, and the XRPC client against the reference PDS.
 *
 * <p>The tests may share one real account: each writes only to fresh record keys (TIDs from one
 * {@link TidClock}) of {@code computer.aesthetic.mood}, or to a fresh collection of its own under
 * {@code computer.aesthetic.moodsynctest}, and deletes what it wrote afterwards (see {@link #cleanUpAfterEach()}).
 * The CIDs the implementation reports are compared with {@link DagCbor#cidOf}: on a real PDS this checks our
 * encoding against the PDS's. A run writes about 750 records and deletes them again, roughly 3000 points of the
 * reference PDS's hourly write budget of 5000: run it against a PDS with rate limits off, or a fresh account.
 *
 * <p>Published in the core test-jar. Subclasses may add their own tests.
 */
public abstract class AtprotoRepoContract {
    /** The mood collection. */
    protected static final Nsid MOODS = Nsid.parse("computer.aesthetic.mood");
    /** The prefix of the fresh collections tests make for listings. */
    protected static final String TEST_COLLECTION_PREFIX = "computer.aesthetic.moodsynctest.";

    private static final TidClock TIDS = TidClock.create();

    private final Set<RecordKey> moodKeys = new LinkedHashSet<>();
    private final Set<Nsid> collections = new LinkedHashSet<>();

    /**
     * Returns the implementation under test; the same instance for the whole of one test.
     *
     * @return the repository client
     */
    protected abstract AtprotoRepo repo();

    /**
     * Returns the repository the tests may write to; the same for the whole of one test.
     *
     * @return the DID
     */
    protected abstract Did did();

    /**
     * Tells whether to delete, after each test, what it wrote. Default: true.
     *
     * @return true to clean up
     */
    protected boolean cleanUpAfterEach() {
        return true;
    }

    @AfterEach
    void deleteWhatTheTestWrote() {
        if (!cleanUpAfterEach()) {
            return;
        }
        for (RecordKey k : moodKeys) {
            repo().deleteRecord(did(), MOODS, k, SwapRecord.any());
        }
        for (Nsid c : collections) {
            List<RepoWrite> deletes;
            try (Stream<RepoRecord> all = repo().listAll(did(), c)) {
                deletes = all.map(r -> (RepoWrite) new RepoWrite.Delete(c, r.rkey())).toList();
            }
            if (!deletes.isEmpty()) {
                repo().applyWrites(did(), deletes);
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /**
     * Returns a record key of {@code computer.aesthetic.mood} that no test has used, and remembers it for cleanup.
     *
     * @return a fresh TID record key
     */
    protected final RecordKey freshMoodKey() {
        RecordKey k = TIDS.next().toRecordKey();
        moodKeys.add(k);
        return k;
    }

    /**
     * Returns a record key for a fresh collection (cleaned up with the collection).
     *
     * @return a fresh TID record key
     */
    protected static RecordKey freshKey() {
        return TIDS.next().toRecordKey();
    }

    /**
     * Returns a collection no test has used, and remembers it for cleanup.
     *
     * @return a fresh NSID under {@value #TEST_COLLECTION_PREFIX}
     */
    protected final Nsid freshCollection() {
        long n = ThreadLocalRandom.current().nextLong() >>> 1;
        Nsid c = Nsid.parse(TEST_COLLECTION_PREFIX + "t" + TIDS.next().value() + Long.toString(n, 36));
        collections.add(c);
        return c;
    }

    /**
     * Makes a mood record as the codec writes it: {@code $type}, {@code mood}, {@code when} and {@code ref}.
     *
     * @param text the mood's text
     * @return a mutable, ordered record value
     */
    protected static Map<String, Object> moodRecord(String text) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", MOODS.value());
        v.put("mood", text);
        v.put("when", AtDatetime.of(Instant.now()).value());
        v.put("ref", MoodId.generate().value());
        return v;
    }

    /**
     * Makes a small record of a collection.
     *
     * @param collection the collection (its {@code $type})
     * @param n a number to tell records apart
     * @return a mutable, ordered record value
     */
    protected static Map<String, Object> record(Nsid collection, long n) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", collection.value());
        v.put("n", n);
        return v;
    }

    private AtUri uri(Nsid collection, RecordKey rkey) {
        return AtUri.of(did(), collection, rkey);
    }

    private RepoRecord get(Nsid collection, RecordKey rkey) {
        return repo().getRecord(did(), collection, rkey)
                .orElseThrow(() -> new AssertionError("record " + uri(collection, rkey) + " should exist"));
    }

    private List<RecordKey> create(Nsid collection, int count) {
        List<RepoWrite> writes = new ArrayList<>();
        List<RecordKey> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RecordKey k = freshKey();
            keys.add(k);
            writes.add(new RepoWrite.Create(collection, k, record(collection, i)));
        }
        repo().applyWrites(did(), writes);
        return keys;
    }

    private static List<RecordKey> reversed(List<RecordKey> keys) {
        List<RecordKey> r = new ArrayList<>(keys);
        java.util.Collections.reverse(r);
        return r;
    }

    private List<RecordKey> keysOf(RecordPage page) {
        return page.records().stream().map(RepoRecord::rkey).toList();
    }

    // ---- put and get ---------------------------------------------------------------------------------------------

    @Test
    void putThenGetRoundTripsTheValueAndItsCid() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("feeling contractual");
        WriteResult w = repo().putRecord(did(), MOODS, k, v, SwapRecord.any());

        Cid expected = DagCbor.cidOf(v);
        assertThat(w.uri()).isEqualTo(uri(MOODS, k));
        assertThat(w.cid()).contains(expected);
        assertThat(w.changed()).isTrue();

        RepoRecord r = get(MOODS, k);
        assertThat(r.uri()).isEqualTo(uri(MOODS, k));
        assertThat(r.rkey()).isEqualTo(k);
        assertThat(r.cid()).isEqualTo(expected);
        assertThat(r.value()).isEqualTo(v);
    }

    @Test
    void recordsReadBackAreImmutable() {
        RecordKey k = freshMoodKey();
        repo().putRecord(did(), MOODS, k, moodRecord("frozen"), SwapRecord.any());
        RepoRecord r = get(MOODS, k);
        assertThatThrownBy(() -> r.value().put("mood", "thawed")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theValuePassedInIsNotKeptByReference() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("original");
        repo().putRecord(did(), MOODS, k, v, SwapRecord.any());
        v.put("mood", "mutated afterwards");
        assertThat(get(MOODS, k).value().get("mood")).isEqualTo("original");
    }

    @Test
    void nestedValuesRoundTripWithTheirCid() {
        Nsid c = freshCollection();
        RecordKey k = freshKey();
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("zeta", List.of("a", "b"));
        inner.put("alpha", false);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", c.value());
        v.put("big", (1L << 53) - 1); // the largest integer a JavaScript PDS keeps exactly
        v.put("negative", -42L);
        v.put("yes", true);
        v.put("list", List.of(1L, "two", List.of(3L)));
        v.put("nested", inner);
        v.put("empty", "");
        WriteResult w = repo().putRecord(did(), c, k, v, SwapRecord.any());
        assertThat(w.cid()).contains(DagCbor.cidOf(v));
        RepoRecord r = get(c, k);
        assertThat(r.value()).isEqualTo(v);
        assertThat(r.cid()).isEqualTo(DagCbor.cidOf(v));
    }

    @Test
    void unicodeTextRoundTripsExactly() {
        String text = "naïve café 日本語 עברית e\u0301 🙂 👨‍👩‍👧 \"quoted\" back\\slash\nnew line\ttab $ & < > 𝄞";
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord(text);
        WriteResult w = repo().putRecord(did(), MOODS, k, v, SwapRecord.any());
        RepoRecord r = get(MOODS, k);
        assertThat(r.value().get("mood")).isEqualTo(text);
        assertThat(r.cid()).isEqualTo(DagCbor.cidOf(v)).isEqualTo(w.cid().orElseThrow());
    }

    @Test
    void aMoodOf5000Utf8BytesRoundTrips() {
        String text = "é".repeat(2000) + "🙂".repeat(250);
        assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(5000);
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord(text);
        WriteResult w = repo().putRecord(did(), MOODS, k, v, SwapRecord.any());
        assertThat(w.cid()).contains(DagCbor.cidOf(v));
        assertThat(get(MOODS, k).value()).isEqualTo(v);
    }

    @Test
    void getOfAMissingRecordIsEmpty() {
        assertThat(repo().getRecord(did(), MOODS, freshMoodKey())).isEmpty();
        assertThat(repo().getRecord(did(), freshCollection(), freshKey())).isEmpty();
    }

    @Test
    void putOfIdenticalContentChangesNothing() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("same again");
        WriteResult first = repo().putRecord(did(), MOODS, k, v, SwapRecord.any());
        WriteResult second = repo().putRecord(did(), MOODS, k, new LinkedHashMap<>(v), SwapRecord.any());
        assertThat(second.changed()).isFalse();
        assertThat(second.cid()).isEqualTo(first.cid());
        assertThat(second.uri()).isEqualTo(first.uri());
        assertThat(get(MOODS, k).cid()).isEqualTo(first.cid().orElseThrow());
    }

    @Test
    void putOfOtherContentReplacesTheRecord() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v1 = moodRecord("before");
        Map<String, Object> v2 = moodRecord("after");
        repo().putRecord(did(), MOODS, k, v1, SwapRecord.any());
        WriteResult w = repo().putRecord(did(), MOODS, k, v2, SwapRecord.any());
        assertThat(w.changed()).isTrue();
        assertThat(w.cid()).contains(DagCbor.cidOf(v2));
        assertThat(get(MOODS, k).value()).isEqualTo(v2);
    }

    @Test
    void putWhoseTypeIsNotTheCollectionIsRefused() {
        Nsid c = freshCollection();
        RecordKey k = freshKey();
        Map<String, Object> v = record(c, 1);
        v.put("$type", MOODS.value());
        Throwable t = catchThrowable(() -> repo().putRecord(did(), c, k, v, SwapRecord.any()));
        assertThat(t).isInstanceOfAny(PdsException.class, IllegalArgumentException.class);
        if (t instanceof PdsException e) {
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.isRetryable()).isFalse();
        }
        assertThat(repo().getRecord(did(), c, k)).isEmpty();
    }

    // ---- swaps ---------------------------------------------------------------------------------------------------

    @Test
    void putWithSwapAbsentCreatesAMissingRecord() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("new");
        WriteResult w = repo().putRecord(did(), MOODS, k, v, SwapRecord.absent());
        assertThat(w.changed()).isTrue();
        assertThat(get(MOODS, k).value()).isEqualTo(v);
    }

    @Test
    void putWithSwapAbsentOnAnExistingRecordIsSwapConflict() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v1 = moodRecord("first");
        repo().putRecord(did(), MOODS, k, v1, SwapRecord.any());
        assertThatThrownBy(() -> repo().putRecord(did(), MOODS, k, moodRecord("second"), SwapRecord.absent()))
                .isInstanceOf(SwapConflictException.class)
                .satisfies(e -> assertThat(((PdsException) e).isRetryable()).isFalse());
        assertThat(get(MOODS, k).value()).isEqualTo(v1);
    }

    @Test
    void putWithAWrongCidSwapIsSwapConflict() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v1 = moodRecord("first");
        repo().putRecord(did(), MOODS, k, v1, SwapRecord.any());
        Cid wrong = DagCbor.cidOf(moodRecord("something else"));
        assertThatThrownBy(() -> repo().putRecord(did(), MOODS, k, moodRecord("second"), SwapRecord.cid(wrong)))
                .isInstanceOf(SwapConflictException.class);
        assertThat(get(MOODS, k).value()).isEqualTo(v1);
    }

    @Test
    void putWithACidSwapOnAMissingRecordIsSwapConflict() {
        RecordKey k = freshMoodKey();
        Cid some = DagCbor.cidOf(moodRecord("never written"));
        assertThatThrownBy(() -> repo().putRecord(did(), MOODS, k, moodRecord("x"), SwapRecord.cid(some)))
                .isInstanceOf(SwapConflictException.class);
        assertThat(repo().getRecord(did(), MOODS, k)).isEmpty();
    }

    @Test
    void putWithTheRightCidSwapReplaces() {
        RecordKey k = freshMoodKey();
        WriteResult first = repo().putRecord(did(), MOODS, k, moodRecord("first"), SwapRecord.any());
        Map<String, Object> v2 = moodRecord("second");
        WriteResult second = repo().putRecord(did(), MOODS, k, v2, SwapRecord.cid(first.cid().orElseThrow()));
        assertThat(second.changed()).isTrue();
        assertThat(second.cid()).contains(DagCbor.cidOf(v2));
        assertThat(get(MOODS, k).value()).isEqualTo(v2);
    }

    // ---- createIfAbsent ------------------------------------------------------------------------------------------

    @Test
    void createIfAbsentCreatesOnceAndThenReturnsTheExistingRecordUntouched() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v1 = moodRecord("first");
        CreateResult created = repo().createIfAbsent(did(), MOODS, k, v1);
        assertThat(created.created()).isTrue();
        assertThat(created.existing()).isEmpty();
        assertThat(created.written().uri()).isEqualTo(uri(MOODS, k));
        assertThat(created.written().cid()).contains(DagCbor.cidOf(v1));

        CreateResult again = repo().createIfAbsent(did(), MOODS, k, moodRecord("second"));
        assertThat(again.created()).isFalse();
        RepoRecord existing = again.existing().orElseThrow();
        assertThat(existing.value()).isEqualTo(v1);
        assertThat(existing.cid()).isEqualTo(DagCbor.cidOf(v1));
        assertThat(again.written().cid()).contains(DagCbor.cidOf(v1));
        assertThat(again.written().changed()).isFalse();
        assertThat(get(MOODS, k).value()).isEqualTo(v1);
    }

    @Test
    void createIfAbsentOfIdenticalContentReportsTheExistingRecord() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("retried");
        assertThat(repo().createIfAbsent(did(), MOODS, k, v).created()).isTrue();
        CreateResult retry = repo().createIfAbsent(did(), MOODS, k, v);
        assertThat(retry.created()).isFalse();
        assertThat(retry.existing().orElseThrow().value()).isEqualTo(v);
        assertThat(retry.written().cid()).contains(DagCbor.cidOf(v));
    }

    // ---- delete --------------------------------------------------------------------------------------------------

    @Test
    void deleteRemovesTheRecordAndIsIdempotent() {
        RecordKey k = freshMoodKey();
        repo().putRecord(did(), MOODS, k, moodRecord("doomed"), SwapRecord.any());
        repo().deleteRecord(did(), MOODS, k, SwapRecord.any());
        assertThat(repo().getRecord(did(), MOODS, k)).isEmpty();
        repo().deleteRecord(did(), MOODS, k, SwapRecord.any());
        repo().deleteRecord(did(), MOODS, freshMoodKey(), SwapRecord.any());
        assertThat(repo().getRecord(did(), MOODS, k)).isEmpty();
    }

    @Test
    void deleteWithAWrongCidSwapIsSwapConflictAndKeepsTheRecord() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("kept");
        repo().putRecord(did(), MOODS, k, v, SwapRecord.any());
        Cid wrong = DagCbor.cidOf(moodRecord("other"));
        assertThatThrownBy(() -> repo().deleteRecord(did(), MOODS, k, SwapRecord.cid(wrong)))
                .isInstanceOf(SwapConflictException.class);
        assertThat(get(MOODS, k).value()).isEqualTo(v);
    }

    @Test
    void deleteWithTheRightCidSwapDeletes() {
        RecordKey k = freshMoodKey();
        WriteResult w = repo().putRecord(did(), MOODS, k, moodRecord("doomed"), SwapRecord.any());
        repo().deleteRecord(did(), MOODS, k, SwapRecord.cid(w.cid().orElseThrow()));
        assertThat(repo().getRecord(did(), MOODS, k)).isEmpty();
    }

    // ---- listings ------------------------------------------------------------------------------------------------

    @Test
    void listRecordsIsNewestFirstByDefaultAndOldestFirstReversed() {
        Nsid c = freshCollection();
        List<RecordKey> keys = create(c, 5);
        RecordPage newest = repo().listRecords(did(), c, 10, Optional.empty(), false);
        assertThat(keysOf(newest)).containsExactlyElementsOf(reversed(keys));
        RecordPage oldest = repo().listRecords(did(), c, 10, Optional.empty(), true);
        assertThat(keysOf(oldest)).containsExactlyElementsOf(keys);
        RepoRecord first = oldest.records().get(0);
        assertThat(first.uri()).isEqualTo(uri(c, keys.get(0)));
        assertThat(first.value()).isEqualTo(record(c, 0));
        assertThat(first.cid()).isEqualTo(DagCbor.cidOf(record(c, 0)));
    }

    @Test
    void listRecordsOfAnEmptyCollectionIsOneEmptyPage() {
        RecordPage page = repo().listRecords(did(), freshCollection(), 10, Optional.empty(), false);
        assertThat(page.records()).isEmpty();
        assertThat(page.cursor()).isEmpty();
    }

    @Test
    void collectionsAreSeparate() {
        Nsid a = freshCollection();
        Nsid b = freshCollection();
        create(a, 2);
        assertThat(repo().listRecords(did(), b, 10, Optional.empty(), true).records()).isEmpty();
        try (Stream<RepoRecord> s = repo().listAll(did(), b)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void pagesOfTwoVisitEveryRecordOnceInBothOrders() {
        Nsid c = freshCollection();
        List<RecordKey> keys = create(c, 7);
        for (boolean reverse : new boolean[] {false, true}) {
            List<RecordKey> seen = new ArrayList<>();
            Optional<String> cursor = Optional.empty();
            int pages = 0;
            do {
                RecordPage page = repo().listRecords(did(), c, 2, cursor, reverse);
                assertThat(page.records()).hasSizeLessThanOrEqualTo(2);
                seen.addAll(keysOf(page));
                cursor = page.records().isEmpty() ? Optional.empty() : page.cursor();
                assertThat(++pages).as("pages").isLessThanOrEqualTo(10);
            } while (cursor.isPresent());
            assertThat(seen).containsExactlyElementsOf(reverse ? keys : reversed(keys));
        }
    }

    @Test
    void limitsOutsideOneToHundredAreClamped() {
        Nsid c = freshCollection();
        List<RecordKey> keys = create(c, 3);
        assertThat(keysOf(repo().listRecords(did(), c, 0, Optional.empty(), true))).containsExactly(keys.get(0));
        assertThat(keysOf(repo().listRecords(did(), c, -7, Optional.empty(), true))).containsExactly(keys.get(0));
        assertThat(keysOf(repo().listRecords(did(), c, 101, Optional.empty(), true))).containsExactlyElementsOf(keys);
        assertThat(keysOf(repo().listRecords(did(), c, Integer.MAX_VALUE, Optional.empty(), false)))
                .containsExactlyElementsOf(reversed(keys));
    }

    @Test
    void aPageHoldsAtMostOneHundredRecords() {
        Nsid c = freshCollection();
        List<RecordKey> keys = create(c, AtprotoRepo.MAX_PAGE + 1);
        RecordPage page = repo().listRecords(did(), c, 500, Optional.empty(), true);
        assertThat(keysOf(page)).containsExactlyElementsOf(keys.subList(0, AtprotoRepo.MAX_PAGE));
        assertThat(page.cursor()).isPresent();
    }

    @Test
    void listAllFollowsCursorsAcrossPagesOldestFirst() {
        Nsid c = freshCollection();
        List<RecordKey> keys = create(c, 230);
        List<RepoRecord> all;
        try (Stream<RepoRecord> s = repo().listAll(did(), c)) {
            all = s.toList();
        }
        assertThat(all).extracting(RepoRecord::rkey).containsExactlyElementsOf(keys);
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).value()).isEqualTo(record(c, i));
            assertThat(all.get(i).cid()).isEqualTo(DagCbor.cidOf(record(c, i)));
        }
    }

    // ---- applyWrites ---------------------------------------------------------------------------------------------

    @Test
    void applyWritesCreatesUpdatesAndDeletesInOneBatch() {
        Nsid c = freshCollection();
        RecordKey a = freshKey();
        RecordKey b = freshKey();
        RecordKey d = freshKey();
        repo().putRecord(did(), c, a, record(c, 1), SwapRecord.any());
        repo().putRecord(did(), c, b, record(c, 2), SwapRecord.any());

        List<WriteResult> results = repo().applyWrites(did(), List.of(
                new RepoWrite.Create(c, d, record(c, 3)),
                new RepoWrite.Update(c, a, record(c, 10)),
                new RepoWrite.Delete(c, b)));

        assertThat(results).hasSize(3);
        assertThat(results.get(0).uri()).isEqualTo(uri(c, d));
        assertThat(results.get(0).cid()).contains(DagCbor.cidOf(record(c, 3)));
        assertThat(results.get(1).uri()).isEqualTo(uri(c, a));
        assertThat(results.get(1).cid()).contains(DagCbor.cidOf(record(c, 10)));
        assertThat(results.get(2).uri()).isEqualTo(uri(c, b));
        assertThat(results.get(2).cid()).isEmpty();

        assertThat(get(c, d).value()).isEqualTo(record(c, 3));
        assertThat(get(c, a).value()).isEqualTo(record(c, 10));
        assertThat(repo().getRecord(did(), c, b)).isEmpty();
    }

    @Test
    void applyWritesWithACreateOfAnExistingRecordFailsAndAppliesNothing() {
        Nsid c = freshCollection();
        RecordKey existing = freshKey();
        repo().putRecord(did(), c, existing, record(c, 1), SwapRecord.any());
        RecordKey before = freshKey();
        RecordKey after = freshKey();
        RecordKey updated = freshKey();
        repo().putRecord(did(), c, updated, record(c, 2), SwapRecord.any());

        assertThatThrownBy(() -> repo().applyWrites(did(), List.of(
                new RepoWrite.Create(c, before, record(c, 3)),
                new RepoWrite.Update(c, updated, record(c, 4)),
                new RepoWrite.Create(c, existing, record(c, 5)),
                new RepoWrite.Create(c, after, record(c, 6)))))
                .isInstanceOf(PdsException.class);

        assertThat(repo().getRecord(did(), c, before)).isEmpty();
        assertThat(repo().getRecord(did(), c, after)).isEmpty();
        assertThat(get(c, existing).value()).isEqualTo(record(c, 1));
        assertThat(get(c, updated).value()).isEqualTo(record(c, 2));
    }

    @Test
    void applyWritesWithAnUpdateOfAMissingRecordFailsAndAppliesNothing() {
        Nsid c = freshCollection();
        RecordKey fresh = freshKey();
        assertThatThrownBy(() -> repo().applyWrites(did(), List.of(
                new RepoWrite.Create(c, fresh, record(c, 1)),
                new RepoWrite.Update(c, freshKey(), record(c, 2)))))
                .isInstanceOf(PdsException.class);
        assertThat(repo().getRecord(did(), c, fresh)).isEmpty();
    }

    @Test
    void applyWritesWithADeleteOfAMissingRecordFailsAndAppliesNothing() {
        Nsid c = freshCollection();
        RecordKey fresh = freshKey();
        assertThatThrownBy(() -> repo().applyWrites(did(), List.of(
                new RepoWrite.Create(c, fresh, record(c, 1)),
                new RepoWrite.Delete(c, freshKey()))))
                .isInstanceOf(PdsException.class);
        assertThat(repo().getRecord(did(), c, fresh)).isEmpty();
    }

    @Test
    void applyWritesOfExactlyTwoHundredWrites() {
        Nsid c = freshCollection();
        List<RecordKey> keys = create(c, AtprotoRepo.MAX_WRITES);
        try (Stream<RepoRecord> s = repo().listAll(did(), c)) {
            assertThat(s.map(RepoRecord::rkey)).containsExactlyElementsOf(keys);
        }
    }

    @Test
    void applyWritesOfMoreThanTwoHundredWritesSucceedsInOrder() {
        Nsid c = freshCollection();
        List<RepoWrite> writes = new ArrayList<>();
        List<RecordKey> keys = new ArrayList<>();
        for (int i = 0; i < AtprotoRepo.MAX_WRITES + 1; i++) {
            RecordKey k = freshKey();
            keys.add(k);
            writes.add(new RepoWrite.Create(c, k, record(c, i)));
        }
        List<WriteResult> results = repo().applyWrites(did(), writes);
        assertThat(results).hasSize(AtprotoRepo.MAX_WRITES + 1);
        for (int i = 0; i < results.size(); i++) {
            assertThat(results.get(i).uri()).isEqualTo(uri(c, keys.get(i)));
            assertThat(results.get(i).cid()).contains(DagCbor.cidOf(record(c, i)));
        }
        try (Stream<RepoRecord> s = repo().listAll(did(), c)) {
            assertThat(s.map(RepoRecord::rkey)).containsExactlyElementsOf(keys);
        }
    }
}
