package computer.aesthetic.moodsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.IncidentFixture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RepairerTest {
    private static Map<DriftKind, Long> counts(long inSync, DriftKind... others) {
        Map<DriftKind, Long> m = new EnumMap<>(DriftKind.class);
        for (DriftKind k : DriftKind.values()) {
            m.put(k, 0L);
        }
        m.put(DriftKind.IN_SYNC, inSync);
        for (DriftKind k : others) {
            m.merge(k, 1L, Long::sum);
        }
        return m;
    }

    private static Map<String, String> state(List<RepoRecord> records) {
        return records.stream().collect(Collectors.toMap(r -> r.rkey().value(), r -> r.cid().toString()));
    }

    @Test
    void defaultPlanRepairsTheIncidentAndLeavesReportOnlyKinds() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler reconciler = f.reconciler();
        List<RepoRecord> otherBefore = f.otherRecords();
        Mood foreignBefore = f.store.find(f.foreignMood.id()).orElseThrow();

        ReconcileReport report = reconciler.reconcile(IncidentFixture.USER);
        RepairPlan plan = reconciler.plan(report, RepairPolicy.DEFAULT);
        assertThat(plan.counts()).containsEntry(RepairAction.Type.DELETE_RECORD, 143L)
                .containsEntry(RepairAction.Type.CREATE_RECORD, 4L)
                .containsEntry(RepairAction.Type.LINK, 21L)
                .containsEntry(RepairAction.Type.PUT_RECORD, 2L)
                .containsEntry(RepairAction.Type.IMPORT_MOOD, 0L)
                .containsEntry(RepairAction.Type.UPDATE_MOOD_TEXT, 0L);
        assertThat(plan.unrepaired()).extracting(u -> u.item().kind())
                .containsExactlyInAnyOrder(DriftKind.ORPHAN, DriftKind.FOREIGN_REF);
        assertThat(plan.deletesHeldBack()).isZero();
        assertThat(plan.toString()).contains("DELETE_RECORD at://" + IncidentFixture.DID + "/computer.aesthetic.mood/")
                .contains("left alone: the record names another user's mood");
        // Planning wrote nothing.
        assertThat(f.repo.calls(InMemoryAtprotoRepo.APPLY_WRITES)).isZero();
        assertThat(f.records()).hasSize(360);

        List<RepairAction> applied = new ArrayList<>();
        Repairer repairer = Repairer.builder().reconciler(reconciler).listener(new RepairListener() {
            @Override
            public void applied(RepairAction action) {
                applied.add(action);
            }
        }).build();
        RepairResult result = repairer.apply(plan);
        assertThat(result.isComplete()).as(result.toString()).isTrue();
        assertThat(result.appliedCount()).isEqualTo(plan.actions().size());
        assertThat(applied).hasSize(plan.actions().size());
        assertThat(result.skipped()).isEmpty();

        ReconcileReport after = reconciler.reconcile(IncidentFixture.USER);
        assertThat(after.counts()).isEqualTo(counts(222, DriftKind.ORPHAN, DriftKind.FOREIGN_REF));
        assertThat(after.driftCount()).isEqualTo(2);
        assertThat(after.isInSync()).isFalse();
        assertThat(reconciler.plan(after, RepairPolicy.DEFAULT).isEmpty()).isTrue();
        // The foreign record and its owner are untouched.
        assertThat(f.records()).anyMatch(r -> r.rkey().equals(f.foreignRkey));
        assertThat(f.otherRecords()).isEqualTo(otherBefore);
        assertThat(f.store.find(f.foreignMood.id())).contains(foreignBefore);
        // Missing moods went to rkeyFor(id) and are linked; the edited text was overwritten by the store's.
        for (int i : new int[] {5, 6}) {
            Mood m = f.store.find(f.moods.get(i).id()).orElseThrow();
            assertThat(m.rkey()).contains(MoodRecords.rkeyFor(m.id()));
        }
        // Mood 7's invalid legacy record was linked and rewritten in place: one record, never a second copy.
        Mood seven = f.store.find(f.moods.get(7).id()).orElseThrow();
        assertThat(seven.rkey()).contains(f.invalidRkey);
        assertThat(f.records()).filteredOn(r -> r.rkey().equals(f.invalidRkey)).singleElement()
                .satisfies(r -> assertThat(r.value()).isEqualTo(MoodRecords.toRecord(seven)));
        assertThat(f.records()).noneMatch(r -> r.rkey().equals(MoodRecords.rkeyFor(seven.id())));
    }

    @Test
    void importAndDeletePoliciesConvergeToOnlyTheForeignRecord() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler reconciler = f.reconciler();
        RepairPolicy policy = RepairPolicy.DEFAULT.withOrphans(RepairPolicy.Orphans.IMPORT)
                .withInvalidRecords(RepairPolicy.InvalidRecords.DELETE)
                .withContentDrift(RepairPolicy.ContentDrift.PDS_WINS);
        RepairResult result = Repairer.builder().reconciler(reconciler).build()
                .apply(reconciler.plan(reconciler.reconcile(IncidentFixture.USER), policy));
        assertThat(result.isComplete()).as(result.toString()).isTrue();

        ReconcileReport after = reconciler.reconcile(IncidentFixture.USER);
        assertThat(after.counts()).isEqualTo(counts(223, DriftKind.FOREIGN_REF));
        // PDS wins: the record's text is now the mood's.
        assertThat(f.store.find(f.moods.get(8).id()).orElseThrow().text()).isEqualTo("mood number 8, as first posted");
        assertThat(f.store.find(f.moods.get(8).id()).orElseThrow().pending()).isEmpty();
        // The orphan came back with the id its ref named, linked to its record.
        assertThat(f.store.snapshot()).filteredOn(m -> m.text().equals("a mood the store lost")).singleElement()
                .satisfies(m -> {
                    assertThat(m.user()).isEqualTo(IncidentFixture.USER);
                    assertThat(m.rkey()).contains(f.orphanRkey);
                });
    }

    @Test
    void maxDeletesTruncatesThePlanAndSaysHowManyWereHeldBack() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler reconciler = f.reconciler();
        RepairPlan plan = reconciler.plan(reconciler.reconcile(IncidentFixture.USER),
                RepairPolicy.DEFAULT.withMaxDeletes(50));
        assertThat(plan.actions(RepairAction.Type.DELETE_RECORD)).hasSize(50);
        assertThat(plan.deletesHeldBack()).isEqualTo(93);
        assertThat(plan.summary()).contains("93 deletions held back");
        Repairer repairer = Repairer.builder().reconciler(reconciler).build();
        assertThat(repairer.apply(plan).deletesHeldBack()).isEqualTo(93);
        // Runs again until done.
        for (int run = 0; run < 3; run++) {
            repairer.apply(reconciler.plan(reconciler.reconcile(IncidentFixture.USER),
                    RepairPolicy.DEFAULT.withMaxDeletes(50)));
        }
        assertThat(reconciler.reconcile(IncidentFixture.USER).counts()).isEqualTo(counts(222, DriftKind.ORPHAN,
                DriftKind.FOREIGN_REF));
    }

    @Test
    void interruptedApplyFinishesOnReRunWithTheSameEndStateAndNoDuplicates() {
        IncidentOnFakes clean = new IncidentOnFakes();
        Reconciler cr = clean.reconciler();
        Repairer.builder().reconciler(cr).build().apply(cr.plan(cr.reconcile(IncidentFixture.USER),
                RepairPolicy.DEFAULT));
        Map<String, String> expectedRecords = state(clean.records());
        List<Mood> expectedMoods = clean.store.snapshot();

        Random random = new Random(42);
        int interrupted = 0;
        for (int trial = 0; trial < 12; trial++) {
            IncidentOnFakes f = new IncidentOnFakes();
            FlakyRepo flaky = new FlakyRepo(f.repo);
            Reconciler reconciler = f.reconciler(flaky);
            Repairer repairer = Repairer.builder().reconciler(reconciler).batchSize(1 + random.nextInt(60)).build();
            int k = random.nextInt(8);
            if (trial % 3 == 2) {
                f.store.failNext(1, "setLink");
            } else {
                flaky.failAfter(k, trial % 3 == 0 ? 0 : 500);
            }
            RepairResult first = repairer.apply(reconciler.plan(reconciler.reconcile(IncidentFixture.USER),
                    RepairPolicy.DEFAULT));
            if (trial % 3 != 1 && (flaky.fired() || trial % 3 == 2)) {
                // A lost connection or a store failure stops the run; a 500 falls back to single calls instead.
                assertThat(first.status()).as(first.summary()).isEqualTo(RepairResult.Status.FAILED);
                assertThat(first.remaining()).isNotEmpty();
                interrupted++;
            }
            for (int run = 0; run < 3; run++) {
                ReconcileReport r = reconciler.reconcile(IncidentFixture.USER);
                repairer.apply(reconciler.plan(r, RepairPolicy.DEFAULT));
            }
            ReconcileReport end = reconciler.reconcile(IncidentFixture.USER);
            assertThat(end.counts()).as("trial %d, first run %s", trial, first.summary())
                    .isEqualTo(counts(222, DriftKind.ORPHAN, DriftKind.FOREIGN_REF));
            assertThat(end.count(DriftKind.DUPLICATE)).isZero();
            assertThat(state(f.records())).as("trial %d", trial).isEqualTo(expectedRecords);
            assertThat(f.store.snapshot()).as("trial %d", trial).isEqualTo(expectedMoods);
        }
        assertThat(interrupted).isGreaterThanOrEqualTo(6);
    }

    @Test
    void stopsWhenTheWriteBudgetRunsOutAndWaitsWhenAllowed() {
        MutableClock clock = new MutableClock(Instant.parse("2025-10-09T12:00:00Z"));
        IncidentOnFakes f = new IncidentOnFakes(InMemoryAtprotoRepo.builder().clock(clock).writeBudget(100).build());
        Reconciler reconciler = Reconciler.builder().store(f.store).repo(f.repo).accounts(f.accounts).clock(clock)
                .build();
        RepairPlan plan = reconciler.plan(reconciler.reconcile(IncidentFixture.USER), RepairPolicy.DEFAULT);
        assertThat(plan.points()).isGreaterThan(100);

        RepairResult stopped = Repairer.builder().reconciler(reconciler).build().apply(plan);
        assertThat(stopped.status()).isEqualTo(RepairResult.Status.BUDGET_EXHAUSTED);
        assertThat(stopped.remaining()).isNotEmpty();
        assertThat(stopped.pointsSpent()).isLessThanOrEqualTo(100);
        assertThat(stopped.error()).hasValueSatisfying(e -> assertThat(e).contains("maxWait"));

        AtomicInteger waits = new AtomicInteger();
        Repairer patient = Repairer.builder().reconciler(reconciler).maxWait(Duration.ofHours(3))
                .sleeper(d -> {
                    waits.incrementAndGet();
                    clock.advance(d);
                }).build();
        RepairResult done = patient.apply(reconciler.plan(reconciler.reconcile(IncidentFixture.USER),
                RepairPolicy.DEFAULT));
        assertThat(done.isComplete()).as(done.toString()).isTrue();
        assertThat(waits.get()).isPositive();
        assertThat(reconciler.reconcile(IncidentFixture.USER).count(DriftKind.IN_SYNC)).isEqualTo(222);
    }

    @Test
    void rebuildsTheStoreFromTheRecordsWithOriginalIds() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler reconciler = f.reconciler();
        Repairer repairer = Repairer.builder().reconciler(reconciler).build();
        repairer.apply(reconciler.plan(reconciler.reconcile(IncidentFixture.USER), RepairPolicy.DEFAULT));
        List<Mood> before = f.store.snapshot().stream().filter(m -> m.user().equals(IncidentFixture.USER)
                && !m.deleted()).toList();
        f.store.deleteAllOf(IncidentFixture.USER);

        RepairResult result = repairer.rebuildStoreFromRecords(IncidentFixture.USER);
        assertThat(result.isComplete()).as(result.toString()).isTrue();
        for (Mood m : before) {
            Mood back = f.store.find(m.id()).orElseThrow();
            assertThat(back.text()).isEqualTo(m.text());
            // The record's time, which for the legacy record 3 ms off is not quite the lost mood's.
            assertThat(Duration.between(m.when(), back.when()).abs()).isLessThanOrEqualTo(Duration.ofMillis(3));
            assertThat(back.rkey()).isEqualTo(m.rkey());
        }
        // The foreign record's mood stays the other user's; nothing was imported across users.
        assertThat(f.store.find(f.foreignMood.id()).orElseThrow().user()).isEqualTo(IncidentFixture.OTHER);
        // The 219 live moods and the orphan (a mood the store had lost before) are back; deleted moods had no record.
        assertThat(f.reconciler().reconcile(IncidentFixture.USER).counts()).isEqualTo(counts(220,
                DriftKind.FOREIGN_REF));
    }

    @Test
    void rebuildsTheRecordsFromTheStore() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler reconciler = f.reconciler();
        Repairer repairer = Repairer.builder().reconciler(reconciler).build();
        repairer.apply(reconciler.plan(reconciler.reconcile(IncidentFixture.USER), RepairPolicy.DEFAULT));
        for (RepoRecord r : f.records()) {
            f.repo.unseed(IncidentFixture.DID, MoodRecords.COLLECTION, r.rkey());
        }
        RepairResult result = repairer.rebuildRecordsFromStore(IncidentFixture.USER);
        assertThat(result.isComplete()).as(result.toString()).isTrue();
        assertThat(reconciler.reconcile(IncidentFixture.USER).isInSync()).isTrue();
        assertThat(f.records()).hasSize(222 - 3);
    }

    @Test
    void eraseEmptiesBothSidesForTheUserOnlyAndProvesIt() {
        IncidentOnFakes f = new IncidentOnFakes();
        // Without the record naming another user's mood, the repository is plainly this user's.
        f.repo.unseed(IncidentFixture.DID, MoodRecords.COLLECTION, f.foreignRkey);
        List<RepoRecord> otherBefore = f.otherRecords();
        List<Did> deleted = new ArrayList<>();
        Repairer repairer = Repairer.builder().reconciler(f.reconciler()).accountDeleter(deleted::add).batchSize(50)
                .build();
        ErasureReceipt receipt = repairer.erase(IncidentFixture.USER, true);

        assertThat(receipt.verified()).as(receipt.toString()).isTrue();
        assertThat(receipt.recordsDeleted()).isEqualTo(359);
        assertThat(receipt.moodsDeleted()).isEqualTo(222);
        assertThat(receipt.recordsRemaining()).hasValue(0);
        assertThat(receipt.moodsRemaining()).isZero();
        assertThat(receipt.accountDeleted()).isTrue();
        assertThat(deleted).containsExactly(IncidentFixture.DID);
        assertThat(receipt.toString()).contains("VERIFIED");
        assertThat(f.records()).isEmpty();
        assertThat(f.store.snapshot()).noneMatch(m -> m.user().equals(IncidentFixture.USER));
        assertThat(f.otherRecords()).isEqualTo(otherBefore);
        assertThat(f.store.find(f.foreignMood.id())).isPresent();
        assertThat(f.store.fencedSince(IncidentFixture.USER)).isPresent();
    }

    @Test
    void eraseLeavesRecordsOfOtherUsersMoodsAndThenNeverDeletesTheAccount() {
        IncidentOnFakes f = new IncidentOnFakes();
        List<Did> deleted = new ArrayList<>();
        Repairer repairer = Repairer.builder().reconciler(f.reconciler()).accountDeleter(deleted::add).build();
        ErasureReceipt receipt = repairer.erase(IncidentFixture.USER, true);

        assertThat(receipt.recordsDeleted()).isEqualTo(359);
        assertThat(receipt.moodsRemaining()).isZero();
        assertThat(receipt.recordsRemaining()).hasValue(1);
        assertThat(f.records()).singleElement().satisfies(r -> assertThat(r.rkey()).isEqualTo(f.foreignRkey));
        assertThat(receipt.verified()).isFalse();
        assertThat(receipt.accountDeleted()).isFalse();
        assertThat(deleted).isEmpty();
        assertThat(receipt.notes()).anySatisfy(n -> assertThat(n).contains("name moods of other users")
                .contains("may not be this user's"));
    }

    @Test
    void eraseDeletesTheAccountOnlyWhenTheDirectoryStillNamesThatRepositoryForTheUser() {
        IncidentOnFakes f = new IncidentOnFakes();
        f.repo.unseed(IncidentFixture.DID, MoodRecords.COLLECTION, f.foreignRkey);
        List<Did> deleted = new ArrayList<>();
        // The directory changes its mind during the erasure (a re-link, a data fix): the account is left.
        Did movedTo = Did.parse("did:plc:moved234567abcdefghijklm");
        java.util.concurrent.atomic.AtomicBoolean moved = new java.util.concurrent.atomic.AtomicBoolean();
        Repairer repairer = Repairer.builder().reconciler(f.reconciler()).accountDeleter(deleted::add)
                .listener(new RepairListener() {
                    @Override
                    public void batch(int writes, int points) {
                        if (!moved.getAndSet(true)) {
                            f.accounts.put(IncidentFixture.USER, computer.aesthetic.moodsync.spi.Account.of(movedTo,
                                    computer.aesthetic.moodsync.syntax.Handle.parse("x.test"),
                                    computer.aesthetic.moodsync.spi.Secret.of("pw")));
                        }
                    }
                }).build();
        ErasureReceipt receipt = repairer.erase(IncidentFixture.USER, true);
        assertThat(receipt.accountDeleted()).as(receipt.toString()).isFalse();
        assertThat(deleted).isEmpty();
        assertThat(receipt.notes()).anySatisfy(n -> assertThat(n).contains("now names " + movedTo));
    }

    @Test
    void eraseWithAccountDeletionNeedsADeleterAndTouchesNothingWithout() {
        IncidentOnFakes f = new IncidentOnFakes();
        Repairer repairer = Repairer.builder().reconciler(f.reconciler()).build();
        assertThatThrownBy(() -> repairer.erase(IncidentFixture.USER, true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("AccountDeleter");
        assertThat(f.records()).hasSize(360);
        assertThat(f.store.fencedSince(IncidentFixture.USER)).isEmpty();
        f.repo.unseed(IncidentFixture.DID, MoodRecords.COLLECTION, f.foreignRkey);
        ErasureReceipt receipt = repairer.erase(IncidentFixture.USER, false);
        assertThat(receipt.verified()).isTrue();
        assertThat(receipt.accountDeleted()).isFalse();
    }

    @Test
    void builderNamesTheMissingProperty() {
        assertThatThrownBy(() -> Reconciler.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store");
        assertThatThrownBy(() -> Repairer.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reconciler");
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
