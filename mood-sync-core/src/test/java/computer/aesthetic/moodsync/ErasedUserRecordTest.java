package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.reconcile.DriftKind;
import computer.aesthetic.moodsync.reconcile.ErasureReceipt;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.reconcile.RepairAction;
import computer.aesthetic.moodsync.reconcile.RepairPlan;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.RepairResult;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 schedule 7, randomized seed 200841: a create cannot carry {@code swapRecord}, so a writer frozen in its
 * create past its lease lands after the erasure deleted and verified. The tombstone stays; the next reconcile of the
 * user names that record {@link DriftKind#ERASED_USER_RECORD} and the default repair deletes it.
 */
public class ErasedUserRecordTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final UserId BOB = new UserId("auth0|bob");
    static final Did ALICE_DID = Did.parse("did:plc:alice234567abcdefghijklm");
    static final Did BOB_DID = Did.parse("did:plc:bob234567abcdefghijklmno");

    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    MoodStore store;
    MoodSyncService service;
    InMemoryAtprotoRepo.Stall stall;

    /**
     * Returns the store under test, called before each test; a subclass runs the same schedule on MongoDB.
     *
     * @return a new, empty store
     */
    protected MoodStore newStore() {
        return InMemoryMoodStore.create();
    }

    /**
     * Returns the lease the service takes (real time: the store judges it by its own clock).
     *
     * @return the lease
     */
    protected Duration lease() {
        return Duration.ofMillis(200);
    }

    @BeforeEach
    void setUp() {
        store = newStore();
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw")));
        accounts.put(BOB, Account.of(BOB_DID, Handle.parse("bob.test"), Secret.of("pw")));
        service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).mode(SyncMode.INLINE)
                .inlineTimeout(Duration.ofMillis(50)).lease(lease()).startWorker(false).build();
    }

    @AfterEach
    void tearDown() {
        if (stall != null) {
            stall.release();
        }
        service.close();
    }

    long moodsOf(UserId user) {
        try (Stream<Mood> s = store.listByUser(user)) {
            return s.count();
        }
    }

    /** Erases alice while her post's create is frozen, then lets the create land; returns the landed record. */
    RepoRecord frozenCreateLandsAfterAVerifiedErasure() throws Exception {
        service.post(ALICE, "before");
        stall = pds.stallNext(1, InMemoryAtprotoRepo.PUT_RECORD);
        assertThat(service.post(ALICE, "frozen in its create").outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();

        ErasureReceipt receipt = service.erase(ALICE, false); // waits out the lease, deletes, verifies
        assertThat(receipt.verified()).as(receipt.toString()).isTrue();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).isEmpty();

        stall.release(); // the frozen create lands now, after the verified erasure
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pds.records(ALICE_DID, MoodRecords.COLLECTION).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<RepoRecord> landed = pds.records(ALICE_DID, MoodRecords.COLLECTION);
        assertThat(landed).as("the frozen create landed in the erased repository").hasSize(1);
        assertThat(moodsOf(ALICE)).isZero();
        return landed.get(0);
    }

    @Test
    void aCreateFrozenPastItsLeaseLandsAfterTheErasureAndTheNextDefaultRepairDeletesIt() throws Exception {
        RepoRecord record = frozenCreateLandsAfterAVerifiedErasure();

        ReconcileReport report = service.reconcile(ALICE);
        assertThat(report.erasureFencedSince()).isPresent();
        assertThat(report.items(DriftKind.ERASED_USER_RECORD)).singleElement().satisfies(i -> {
            assertThat(i.rkey()).contains(record.rkey());
            assertThat(i.recordCid()).contains(record.cid());
        });
        assertThat(report.count(DriftKind.ORPHAN)).as("not left as a report-only orphan").isZero();
        assertThat(report.isInSync()).isFalse();
        RepairPlan plan = service.plan(report, RepairPolicy.DEFAULT);
        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo(RepairAction.Type.DELETE_RECORD);
            assertThat(a.cause()).isEqualTo(DriftKind.ERASED_USER_RECORD);
            assertThat(a.expectedCid()).contains(record.cid());
        });
        RepairResult result = service.repair(plan);
        assertThat(result.status()).as(result.toString()).isEqualTo(RepairResult.Status.COMPLETED);

        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).isEmpty();
        assertThat(moodsOf(ALICE)).isZero();
        assertThat(service.reconcile(ALICE).isInSync()).isTrue();
    }

    @Test
    void theDeleteIsConditionalOnTheCidReconcileSawAndOtherUsersAreUntouched() throws Exception {
        MoodId bobs = service.post(BOB, "bob's").moodId();
        RepoRecord record = frozenCreateLandsAfterAVerifiedErasure();
        // A record in alice's repository naming bob's mood: never touched, even for an erased user.
        pds.putRecord(ALICE_DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(bobs),
                MoodRecords.toRecord(store.find(bobs).orElseThrow()),
                computer.aesthetic.moodsync.spi.SwapRecord.any());

        ReconcileReport report = service.reconcile(ALICE);
        assertThat(report.count(DriftKind.ERASED_USER_RECORD)).isEqualTo(1);
        assertThat(report.count(DriftKind.FOREIGN_REF)).isEqualTo(1);
        RepairPlan plan = service.plan(report, RepairPolicy.DEFAULT);
        // The record changes after reconcile saw it: the conditional delete refuses, nothing else is deleted.
        pds.putRecord(ALICE_DID, MoodRecords.COLLECTION, record.rkey(),
                java.util.Map.of("$type", "computer.aesthetic.mood", "mood", "changed", "when",
                        "2026-01-01T00:00:00.000Z"), computer.aesthetic.moodsync.spi.SwapRecord.any());
        RepairResult result = service.repair(plan);
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(2);
        assertThat(result.skipped()).singleElement()
                .satisfies(sk -> assertThat(sk.action().rkey()).isEqualTo(record.rkey()));

        ReconcileReport again = service.reconcile(ALICE);
        service.repair(service.plan(again, RepairPolicy.DEFAULT));
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).extracting(RepoRecord::rkey)
                .containsExactly(MoodRecords.rkeyFor(bobs));
        assertThat(service.reconcile(BOB).isInSync()).isTrue();
        assertThat(Optional.of(store.find(bobs).orElseThrow().text())).contains("bob's");
    }
}
