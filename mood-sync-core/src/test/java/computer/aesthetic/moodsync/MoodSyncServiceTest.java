package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MoodSyncServiceTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final UserId NOBODY = new UserId("auth0|nobody");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<MoodSyncService> services = new ArrayList<>();

    @BeforeEach
    void accounts() {
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
    }

    @AfterEach
    void closeServices() {
        services.forEach(MoodSyncService::close);
    }

    MoodSyncService service(SyncMode mode) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .mode(mode).startWorker(false).maxAttempts(3).backoff(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .lease(Duration.ofSeconds(30)).listener(new SyncListener() {
                    @Override
                    public void synced(Mood mood, SyncOp op, boolean inline, Duration elapsed) {
                        events.add("synced " + op + (inline ? " inline" : " worker"));
                    }

                    @Override
                    public void pending(Mood mood, SyncOp op, PendingReason reason, PdsException error) {
                        events.add("pending " + op + " " + reason);
                    }

                    @Override
                    public void parked(Mood mood, SyncOp op, String lastError) {
                        events.add("parked " + op);
                    }
                }).build();
        services.add(s);
        return s;
    }

    List<RepoRecord> records() {
        return pds.records(ALICE_DID, MoodRecords.COLLECTION);
    }

    void assertSyncedExactlyOnce(MoodId id) {
        Mood mood = store.find(id).orElseThrow();
        assertThat(mood.syncState()).isEqualTo(SyncState.SYNCED);
        assertThat(mood.rkey()).contains(MoodRecords.rkeyFor(id));
        List<RepoRecord> mine = records().stream().filter(r -> id.toString().equals(r.value().get("ref"))).toList();
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0).rkey()).isEqualTo(MoodRecords.rkeyFor(id));
        assertThat(mine.get(0).value()).isEqualTo(MoodRecords.toRecord(mood));
    }

    @Test
    void inlinePostWritesTheRecordAtItsDerivedKeyAndLeavesALeanSyncedMood() {
        SyncResult result = service(SyncMode.INLINE).post(ALICE, "feeling fine");
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        Mood mood = store.find(result.moodId()).orElseThrow();
        assertThat(mood.pending()).isEmpty();
        assertThat(mood.text()).isEqualTo("feeling fine");
        assertSyncedExactlyOnce(result.moodId());
        assertThat(pds.calls("com.atproto.repo.putRecord")).isEqualTo(1);
        assertThat(events).containsExactly("synced CREATE inline");
    }

    @Test
    void queuedPostReturnsAtOnceAndTheWorkerWritesIt() {
        MoodSyncService service = service(SyncMode.QUEUED);
        SyncResult result = service.post(ALICE, "later");
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(result.reason()).contains(PendingReason.QUEUED);
        assertThat(records()).isEmpty();
        assertThat(service.syncNow()).isEqualTo(1);
        assertSyncedExactlyOnce(result.moodId());
    }

    @Test
    void workerBatchesFreshCreatesWithApplyWrites() {
        MoodSyncService service = service(SyncMode.QUEUED);
        List<MoodId> ids = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ids.add(service.post(ALICE, "mood " + i).moodId());
        }
        service.syncNow();
        ids.forEach(this::assertSyncedExactlyOnce);
        assertThat(pds.calls("com.atproto.repo.applyWrites")).isEqualTo(2);
        assertThat(pds.calls("com.atproto.repo.putRecord")).isZero();
    }

    @Test
    void aPdsOutageNeverLosesOrBlocksAPost() {
        MoodSyncService service = service(SyncMode.INLINE);
        pds.down(true);
        SyncResult result = service.post(ALICE, "during the outage");
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(result.reason()).contains(PendingReason.PDS_UNAVAILABLE);
        Mood stored = store.find(result.moodId()).orElseThrow();
        assertThat(stored.pending().orElseThrow().attempts()).isEqualTo(1);
        assertThat(stored.pending().orElseThrow().leaseOwner()).isEmpty();

        for (int i = 0; i < 10; i++) { // outages never park, however long
            clock.advance(Duration.ofMinutes(1));
            service.syncNow();
        }
        assertThat(store.find(result.moodId()).orElseThrow().syncState()).isEqualTo(SyncState.PENDING);

        pds.down(false);
        clock.advance(Duration.ofMinutes(1));
        service.syncNow();
        assertSyncedExactlyOnce(result.moodId());
    }

    @Test
    void whileTheClientsCircuitIsOpenAPostCostsOnlyTheInsert() {
        MoodSyncService service = service(SyncMode.INLINE);
        Instant reopens = clock.instant().plusSeconds(30);
        pds.circuitOpenUntil(reopens);
        SyncResult result = service.post(ALICE, "while the circuit is open");
        assertThat(result.reason()).contains(PendingReason.PDS_UNAVAILABLE);
        assertThat(pds.totalCalls()).as("no doomed call is made").isZero();
        PendingSync marker = store.find(result.moodId()).orElseThrow().pending().orElseThrow();
        assertThat(marker.nextAttemptAt()).isEqualTo(reopens);
        assertThat(marker.leaseOwner()).isEmpty();
        assertThat(service.syncNow()).as("not due before the circuit closes").isZero();

        clock.advance(Duration.ofSeconds(31));
        service.syncNow();
        assertSyncedExactlyOnce(result.moodId());
    }

    @Test
    void persistentErrorsParkTheMoodUntilRetriedByApi() {
        MoodSyncService service = service(SyncMode.INLINE);
        pds.failNext(3, 400, "InvalidRequest");
        MoodId id = service.post(ALICE, "x").moodId();
        clock.advance(Duration.ofSeconds(5));
        service.syncNow();
        clock.advance(Duration.ofSeconds(20));
        service.syncNow();
        Mood parked = store.find(id).orElseThrow();
        assertThat(parked.syncState()).isEqualTo(SyncState.FAILED);
        assertThat(parked.pending().orElseThrow().lastError()).get().asString().contains("InvalidRequest");
        assertThat(service.failed(Optional.empty())).extracting(Mood::id).containsExactly(id);
        assertThat(service.stats().failuresByError()).containsEntry("InvalidRequest", 3L);
        assertThat(events).contains("parked CREATE");

        clock.advance(Duration.ofHours(1));
        assertThat(service.syncNow()).isZero(); // parked work is never claimed
        assertThat(service.retry(id)).isTrue();
        service.syncNow();
        assertSyncedExactlyOnce(id);
    }

    @Test
    void rateLimitsRescheduleAtTheResetWithoutParking() {
        MoodSyncService service = service(SyncMode.INLINE);
        pds.rateLimitNext(5, Duration.ofMinutes(10));
        SyncResult result = service.post(ALICE, "x");
        assertThat(result.reason()).contains(PendingReason.RATE_LIMITED);
        Mood m = store.find(result.moodId()).orElseThrow();
        assertThat(m.pending().orElseThrow().nextAttemptAt()).isAfterOrEqualTo(clock.instant().plus(Duration.ofMinutes(9)));
    }

    @Test
    void deleteEditAndUndeleteFollowTheStoreToThePds() {
        MoodSyncService service = service(SyncMode.INLINE);
        MoodId id = service.post(ALICE, "first").moodId();
        assertThat(service.edit(id, "second").isSynced()).isTrue();
        assertSyncedExactlyOnce(id);
        assertThat(records().get(0).value().get("mood")).isEqualTo("second");

        assertThat(service.delete(id).isSynced()).isTrue();
        assertThat(store.find(id).orElseThrow().deleted()).isTrue();
        assertThat(store.find(id).orElseThrow().syncState()).isEqualTo(SyncState.DELETED);
        assertThat(records()).isEmpty();
        assertThat(service.delete(id).isSynced()).as("deleting twice is harmless").isTrue();

        assertThat(service.undelete(id).isSynced()).isTrue();
        assertSyncedExactlyOnce(id);
        assertThat(records().get(0).value().get("mood")).isEqualTo("second");
    }

    @Test
    void aDeleteOfAMoodWhoseCreateIsStillPendingLeavesNoRecord() {
        MoodSyncService service = service(SyncMode.INLINE);
        pds.down(true);
        MoodId id = service.post(ALICE, "oops").moodId();
        assertThat(service.delete(id).reason()).contains(PendingReason.PDS_UNAVAILABLE);
        pds.down(false);
        clock.advance(Duration.ofMinutes(5));
        service.syncNow();
        assertThat(records()).isEmpty();
        assertThat(store.find(id).orElseThrow().syncState()).isEqualTo(SyncState.DELETED);
    }

    @Test
    void aDeleteRacingAnInlineCreateInFlightLeavesNoRecord() throws Exception {
        MoodSyncService service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .startWorker(false).inlineTimeout(Duration.ofMillis(50)).build();
        services.add(service);
        pds.latency(Duration.ofMillis(400));
        SyncResult post = service.post(ALICE, "racing");
        assertThat(post.reason()).contains(PendingReason.TIMEOUT);
        SyncResult delete = service.delete(post.moodId()); // the create is still in flight and holds the lease
        assertThat(delete.reason()).contains(PendingReason.BUSY);
        Thread.sleep(700);
        pds.latency(Duration.ZERO);
        service.syncNow();
        assertThat(records()).isEmpty();
        Mood mood = store.find(post.moodId()).orElseThrow();
        assertThat(mood.deleted()).isTrue();
        assertThat(mood.pending()).isEmpty();
    }

    @Test
    void invalidTextIsRefusedBeforeAnythingIsWritten() {
        MoodSyncService service = service(SyncMode.INLINE);
        assertThatThrownBy(() -> service.post(ALICE, "a".repeat(5001))).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("5001");
        assertThatThrownBy(() -> service.post(ALICE, "bad \ud800 surrogate")).isInstanceOf(InvalidRecordException.class);
        assertThatThrownBy(() -> service.post(ALICE, "nul\u0000")).isInstanceOf(InvalidRecordException.class);
        assertThatThrownBy(() -> service.post(ALICE, "   ")).isInstanceOf(InvalidRecordException.class);
        assertThatThrownBy(() -> service.post(ALICE, "")).isInstanceOf(InvalidRecordException.class);
        assertThat(store.size()).isZero();
        assertThat(pds.totalCalls()).isZero();
        assertThat(service.post(ALICE, "\u20ac".repeat(1666) + "ab").isSynced()).as("5000 bytes exactly").isTrue();
    }

    @Test
    void aUserWithoutAnAccountKeepsTheMoodAndIsReportedSo() {
        MoodSyncService service = service(SyncMode.INLINE);
        SyncResult result = service.post(NOBODY, "no account");
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.NO_ACCOUNT);
        Mood mood = store.find(result.moodId()).orElseThrow();
        assertThat(mood.pending()).isEmpty();
        assertThat(mood.syncState()).isEqualTo(SyncState.UNSYNCED);
        assertThat(service.delete(result.moodId()).outcome()).isEqualTo(SyncResult.Outcome.NO_ACCOUNT);
        assertThat(store.find(result.moodId()).orElseThrow().pending()).isEmpty();
        assertThat(pds.totalCalls()).isZero();
    }

    @Test
    void unknownMoodIdsAreATypedError() {
        MoodSyncService service = service(SyncMode.INLINE);
        MoodId unknown = MoodId.parse("65f1c0ffee0000000000abcd");
        assertThatThrownBy(() -> service.delete(unknown)).isInstanceOf(NoSuchMoodException.class)
                .hasMessageContaining(unknown.toString());
        assertThatThrownBy(() -> service.edit(unknown, "x")).isInstanceOf(NoSuchMoodException.class);
        assertThatThrownBy(() -> service.undelete(unknown)).isInstanceOf(NoSuchMoodException.class);
    }

    @Test
    void aStoreFailureOnPostIsThrownAndNothingReachesThePds() {
        MoodSyncService service = service(SyncMode.INLINE);
        store.failNext(1, "insert");
        assertThatThrownBy(() -> service.post(ALICE, "x")).isInstanceOf(StoreException.class);
        assertThat(pds.totalCalls()).isZero();
    }

    @Test
    void aRecordOfAnotherMoodAtTheDerivedKeyIsNeverOverwritten() {
        MoodSyncService service = service(SyncMode.QUEUED);
        MoodId id = service.post(ALICE, "mine").moodId();
        Map<String, Object> foreign = MoodRecords.toRecord(MoodId.parse("65f1c0ffee0000000000abcd"), "theirs",
                clock.instant());
        pds.seed(ALICE_DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id), foreign);
        service.syncNow();
        // Never overwritten: the mood takes its first fallback key instead (a pure function of its id).
        RecordKey fallback = MoodRecords.fallbackKey(id, 1);
        assertThat(pds.getRecord(ALICE_DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id)))
                .hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(foreign));
        assertThat(records()).hasSize(2);
        Mood mood = store.find(id).orElseThrow();
        assertThat(mood.syncState()).isEqualTo(SyncState.SYNCED);
        assertThat(mood.rkey()).contains(fallback);
        assertThat(pds.getRecord(ALICE_DID, MoodRecords.COLLECTION, fallback))
                .hasValueSatisfying(r -> assertThat(r.value()).isEqualTo(MoodRecords.toRecord(mood)));
    }

    @Test
    void aMoodParkedForATakenKeyTakesItsFallbackKeyOnRetry() {
        MoodSyncService service = service(SyncMode.QUEUED);
        MoodId id = service.post(ALICE, "mine").moodId();
        pds.seed(ALICE_DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id), MoodRecords.toRecord(
                MoodId.parse("65f1c0ffee0000000000abcd"), "theirs", clock.instant()));
        // Parked by an earlier release, which refused the taken key for good.
        store.setPending(id, new PendingSync(SyncOp.CREATE, 7L, 1, clock.instant(),
                Optional.of("record key " + MoodRecords.rkeyFor(id) + " holds a record that is not this mood's"),
                Optional.empty(), Optional.empty(), true));
        assertThat(service.failed(Optional.of(ALICE))).hasSize(1);

        assertThat(service.retry(id)).isTrue();
        service.syncNow();
        assertThat(service.failed(Optional.of(ALICE))).isEmpty();
        assertThat(store.find(id).orElseThrow().rkey()).contains(MoodRecords.fallbackKey(id, 1));
        assertThat(store.find(id).orElseThrow().syncState()).isEqualTo(SyncState.SYNCED);
    }

    @Test
    void statusCountsDeletedMoodsAsDeletedNeverAsSynced() {
        MoodSyncService service = service(SyncMode.INLINE);
        MoodId a = service.post(ALICE, "a").moodId();
        service.post(ALICE, "b");
        service.delete(a);
        pds.down(true);
        service.post(ALICE, "c");
        UserSyncStatus status = service.status(ALICE);
        assertThat(status.total()).isEqualTo(3);
        assertThat(status.synced()).isEqualTo(1);
        assertThat(status.deleted()).isEqualTo(1);
        assertThat(status.pending()).isEqualTo(1);
        assertThat(status.hasAccount()).isTrue();

        SyncStats stats = service.stats();
        assertThat(stats.stored()).isEqualTo(4);
        assertThat(stats.inlineSynced()).isEqualTo(3);
        assertThat(stats.dualWriteSuccessRate()).isEqualTo(0.75);
        assertThat(stats.pending()).isEqualTo(1);
        assertThat(stats.oldestPendingAge()).contains(Duration.ZERO);
        assertThat(stats.failuresByError()).containsEntry("PdsUnavailableException", 1L);
    }

    @Test
    void migrateMirrorsLegacyMoodsOnceAndListsUsersWithoutAccount() {
        MoodSyncService service = service(SyncMode.INLINE);
        List<MoodId> legacy = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // moods the origin stored before any mirroring: no link, no marker
            MoodId id = MoodId.generate(clock.instant().minusSeconds(1000 - i));
            store.insert(new Mood(id, ALICE, "old " + i, clock.instant(), i % 10 == 9, Optional.empty(), Optional.empty()));
            legacy.add(id);
        }
        store.insert(new Mood(MoodId.generate(), NOBODY, "no account", clock.instant(), false, Optional.empty(),
                Optional.empty()));
        assertThat(service.planMigration(Optional.empty(), computer.aesthetic.moodsync.reconcile.RepairPolicy.DEFAULT)
                .dryRun()).isTrue();
        assertThat(records()).as("planning writes nothing").isEmpty();

        var report = service.migrate(Optional.empty(), computer.aesthetic.moodsync.reconcile.RepairPolicy.DEFAULT,
                computer.aesthetic.moodsync.reconcile.MigrationListener.NONE);
        assertThat(report.isComplete()).isTrue();
        assertThat(report.usersWithoutAccount()).containsExactly(NOBODY);
        assertThat(records()).hasSize(27);
        legacy.stream().filter(id -> !store.find(id).orElseThrow().deleted()).forEach(this::assertSyncedExactlyOnce);

        var again = service.migrate(Optional.empty(), computer.aesthetic.moodsync.reconcile.RepairPolicy.DEFAULT,
                computer.aesthetic.moodsync.reconcile.MigrationListener.NONE);
        assertThat(again.isComplete()).isTrue();
        assertThat(records()).as("a re-run writes nothing twice").hasSize(27);
        assertThat(service.reconcile(ALICE).isInSync()).isTrue();
    }

    @Test
    void builderNamesTheBadOption() {
        assertThatThrownBy(() -> MoodSyncService.builder().repo(pds).accounts(accounts).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("store is required");
        assertThatThrownBy(() -> MoodSyncService.builder().store(store).repo(pds).accounts(accounts).batchSize(201)
                .build()).hasMessageContaining("batchSize");
    }
}
