package computer.aesthetic.moodsync;

import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.APPLY_WRITES;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.PUT_RECORD;
import static org.assertj.core.api.Assertions.assertThat;

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
import computer.aesthetic.moodsync.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, schedule 3: a write that outlives its lease (a stall, a frozen worker, a clock running a lease ahead)
 * never leaves the PDS behind the store, and a lost answer is recognised. Several service instances share one
 * store and one fake PDS, each with its own clock.
 */
public class FencedWriteTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final Duration LEASE = Duration.ofSeconds(30);

    final TestClock clock = TestClock.at(Instant.parse("2026-11-28T10:00:00Z"));
    MoodStore store;
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<MoodSyncService> services = new ArrayList<>();
    final ExecutorService background = Executors.newCachedThreadPool();

    /**
     * Returns the store under test, called before each test; a subclass runs the same schedules on MongoDB.
     *
     * @return a new, empty store
     */
    protected MoodStore newStore() {
        return InMemoryMoodStore.create();
    }

    /**
     * Returns the lease the instances take; a store judging leases by a real server's clock needs a short one.
     *
     * @return the lease
     */
    protected Duration lease() {
        return LEASE;
    }

    /**
     * Lets the lease taken a moment ago run out: for the store (which judges leases by its own clock) and for the
     * instances' clocks. The in-memory store made by {@link #newStore()} judges by the callers' clock, so moving
     * that is enough; a store on a real server waits too.
     */
    protected void leaseRunsOut() {
        clock.advance(lease().plusSeconds(1));
    }

    @BeforeEach
    void accounts() {
        store = newStore();
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
    }

    @AfterEach
    void close() {
        background.shutdownNow();
        services.forEach(MoodSyncService::close);
    }

    MoodSyncService instance(String name, SyncMode mode, Clock instanceClock) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(instanceClock)
                .mode(mode).startWorker(false).maxAttempts(5).backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .lease(lease()).inlineTimeout(lease().dividedBy(6)).instanceId(name).build();
        services.add(s);
        return s;
    }

    List<String> texts() {
        return pds.records(ALICE_DID, MoodRecords.COLLECTION).stream().map(r -> (String) r.value().get("mood"))
                .toList();
    }

    /** Both sides agree: one record per live mood with the store's content, no marker left. */
    void assertAgreed(MoodId id) {
        Mood m = store.find(id).orElseThrow();
        assertThat(m.pending()).as("marker of %s", id).isEmpty();
        List<RepoRecord> mine = pds.records(ALICE_DID, MoodRecords.COLLECTION).stream()
                .filter(r -> DefaultMoodSyncService.refersTo(r, id)).toList();
        if (m.deleted()) {
            assertThat(mine).isEmpty();
        } else {
            assertThat(mine).hasSize(1);
            assertThat(mine.get(0).value()).isEqualTo(MoodRecords.toRecord(m));
            assertThat(m.recordCid()).contains(mine.get(0).cid());
        }
    }

    @Test
    void aPutStalledPastItsLeaseNeverLandsOverANewerEdit() throws Exception {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodSyncService b = instance("B", SyncMode.INLINE, clock);
        MoodId id = b.post(ALICE, "v0").moodId();
        a.edit(id, "v1");
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, PUT_RECORD);
        Future<Integer> stalled = background.submit(a::syncNow);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();

        leaseRunsOut(); // A's lease runs out while its put hangs
        assertThat(b.edit(id, "v2").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        stall.release();
        stalled.get(5, TimeUnit.SECONDS);

        assertThat(texts()).containsExactly("v2");
        assertThat(store.find(id).orElseThrow().text()).isEqualTo("v2");
        assertAgreed(id);
    }

    @Test
    void aStalledWriteOfALegacyLinkWithoutACidIsFencedToo() throws Exception {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodSyncService b = instance("B", SyncMode.INLINE, clock);
        MoodId id = b.post(ALICE, "v0").moodId();
        store.setLink(id, Optional.empty()); // relinked as a legacy link: the CID is not known
        store.setLink(id, Optional.of(MoodRecords.rkeyFor(id)));
        store.find(id).ifPresent(m -> assertThat(m.recordCid()).isEmpty());
        a.edit(id, "v1");
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, PUT_RECORD);
        Future<Integer> stalled = background.submit(a::syncNow);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        leaseRunsOut();
        b.edit(id, "v2");
        stall.release();
        stalled.get(5, TimeUnit.SECONDS);
        assertThat(texts()).containsExactly("v2");
        assertAgreed(id);
    }

    @Test
    void aClockRunningALeaseAheadCannotMakeAnOlderWriteWin() throws Exception {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodSyncService ahead = instance("B", SyncMode.INLINE, clock.skewed(lease().plusSeconds(5)));
        MoodId id = ahead.post(ALICE, "v0").moodId();
        a.edit(id, "v1");
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, PUT_RECORD);
        Future<Integer> stalled = background.submit(a::syncNow);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        // no time passes: B's clock alone thinks A's lease has run out
        ahead.edit(id, "v2");
        stall.release();
        stalled.get(5, TimeUnit.SECONDS);
        a.syncNow();
        ahead.syncNow();
        assertThat(texts()).containsExactly("v2");
        assertAgreed(id);
    }

    @Test
    void aFrozenBatchDoesNotResurrectAMoodDeletedMeanwhile() throws Exception {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodSyncService b = instance("B", SyncMode.INLINE, clock);
        MoodId gone = a.post(ALICE, "to be deleted").moodId();
        MoodId kept = a.post(ALICE, "kept").moodId();
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, APPLY_WRITES);
        Future<Integer> frozen = background.submit(a::syncNow);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        leaseRunsOut();
        assertThat(b.delete(gone).outcome()).isEqualTo(SyncResult.Outcome.SYNCED); // nothing on the PDS yet
        stall.release();
        frozen.get(5, TimeUnit.SECONDS); // the batch lands: "gone" is back on the PDS for a moment
        // the superseded create put a marker back: the next pass deletes the record again
        assertThat(store.find(gone).orElseThrow().pending()).isPresent();
        b.syncNow();
        assertThat(texts()).containsExactly("kept");
        assertAgreed(gone);
        assertAgreed(kept);
    }

    @Test
    void aStalledDeleteDoesNotRemoveAnUndeletedMood() throws Exception {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodSyncService b = instance("B", SyncMode.INLINE, clock);
        MoodId id = b.post(ALICE, "alive").moodId();
        a.delete(id);
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, InMemoryAtprotoRepo.DELETE_RECORD);
        Future<Integer> stalled = background.submit(a::syncNow);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        leaseRunsOut();
        b.undelete(id);
        b.edit(id, "alive again");
        stall.release();
        stalled.get(5, TimeUnit.SECONDS);
        b.syncNow();
        assertThat(texts()).containsExactly("alive again");
        assertAgreed(id);
    }

    @Test
    void anOlderWriteLandingAfterAnEqualNewerStateIsWrittenOverAgain() throws Exception {
        // A-B-A: the newer write leaves the record's CID as it was, so the stale put's swap holds; the stale
        // writer's report then finds its marker gone and puts one back.
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodSyncService b = instance("B", SyncMode.INLINE, clock);
        MoodId id = b.post(ALICE, "v0").moodId();
        a.edit(id, "v1");
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, PUT_RECORD);
        Future<Integer> stalled = background.submit(a::syncNow);
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        leaseRunsOut();
        b.edit(id, "v0");
        stall.release();
        stalled.get(5, TimeUnit.SECONDS);
        assertThat(texts()).containsExactly("v1"); // for a moment
        assertThat(store.find(id).orElseThrow().pending()).isPresent();
        b.syncNow();
        assertThat(texts()).containsExactly("v0");
        assertAgreed(id);
    }

    @Test
    void aLostAnswerFollowedByAnEditIsRecognisedAndOverwritten() {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodId id = a.post(ALICE, "v0").moodId();
        a.syncNow();
        a.edit(id, "v1");
        pds.loseAnswerNext(1, PUT_RECORD); // v1 lands, the answer is lost: the store still records v0's CID
        a.syncNow();
        assertThat(texts()).containsExactly("v1");
        assertThat(store.find(id).orElseThrow().pending()).isPresent();
        a.edit(id, "v2");
        clock.advance(Duration.ofSeconds(5));
        a.syncNow();
        assertThat(texts()).containsExactly("v2");
        assertAgreed(id);
    }

    @Test
    void aLostAnswerRetriedIsRecognisedAsLanded() {
        MoodSyncService a = instance("A", SyncMode.QUEUED, clock);
        MoodId id = a.post(ALICE, "v0").moodId();
        a.syncNow();
        a.edit(id, "v1");
        pds.loseAnswerNext(1, PUT_RECORD);
        a.syncNow();
        clock.advance(Duration.ofSeconds(5));
        pds.resetCalls();
        a.syncNow();
        assertThat(texts()).containsExactly("v1");
        assertAgreed(id);
    }
}
