package computer.aesthetic.moodsync;

import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.LIST_RECORDS;
import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.reconcile.DriftKind;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, schedule 2: the origin wrote a mood's record (carrying {@code mongoId}, or {@code ref}) at a key the PDS
 * chose and crashed before storing {@code atproto.rkey}. Writing the unlinked mood adopts that record (updated in
 * place, or deleted) and links it: never a second record, never a record naming another mood touched, and the
 * user's records listed at most once per worker pass, never for a fresh post.
 */
public class LegacyRecordTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");

    final TestClock clock = TestClock.at(Instant.parse("2026-11-28T10:00:00Z"));
    MoodStore store;
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<MoodSyncService> services = new ArrayList<>();
    int legacyKeys;

    /**
     * Returns the store under test, called before each test; a subclass runs the same schedules on MongoDB.
     *
     * @return a new, empty store
     */
    protected MoodStore newStore() {
        return InMemoryMoodStore.create();
    }

    @BeforeEach
    void accounts() {
        store = newStore();
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
    }

    @AfterEach
    void close() {
        services.forEach(MoodSyncService::close);
    }

    MoodSyncService service(SyncMode mode) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .mode(mode).startWorker(false).lease(Duration.ofSeconds(30)).batchSize(50).build();
        services.add(s);
        return s;
    }

    /** A legacy mood: a document without link or marker, as the origin left it. */
    Mood legacyMood(String text) {
        Mood m = new Mood(MoodId.generate(clock.instant().minusSeconds(3600)), ALICE, text,
                clock.instant().minusSeconds(3600), false, Optional.empty(), Optional.empty());
        store.insert(m);
        return m;
    }

    /** The origin's record of a mood at a PDS-chosen key (a TID, as createRecord picks). */
    RepoRecord originRecord(Mood m, String idField) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", MoodRecords.COLLECTION.toString());
        v.put("mood", m.text());
        v.put("when", "2026-11-28T09:00:00.000Z");
        v.put(idField, m.id().toString());
        RecordKey key = Tid.of(1_700_000_000_000_000L + 1_000_003L * ++legacyKeys, 7).toRecordKey();
        return pds.seed(ALICE_DID, MoodRecords.COLLECTION, key, v);
    }

    List<RepoRecord> recordsOf(MoodId id) {
        return pds.records(ALICE_DID, MoodRecords.COLLECTION).stream()
                .filter(r -> MoodRecords.namedMood(r.value()).equals(Optional.of(id))).toList();
    }

    @Test
    void editAdoptsTheLegacyRecordInPlace() {
        MoodSyncService s = service(SyncMode.INLINE);
        Mood m = legacyMood("first");
        RepoRecord legacy = originRecord(m, "mongoId");

        assertThat(s.edit(m.id(), "edited").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);

        List<RepoRecord> mine = recordsOf(m.id());
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0).rkey()).isEqualTo(legacy.rkey());
        assertThat(mine.get(0).value().get("mood")).isEqualTo("edited");
        Mood after = store.find(m.id()).orElseThrow();
        assertThat(after.rkey()).contains(legacy.rkey());
        assertThat(after.recordCid()).contains(mine.get(0).cid());
        assertThat(s.reconcile(ALICE).items()).extracting(i -> i.kind()).doesNotContain(DriftKind.DUPLICATE);
    }

    @Test
    void deleteDeletesTheLegacyRecordAndKeepsItsKey() {
        MoodSyncService s = service(SyncMode.INLINE);
        Mood m = legacyMood("first");
        RepoRecord legacy = originRecord(m, "ref");

        assertThat(s.delete(m.id()).outcome()).isEqualTo(SyncResult.Outcome.SYNCED);

        assertThat(recordsOf(m.id())).isEmpty();
        assertThat(store.find(m.id()).orElseThrow().rkey()).contains(legacy.rkey());

        // Undelete writes it back at the same key: still one record.
        assertThat(s.undelete(m.id()).outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        assertThat(recordsOf(m.id())).singleElement().extracting(RepoRecord::rkey).isEqualTo(legacy.rkey());
    }

    @Test
    void undeleteOfALegacyDeletedMoodAdoptsItsRecord() {
        MoodSyncService s = service(SyncMode.QUEUED);
        Mood m = new Mood(MoodId.generate(clock.instant()), ALICE, "gone", clock.instant(), true, Optional.empty(),
                Optional.empty());
        store.insert(m);
        RepoRecord legacy = originRecord(m, "mongoId");

        s.undelete(m.id());
        assertThat(s.syncNow()).isEqualTo(1);

        assertThat(recordsOf(m.id())).singleElement().extracting(RepoRecord::rkey).isEqualTo(legacy.rkey());
        assertThat(store.find(m.id()).orElseThrow().pending()).isEmpty();
    }

    @Test
    void aWorkerPassListsTheUsersRecordsOnceForAllItsLegacyMoods() {
        MoodSyncService s = service(SyncMode.QUEUED);
        List<Mood> moods = new ArrayList<>();
        List<RepoRecord> legacy = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Mood m = legacyMood("legacy " + i);
            moods.add(m);
            legacy.add(originRecord(m, "mongoId"));
            s.edit(m.id(), "edited " + i);
        }
        pds.resetCalls();
        try (var all = pds.listAll(ALICE_DID, MoodRecords.COLLECTION)) {
            assertThat(all.count()).isEqualTo(5);
        }
        long oneListing = pds.calls(LIST_RECORDS); // the pages of one listing of the repository
        pds.resetCalls();

        assertThat(s.syncNow()).isEqualTo(5);

        assertThat(pds.calls(LIST_RECORDS)).isEqualTo(oneListing);
        for (int i = 0; i < 5; i++) {
            assertThat(recordsOf(moods.get(i).id())).singleElement().extracting(r -> r.value().get("mood"))
                    .isEqualTo("edited " + i);
            assertThat(store.find(moods.get(i).id()).orElseThrow().rkey()).contains(legacy.get(i).rkey());
        }
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(5);
    }

    @Test
    void freshPostsNeverListTheRepository() {
        MoodSyncService inline = service(SyncMode.INLINE);
        MoodSyncService queued = service(SyncMode.QUEUED);
        MoodId a = inline.post(ALICE, "inline").moodId();
        MoodId b = queued.post(ALICE, "queued 1").moodId();
        MoodId c = queued.post(ALICE, "queued 2").moodId();
        MoodId d = queued.post(ALICE, "queued alone").moodId();
        queued.syncNow();
        inline.edit(a, "edited");

        assertThat(pds.calls(LIST_RECORDS)).isZero();
        for (MoodId id : List.of(a, b, c, d)) {
            assertThat(recordsOf(id)).hasSize(1);
        }
    }

    @Test
    void aRecordNamingAnotherMoodIsNeverAdopted() {
        MoodSyncService s = service(SyncMode.INLINE);
        Mood other = legacyMood("other");
        RepoRecord foreign = originRecord(other, "mongoId");
        Mood m = legacyMood("mine");

        assertThat(s.edit(m.id(), "mine, edited").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);

        assertThat(recordsOf(m.id())).singleElement().extracting(RepoRecord::rkey)
                .isEqualTo(MoodRecords.rkeyFor(m.id()));
        assertThat(recordsOf(other.id())).containsExactly(foreign);
    }

    @Test
    void aRecordNamingTwoMoodsIsNeverAdopted() {
        MoodSyncService s = service(SyncMode.INLINE);
        Mood m = legacyMood("mine");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", MoodRecords.COLLECTION.toString());
        v.put("mood", "ambiguous");
        v.put("when", "2026-11-28T09:00:00.000Z");
        v.put("ref", MoodId.generate(clock.instant()).toString());
        v.put("mongoId", m.id().toString());
        RepoRecord ambiguous = pds.seed(ALICE_DID, MoodRecords.COLLECTION, RecordKey.parse("3l4ppbzw2qt2x"), v);

        assertThat(s.edit(m.id(), "edited").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);

        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).contains(ambiguous).hasSize(2);
        assertThat(store.find(m.id()).orElseThrow().rkey()).contains(MoodRecords.rkeyFor(m.id()));
    }

    @Test
    void aLegacyRecordChangedAfterTheListingIsStillAdoptedFenced() throws Exception {
        MoodSyncService s = service(SyncMode.QUEUED);
        Mood m1 = legacyMood("one");
        originRecord(m1, "mongoId");
        Mood m2 = legacyMood("two");
        RepoRecord legacy2 = originRecord(m2, "mongoId");
        s.edit(m1.id(), "one, edited");
        clock.advance(Duration.ofMillis(5));
        s.edit(m2.id(), "two, edited");
        // The pass lists the records, then stalls writing m1; meanwhile m2's legacy record changes (the origin's
        // late retry), so the CID the listing saw is stale when m2 is written: the swap fails, the writer re-reads
        // the record, finds it still m2's, and writes over it.
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, InMemoryAtprotoRepo.PUT_RECORD);
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> pass = background.submit(s::syncNow);
            assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
            Map<String, Object> v = new LinkedHashMap<>(legacy2.value());
            v.put("mood", "origin retry");
            pds.seed(ALICE_DID, MoodRecords.COLLECTION, legacy2.rkey(), v);
            stall.release();
            assertThat(pass.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        } finally {
            background.shutdownNow();
        }

        assertThat(recordsOf(m2.id())).singleElement().satisfies(r -> {
            assertThat(r.rkey()).isEqualTo(legacy2.rkey());
            assertThat(r.value().get("mood")).isEqualTo("two, edited");
        });
        assertThat(store.find(m2.id()).orElseThrow().pending()).isEmpty();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(2);
    }
}
