package computer.aesthetic.moodsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.testing.IncidentFixture;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    @Test
    void namesEveryKindOfTheIncidentExactly() {
        IncidentOnFakes f = new IncidentOnFakes();
        ReconcileReport report = f.reconciler().reconcile(IncidentFixture.USER);

        assertThat(report.status()).isEqualTo(ReconcileReport.Status.RECONCILED);
        assertThat(report.counts()).isEqualTo(IncidentFixture.expectedCounts());
        assertThat(report.moodCount()).isEqualTo(222);
        assertThat(report.recordCount()).isEqualTo(360);
        assertThat(report.isInSync()).isFalse();
        assertThat(report.items()).noneMatch(i -> i.kind() == DriftKind.IN_SYNC);

        assertThat(report.items(DriftKind.FOREIGN_REF)).singleElement().satisfies(i -> {
            assertThat(i.rkey()).contains(f.foreignRkey);
            assertThat(i.moodId()).contains(f.foreignMood.id());
        });
        assertThat(report.items(DriftKind.ORPHAN)).singleElement()
                .satisfies(i -> assertThat(i.rkey()).contains(f.orphanRkey));
        // Mood 7's only record breaks the lexicon but names it: one item with the mood, no "missing" mood beside it.
        assertThat(report.items(DriftKind.INVALID_RECORD)).singleElement().satisfies(i -> {
            assertThat(i.rkey()).contains(f.invalidRkey);
            assertThat(i.moodId()).contains(f.moods.get(7).id());
            assertThat(i.mood()).isPresent();
            assertThat(i.detail()).contains("mood: expected a string").contains("rewritten in place");
        });
        assertThat(report.items(DriftKind.CONTENT_DRIFT)).singleElement().satisfies(i -> {
            assertThat(i.moodId()).contains(f.moods.get(8).id());
            assertThat(i.detail()).contains("text differs");
            assertThat(i.record()).isPresent();
        });
        assertThat(report.items(DriftKind.MISSING_ON_PDS)).extracting(i -> i.moodId().orElseThrow())
                .containsExactly(f.moods.get(5).id(), f.moods.get(6).id());
        assertThat(report.items(DriftKind.MISSING_ON_PDS)).allSatisfy(i ->
                assertThat(i.rkey()).contains(MoodRecords.rkeyFor(i.moodId().orElseThrow())));
        assertThat(report.items(DriftKind.DANGLING_LINK)).extracting(i -> i.rkey().orElseThrow())
                .containsExactly(f.moods.get(3).rkey().orElseThrow(), f.moods.get(4).rkey().orElseThrow());
        // Unlinked moods with a copy at rkeyFor(id) keep that copy; the others keep the oldest.
        assertThat(report.items(DriftKind.UNLINKED)).allSatisfy(i -> {
            int n = f.moods.indexOf(f.store.find(i.moodId().orElseThrow()).orElseThrow());
            assertThat(n).isBetween(10, 29);
            assertThat(i.contentDiffers()).isFalse();
            if (n < 20) {
                assertThat(i.rkey()).contains(MoodRecords.rkeyFor(i.moodId().orElseThrow()));
            }
        });
        // Linked moods keep the linked copy, never the one at rkeyFor(id).
        assertThat(report.items(DriftKind.DUPLICATE)).filteredOn(i -> f.moods.indexOf(
                f.store.find(i.moodId().orElseThrow()).orElseThrow()) >= 130)
                .hasSize(20)
                .allSatisfy(i -> assertThat(i.rkey()).contains(MoodRecords.rkeyFor(i.moodId().orElseThrow())));
        assertThat(report.summary()).contains("DUPLICATE: 140").contains("IN_SYNC: 193");
        assertThat(report.toString()).contains("FOREIGN_REF mood=" + f.foreignMood.id());
    }

    @Test
    void keepsInSyncItemsWhenAskedAndNamesTheLegacyTimeOffset() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler r = Reconciler.builder().store(f.store).repo(f.repo).accounts(f.accounts).keepInSyncItems(true)
                .build();
        ReconcileReport report = r.reconcile(IncidentFixture.USER);
        assertThat(report.items(DriftKind.IN_SYNC)).hasSize(193);
        assertThat(report.items(DriftKind.IN_SYNC)).filteredOn(i -> i.moodId().equals(Optional.of(f.moods.get(9).id())))
                .singleElement().satisfies(i -> assertThat(i.detail()).contains("legacy mongoId").contains("3 ms off"));
    }

    @Test
    void aTighterToleranceMakesTheLegacyOffsetDrift() {
        IncidentOnFakes f = new IncidentOnFakes();
        Reconciler r = Reconciler.builder().store(f.store).repo(f.repo).accounts(f.accounts)
                .whenTolerance(java.time.Duration.ofMillis(2)).build();
        ReconcileReport report = r.reconcile(IncidentFixture.USER);
        assertThat(report.count(DriftKind.CONTENT_DRIFT)).isEqualTo(2);
        assertThat(report.items(DriftKind.CONTENT_DRIFT)).anySatisfy(i ->
                assertThat(i.detail()).contains("when differs by 3 ms"));
    }

    @Test
    void userWithoutAccountIsReportedAsNoAccount() {
        InMemoryMoodStore store = InMemoryMoodStore.create();
        UserId user = new UserId("auth0|nobody");
        store.insertIfAbsent(new Mood(MoodId.generate(), user, "hi", Instant.now(), false, Optional.empty(),
                Optional.empty()));
        Reconciler r = Reconciler.builder().store(store).repo(InMemoryAtprotoRepo.create())
                .accounts(InMemoryAccountDirectory.create()).build();
        ReconcileReport report = r.reconcile(user);
        assertThat(report.status()).isEqualTo(ReconcileReport.Status.NO_ACCOUNT);
        assertThat(report.moodCount()).isEqualTo(1);
        assertThat(report.isInSync()).isFalse();
        assertThat(report.summary()).contains("NO_ACCOUNT");
        assertThat(r.plan(report, RepairPolicy.DEFAULT).isEmpty()).isTrue();
    }

    @Test
    void pendingMoodsAreReportedAsExpectedDriftAndLeftAlone() {
        InMemoryMoodStore store = InMemoryMoodStore.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        UserId user = new UserId("auth0|pending");
        accounts.put(user, Account.of(Did.parse("did:plc:pending234567abcdefghijk"), Handle.parse("p.test"),
                Secret.of("x")));
        Mood m = Mood.posted(MoodId.generate(), user, "on its way", Instant.now());
        store.insert(m);
        Reconciler r = Reconciler.builder().store(store).repo(InMemoryAtprotoRepo.create()).accounts(accounts)
                .build();
        ReconcileReport report = r.reconcile(user);
        assertThat(report.count(DriftKind.MISSING_ON_PDS)).isEqualTo(1);
        assertThat(report.pendingCount()).isEqualTo(1);
        assertThat(report.items()).singleElement().satisfies(i -> {
            assertThat(i.pending()).isTrue();
            assertThat(i.detail()).contains("drift expected");
        });
        assertThat(report.isInSync()).isTrue();
        RepairPlan plan = r.plan(report, RepairPolicy.DEFAULT);
        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.unrepaired()).singleElement().satisfies(u -> assertThat(u.reason()).contains("pending"));
    }

    @Test
    void reconcilesAHundredThousandRecords() {
        InMemoryMoodStore store = InMemoryMoodStore.create();
        InMemoryAtprotoRepo repo = InMemoryAtprotoRepo.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        UserId user = new UserId("auth0|big");
        Did did = Did.parse("did:plc:big234567abcdefghijklmno");
        accounts.put(user, Account.of(did, Handle.parse("big.test"), Secret.of("x")));
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            MoodId id = MoodId.of(1_600_000_000L + i, 0x42L, i);
            Mood m = new Mood(id, user, "mood " + i, Instant.ofEpochSecond(1_600_000_000L + i), false,
                    Optional.of(MoodRecords.rkeyFor(id)), Optional.empty());
            store.insertIfAbsent(m);
            repo.seed(did, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id), MoodRecords.toRecord(m));
        }
        ReconcileReport report = Reconciler.builder().store(store).repo(repo).accounts(accounts).build()
                .reconcile(user);
        assertThat(report.count(DriftKind.IN_SYNC)).isEqualTo(n);
        assertThat(report.items()).isEmpty();
        assertThat(report.isInSync()).isTrue();
        assertThat(repo.calls(InMemoryAtprotoRepo.LIST_RECORDS)).isEqualTo(n / 100 + 1);
    }
}
