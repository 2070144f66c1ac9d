package computer.aesthetic.moodsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Summaries read as English: "1 drift item", "1 item left alone", "1 record". */
class SummaryWordingTest {
    @Test
    void oneOfAThingIsSingular() {
        UserId alice = new UserId("auth0|alice");
        Did did = Did.parse("did:plc:alice00000000000000000000");
        InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
                .put(alice, Account.of(did, Handle.parse("alice.test"), Secret.of("pw")));
        MoodId lost = MoodId.generate(Instant.parse("2025-02-01T00:00:00Z"));
        pds.seed(did, MoodRecords.COLLECTION, RecordKey.parse("3lorphanrec22"),
                MoodRecords.toRecord(lost, "a mood whose document was lost", Instant.parse("2025-02-01T00:00:00Z")));
        try (MoodSyncService moods = MoodSyncService.builder().store(InMemoryMoodStore.create()).repo(pds)
                .accounts(accounts).startWorker(false).build()) {
            ReconcileReport report = moods.reconcile(alice);
            assertThat(report.summary()).contains("1 drift item;").contains("0 moods, 1 record,");
            RepairPlan plan = moods.plan(report, RepairPolicy.DEFAULT);
            assertThat(plan.summary()).contains("0 actions, at most 0 write points; 1 item left alone");
            RepairResult result = moods.repair(plan);
            assertThat(result.summary()).contains("0 actions applied");
        }
    }

    @Test
    void aRebuildOfTheStoreDoesNotSayItHeldDeletionsBackSinceItNeverDeletes() {
        UserId alice = new UserId("auth0|alice");
        Did did = Did.parse("did:plc:alice00000000000000000000");
        InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
        InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
                .put(alice, Account.of(did, Handle.parse("alice.test"), Secret.of("pw")));
        try (MoodSyncService moods = MoodSyncService.builder().store(InMemoryMoodStore.create()).repo(pds)
                .accounts(accounts).startWorker(false).build()) {
            MoodId id = moods.post(alice, "twice on the PDS").moodId();
            pds.seed(did, MoodRecords.COLLECTION, RecordKey.parse("3lduplicate22"),
                    MoodRecords.toRecord(id, "twice on the PDS", Instant.parse("2025-02-01T00:00:00Z")));
            assertThat(moods.reconcile(alice).summary()).contains("DUPLICATE: 1");

            RepairResult result = moods.rebuildStoreFromRecords(alice);

            assertThat(result.deletesHeldBack()).isZero();
            assertThat(result.summary()).doesNotContain("held back").doesNotContain("run again");
        }
    }
}
