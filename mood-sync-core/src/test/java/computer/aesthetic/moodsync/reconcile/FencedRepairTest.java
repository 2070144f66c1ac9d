package computer.aesthetic.moodsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MalformedMood;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The reconcile side of issue 11: legacy data that the store or the lexicon cannot read is never taken for an
 * orphan nor copied beside itself (schedule 5), plans converge on one record per mood (schedule 6), every repair write
 * is conditional on what reconcile saw, and foreign records are never touched (schedule 8).
 */
class FencedRepairTest {
    static final UserId USER = new UserId("auth0|legacy");
    static final UserId OTHER = new UserId("auth0|someone-else");
    static final Did DID = Did.parse("did:plc:legacy234567abcdefghijkl");
    static final Did OTHER_DID = Did.parse("did:plc:else234567abcdefghijklmn");
    static final long T = 1_700_000_000L;
    /** Every policy that could touch an orphan or an invalid record. */
    static final List<RepairPolicy> POLICIES = List.of(RepairPolicy.DEFAULT,
            RepairPolicy.DEFAULT.withOrphans(RepairPolicy.Orphans.DELETE)
                    .withInvalidRecords(RepairPolicy.InvalidRecords.DELETE),
            RepairPolicy.DEFAULT.withOrphans(RepairPolicy.Orphans.IMPORT)
                    .withInvalidRecords(RepairPolicy.InvalidRecords.DELETE)
                    .withContentDrift(RepairPolicy.ContentDrift.PDS_WINS));

    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo repo = InMemoryAtprotoRepo.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final Reconciler reconciler = Reconciler.builder().store(store).repo(repo).accounts(accounts).build();
    final Repairer repairer = Repairer.builder().reconciler(reconciler).build();

    FencedRepairTest() {
        accounts.put(USER, Account.of(DID, Handle.parse("legacy.test"), Secret.of("pw")));
        accounts.put(OTHER, Account.of(OTHER_DID, Handle.parse("else.test"), Secret.of("pw2")));
    }

    static MoodId id(int i) {
        return MoodId.of(T + i, 0xABCDE12345L, i);
    }

    static Mood mood(int i, String text, Optional<RecordKey> link) {
        return new Mood(id(i), USER, text, Instant.ofEpochSecond(T + i, 250_000_000L), false, link, Optional.empty());
    }

    static Map<String, Object> legacyRecord(MoodId ref, Object text, Instant when) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", text);
        r.put("when", AtDatetime.of(when).toString());
        r.put("mongoId", ref.toString());
        return r;
    }

    static RecordKey serverKey(int n) {
        return Tid.of((T + 100_000 + n) * 1_000_000L, 7).toRecordKey();
    }

    List<RepoRecord> records() {
        return repo.records(DID, MoodRecords.COLLECTION);
    }

    RepairResult reconcileAndRepair(RepairPolicy policy) {
        return repairer.apply(reconciler.plan(reconciler.reconcile(USER), policy));
    }

    // ---- schedule 5: misclassified legacy data -------------------------------------------------------------------

    @Test
    void recordsOfMoodsTheStoreCannotReadAreNeverOrphansAndNeverDeleted() {
        MoodId unreadable = id(1);
        store.insertMalformed(new MalformedMood(unreadable.toString(), Optional.of(USER.value()),
                "when: expected a date, found \"yesterday\""));
        MoodId userless = id(2);
        store.insertMalformed(new MalformedMood(userless.toString(), Optional.empty(),
                "user: expected a string, found nothing"));
        MoodId refless = id(3);
        store.insertMalformed(new MalformedMood(refless.toString(), Optional.of(USER.value()),
                "mood: expected a string, found 42"));
        repo.seed(DID, MoodRecords.COLLECTION, serverKey(1), legacyRecord(unreadable, "still mine",
                Instant.ofEpochSecond(T + 1)));
        repo.seed(DID, MoodRecords.COLLECTION, serverKey(2), MoodRecords.toRecord(userless, "mine too",
                Instant.ofEpochSecond(T + 2)));
        Map<String, Object> noRef = new LinkedHashMap<>(MoodRecords.toRecord(refless, "at its key",
                Instant.ofEpochSecond(T + 3)));
        noRef.remove("ref");
        repo.seed(DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(refless), noRef);
        List<RepoRecord> before = records();

        ReconcileReport report = reconciler.reconcile(USER);
        assertThat(report.count(DriftKind.ORPHAN)).as(report.toString()).isZero();
        assertThat(report.items(DriftKind.UNREADABLE_MOOD)).extracting(i -> i.moodId().orElseThrow())
                .containsExactlyInAnyOrder(unreadable, userless, refless);
        for (RepairPolicy policy : POLICIES) {
            RepairPlan plan = reconciler.plan(reconciler.reconcile(USER), policy);
            assertThat(plan.actions()).as(policy + "\n" + plan).isEmpty();
            assertThat(repairer.apply(plan).isComplete()).isTrue();
        }
        assertThat(records()).isEqualTo(before);
        assertThat(store.size()).isZero();
    }

    @Test
    void aLinkedRecordThatBreaksTheLexiconIsRewrittenInPlaceWhateverThePolicy() {
        for (RepairPolicy policy : POLICIES) {
            FencedRepairTest t = new FencedRepairTest();
            RecordKey key = serverKey(5);
            Mood m = mood(5, "the store's text", Optional.of(key));
            t.store.insert(m);
            t.repo.seedRaw(DID, MoodRecords.COLLECTION, key, legacyRecord(m.id(), 42L, m.when()));

            ReconcileReport report = t.reconciler.reconcile(USER);
            assertThat(report.count(DriftKind.MISSING_ON_PDS)).as(report.toString()).isZero();
            assertThat(report.items(DriftKind.INVALID_RECORD)).singleElement().satisfies(i -> {
                assertThat(i.moodId()).contains(m.id());
                assertThat(i.mood()).isPresent();
                assertThat(i.rkey()).contains(key);
            });
            RepairPlan plan = t.reconciler.plan(report, policy);
            assertThat(plan.actions()).as(plan.toString()).singleElement().satisfies(a -> {
                assertThat(a.type()).isEqualTo(RepairAction.Type.PUT_RECORD);
                assertThat(a.rkey()).isEqualTo(key);
                assertThat(a.expectedCid()).isPresent();
            });
            assertThat(t.repairer.apply(plan).isComplete()).isTrue();
            assertThat(t.records()).singleElement().satisfies(r -> {
                assertThat(r.rkey()).isEqualTo(key);
                assertThat(r.value()).isEqualTo(MoodRecords.toRecord(m));
            });
            assertThat(t.reconciler.reconcile(USER).isInSync()).isTrue();
        }
    }

    @Test
    void anUnlinkedLegacyRecordWithSixThousandBytesIsLinkedAndRewrittenNeverCopied() {
        Mood m = mood(6, "trimmed by the host since", Optional.empty());
        store.insert(m);
        RecordKey key = serverKey(6);
        repo.seedRaw(DID, MoodRecords.COLLECTION, key, legacyRecord(m.id(), "x".repeat(6000), m.when()));

        RepairResult result = reconcileAndRepair(RepairPolicy.DEFAULT.withInvalidRecords(
                RepairPolicy.InvalidRecords.DELETE));
        assertThat(result.isComplete()).as(result.toString()).isTrue();
        assertThat(records()).singleElement().satisfies(r -> {
            assertThat(r.rkey()).isEqualTo(key);
            assertThat(r.value()).isEqualTo(MoodRecords.toRecord(m));
        });
        assertThat(store.find(m.id()).orElseThrow().rkey()).contains(key);
        assertThat(reconciler.reconcile(USER).isInSync()).isTrue();
    }

    @Test
    void theOnlyCopyIsKeptWhenTheMoodsOwnTextCannotBeARecord() {
        RecordKey key = serverKey(7);
        Mood poison = mood(7, "y".repeat(6000), Optional.of(key));
        store.insert(poison);
        repo.seedRaw(DID, MoodRecords.COLLECTION, key, legacyRecord(poison.id(), poison.text(), poison.when()));
        List<RepoRecord> before = records();

        for (RepairPolicy policy : POLICIES) {
            RepairPlan plan = reconciler.plan(reconciler.reconcile(USER), policy);
            assertThat(plan.actions()).as(plan.toString()).isEmpty();
            assertThat(plan.unrepaired()).singleElement().satisfies(u -> {
                assertThat(u.item().kind()).isEqualTo(DriftKind.INVALID_RECORD);
                assertThat(u.reason()).contains("cannot be a record");
            });
            repairer.apply(plan);
        }
        assertThat(records()).isEqualTo(before);
    }

    // ---- schedule 8, reconcile side: foreign records ---------------------------------------------------------------

    @Test
    void foreignRecordsAreNeverTouchedWhateverThePolicyEvenWhenAMoodLinksThem() {
        Mood theirs = new Mood(MoodId.of(T + 50, 0x55L, 50), OTHER, "not yours", Instant.ofEpochSecond(T + 50), false,
                Optional.empty(), Optional.empty());
        store.insert(theirs);
        // A mood wrongly linked to the key of a record that names the other user's mood.
        RecordKey foreignKey = serverKey(50);
        repo.seed(DID, MoodRecords.COLLECTION, foreignKey, MoodRecords.toRecord(theirs));
        Mood wronglyLinked = mood(51, "mine", Optional.of(foreignKey));
        store.insert(wronglyLinked);
        // An invalid record naming the other user's mood.
        repo.seedRaw(DID, MoodRecords.COLLECTION, serverKey(52), legacyRecord(theirs.id(), 7L, theirs.when()));
        Map<String, RepoRecord> before = new java.util.HashMap<>();
        records().forEach(r -> before.put(r.rkey().value(), r));

        for (RepairPolicy policy : POLICIES) {
            ReconcileReport report = reconciler.reconcile(USER);
            assertThat(report.items(DriftKind.FOREIGN_REF)).as(report.toString()).hasSize(2);
            RepairPlan plan = reconciler.plan(report, policy);
            assertThat(plan.actions()).as(plan.toString()).noneMatch(a -> before.containsKey(a.rkey().value())
                    && a.type() != RepairAction.Type.LINK);
            assertThat(repairer.apply(plan).isComplete()).isTrue();
            for (RepoRecord r : before.values()) {
                assertThat(repo.getRecord(DID, MoodRecords.COLLECTION, r.rkey())).contains(r);
            }
        }
        // The wrongly linked mood got its own record, at rkeyFor(id), and is linked to it.
        assertThat(store.find(wronglyLinked.id()).orElseThrow().rkey()).contains(MoodRecords.rkeyFor(wronglyLinked.id()));
        assertThat(reconciler.reconcile(USER).count(DriftKind.MISSING_ON_PDS)).isZero();
    }

    // ---- every repair write is conditional on what reconcile saw -------------------------------------------------

    @Test
    void aPutNeverOverwritesARecordChangedSinceReconcile() {
        RecordKey key = MoodRecords.rkeyFor(id(20));
        Mood m = mood(20, "the store's text", Optional.of(key));
        store.insert(m);
        repo.seed(DID, MoodRecords.COLLECTION, key, MoodRecords.toRecord(m.id(), "drifted", m.when()));
        RepairPlan plan = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        assertThat(plan.actions()).singleElement().extracting(RepairAction::type)
                .isEqualTo(RepairAction.Type.PUT_RECORD);
        // Someone writes the record after the reconcile (the sync worker, the user on another app...).
        Map<String, Object> newer = MoodRecords.toRecord(m.id(), "written meanwhile", m.when());
        repo.putRecord(DID, MoodRecords.COLLECTION, key, newer, computer.aesthetic.moodsync.spi.SwapRecord.any());

        RepairResult result = repairer.apply(plan);
        assertThat(result.skipped()).singleElement().satisfies(sk -> assertThat(sk.reason())
                .contains("changed since reconcile").contains("reconcile again"));
        assertThat(records()).singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(newer));
        // Reconciling again sees the new state and repairs it.
        assertThat(reconcileAndRepair(RepairPolicy.DEFAULT).isComplete()).isTrue();
        assertThat(reconciler.reconcile(USER).isInSync()).isTrue();
    }

    @Test
    void aDeleteNeverRemovesARecordChangedSinceReconcile() {
        RecordKey key = MoodRecords.rkeyFor(id(21));
        Mood m = mood(21, "kept", Optional.of(key));
        store.insert(m);
        repo.seed(DID, MoodRecords.COLLECTION, key, MoodRecords.toRecord(m));
        RecordKey copy = serverKey(21);
        repo.seed(DID, MoodRecords.COLLECTION, copy, legacyRecord(m.id(), m.text(), m.when()));
        RepairPlan plan = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo(RepairAction.Type.DELETE_RECORD);
            assertThat(a.rkey()).isEqualTo(copy);
        });
        // Meanwhile the key is reused for another mood's record.
        Mood other = mood(22, "other", Optional.of(copy));
        store.insert(other);
        repo.putRecord(DID, MoodRecords.COLLECTION, copy, MoodRecords.toRecord(other),
                computer.aesthetic.moodsync.spi.SwapRecord.any());

        RepairResult result = repairer.apply(plan);
        assertThat(result.skipped()).singleElement().satisfies(sk -> assertThat(sk.reason())
                .contains("changed since reconcile"));
        assertThat(repo.getRecord(DID, MoodRecords.COLLECTION, copy)).hasValueSatisfying(r ->
                assertThat(r.value()).isEqualTo(MoodRecords.toRecord(other)));
    }

    @Test
    void repairHoldsNoRepositoryLockAcrossPdsCallsOrBudgetWaits() {
        java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean waited = new java.util.concurrent.atomic.AtomicBoolean();
        RepairerTest.MutableClock clock = new RepairerTest.MutableClock(Instant.parse("2025-10-09T12:00:00Z"));
        InMemoryAtprotoRepo limited = InMemoryAtprotoRepo.builder().clock(clock).writeBudget(10).build();
        // Every call of the PDS checks that nobody holds the repository's lock meanwhile.
        AtprotoRepo watched = (AtprotoRepo) java.lang.reflect.Proxy.newProxyInstance(
                AtprotoRepo.class.getClassLoader(), new Class<?>[] {AtprotoRepo.class}, (proxy, method, args) -> {
                    if (lock.isLocked() && !method.getName().equals("writeBudget")) {
                        violations.add(method.getName() + " under the lock");
                    }
                    try {
                        return method.invoke(limited, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        for (int i = 0; i < 12; i++) {
            store.insert(mood(30 + i, "mood " + i, Optional.empty()));
        }
        Reconciler r = Reconciler.builder().store(store).repo(watched).accounts(accounts).clock(clock).build();
        Repairer patient = Repairer.builder().reconciler(r).repoLocks(d -> lock).maxWait(java.time.Duration.ofHours(6))
                .sleeper(d -> {
                    waited.set(true);
                    if (lock.isLocked()) {
                        violations.add("budget wait under the lock");
                    }
                    clock.advance(d);
                }).build();
        RepairResult result = patient.apply(r.plan(r.reconcile(USER), RepairPolicy.DEFAULT));
        assertThat(result.isComplete()).as(result.toString()).isTrue();
        assertThat(waited).isTrue();
        assertThat(violations).isEmpty();
    }

    // ---- schedule 6: two plans, two records ----------------------------------------------------------------------

    /** Mood 60, whose rkeyFor(id) holds the record of mood 61 (linked there by a legacy writer). */
    Mood keyTakenByAnotherMood() {
        Mood taker = mood(61, "first at that key", Optional.of(MoodRecords.rkeyFor(id(60))));
        store.insert(taker);
        repo.seed(DID, MoodRecords.COLLECTION, taker.rkey().get(), MoodRecords.toRecord(taker));
        Mood m = mood(60, "needs a key", Optional.empty());
        store.insert(m);
        return m;
    }

    List<RepoRecord> recordsOf(MoodId id) {
        return records().stream().filter(r -> MoodRecords.namedMood(r.value()).equals(Optional.of(id))).toList();
    }

    @Test
    void fallbackKeysAreAPureBoundedFunctionOfTheId() {
        MoodId id = id(60);
        java.util.Set<RecordKey> keys = new java.util.HashSet<>();
        for (int n = 0; n <= MoodRecords.FALLBACK_KEYS; n++) {
            RecordKey k = MoodRecords.fallbackKey(id, n);
            assertThat(k).isEqualTo(MoodRecords.fallbackKey(MoodId.parse(id.toString()), n));
            assertThat(Tid.tryParse(k.value())).isPresent();
            keys.add(k);
        }
        assertThat(keys).hasSize(MoodRecords.FALLBACK_KEYS + 1);
        assertThat(MoodRecords.fallbackKey(id, 0)).isEqualTo(MoodRecords.rkeyFor(id));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MoodRecords.fallbackKey(id, 9))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void twoPlansForTheSameStateMakeOneRecord() {
        Mood m = keyTakenByAnotherMood();
        // A reviewed dry run, and a migration planned from the same state (or two instances at once).
        RepairPlan dryRun = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        RepairPlan migrate = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        assertThat(dryRun.actions()).singleElement().satisfies(a ->
                assertThat(a.rkey()).isEqualTo(MoodRecords.fallbackKey(m.id(), 1)));
        assertThat(migrate.actions()).isEqualTo(dryRun.actions());

        assertThat(repairer.apply(migrate).isComplete()).isTrue();
        repairer.apply(dryRun);
        assertThat(recordsOf(m.id())).singleElement().satisfies(r ->
                assertThat(r.rkey()).isEqualTo(MoodRecords.fallbackKey(m.id(), 1)));
        assertThat(store.find(m.id()).orElseThrow().rkey()).contains(MoodRecords.fallbackKey(m.id(), 1));
        assertThat(reconciler.reconcile(USER).isInSync()).isTrue();
    }

    @Test
    void aSecondPlanAdoptsTheRecordAFirstOneCreatedButCouldNotLink() {
        Mood m = keyTakenByAnotherMood();
        RepairPlan first = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        RepairPlan second = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        store.failNext(1, "setLink"); // the first run creates the record, then loses its link
        repairer.apply(first);
        assertThat(store.find(m.id()).orElseThrow().rkey()).isEmpty();
        assertThat(recordsOf(m.id())).hasSize(1);

        repairer.apply(second);
        assertThat(recordsOf(m.id())).singleElement().satisfies(r ->
                assertThat(r.rkey()).isEqualTo(MoodRecords.fallbackKey(m.id(), 1)));
        assertThat(store.find(m.id()).orElseThrow().rkey()).contains(MoodRecords.fallbackKey(m.id(), 1));
    }

    @Test
    void aCreateAtAFallbackKeyAdoptsACopyThatAppearedAtAnEarlierKey() {
        Mood m = keyTakenByAnotherMood();
        RepairPlan plan = reconciler.plan(reconciler.reconcile(USER), RepairPolicy.DEFAULT);
        // Meanwhile the other mood moved away and someone wrote this mood at rkeyFor(id), without linking it yet.
        repo.unseed(DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(m.id()));
        store.setLink(id(61), Optional.empty());
        repo.seed(DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(m.id()), MoodRecords.toRecord(m));

        repairer.apply(plan);
        assertThat(recordsOf(m.id())).singleElement().satisfies(r ->
                assertThat(r.rkey()).isEqualTo(MoodRecords.rkeyFor(m.id())));
        assertThat(store.find(m.id()).orElseThrow().rkey()).contains(MoodRecords.rkeyFor(m.id()));
    }
}
