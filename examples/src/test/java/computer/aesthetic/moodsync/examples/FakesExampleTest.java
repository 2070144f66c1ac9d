package computer.aesthetic.moodsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

// README-BEGIN
class FakesExampleTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alicealicealicealice");

    final TestClock clock = new TestClock();
    final InMemoryMoodStore store = InMemoryMoodStore.create();                  // or MongoMoodStore on EmbeddedMongo
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()  // the user's ATProto account
            .put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("app-password")));
    final MoodSyncService moods = MoodSyncService.builder().store(store).repo(pds).accounts(accounts)
            .clock(clock).startWorker(false)   // no background thread: the test runs the worker with syncNow()
            .build();

    @AfterEach
    void close() {
        moods.close();
    }

    @Test
    void aPostReachesThePdsAtItsDerivedKey() {
        SyncResult result = moods.post(ALICE, "feeling sunny");

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        List<RepoRecord> records = pds.records(ALICE_DID, MoodRecords.COLLECTION);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.rkey()).isEqualTo(MoodRecords.rkeyFor(result.moodId()));
            assertThat(r.value()).containsEntry("mood", "feeling sunny");
        });
    }

    @Test
    void aPdsOutageLeavesThePostPendingAndTheWorkerCatchesUp() {
        pds.failNext(1, 503, null);                        // the next call answers 503 Service Unavailable
        SyncResult result = moods.post(ALICE, "is anyone there?");
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(result.reason()).contains(PendingReason.PDS_UNAVAILABLE);
        assertThat(moods.status(ALICE).pending()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(1));              // past the retry backoff (1 s, doubling)
        assertThat(moods.syncNow()).isEqualTo(1);          // the worker's pass, on this thread

        assertThat(moods.status(ALICE).pending()).isZero();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(1);
    }
}
// README-END
