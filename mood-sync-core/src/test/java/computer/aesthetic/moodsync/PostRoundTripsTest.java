package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a post costs in store round trips, and the fence and hold checks that share one of them (issue 15: every
 * post read the erase tombstone twice and the account hold once, three round trips where a QUEUED post had made
 * one). The fence is the read after the insert; the hold comes with it.
 */
class PostRoundTripsTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice234567abcdefghijklm");

    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    MoodSyncService service;

    PostRoundTripsTest() {
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw")));
    }

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    MoodSyncService service(SyncMode mode) {
        service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).mode(mode)
                .lease(Duration.ofSeconds(20)).startWorker(false).build();
        return service;
    }

    /** Every counted store call since the last reset, by operation (operations not called left out). */
    Map<String, Long> storeCalls() {
        Map<String, Long> out = new TreeMap<>();
        for (String op : InMemoryMoodStore.OPERATIONS) {
            long n = store.calls(op);
            if (n > 0) {
                out.put(op, n);
            }
        }
        return out;
    }

    @Test
    void aQueuedPostIsOneInsertAndOneReadOfTheUsersState() {
        MoodSyncService s = service(SyncMode.QUEUED);
        s.post(ALICE, "warm up"); // the account directory's cache is filled by the first post
        store.resetCalls();
        assertThat(s.post(ALICE, "queued").outcome()).isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(storeCalls()).isEqualTo(Map.of("insert", 1L, "userState", 1L));
    }

    @Test
    void anInlinePostAddsOnlyItsCompletionToThat() {
        MoodSyncService s = service(SyncMode.INLINE);
        s.post(ALICE, "warm up");
        store.resetCalls();
        assertThat(s.post(ALICE, "inline").outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        assertThat(storeCalls()).isEqualTo(Map.of("insert", 1L, "userState", 1L, "completeSync", 1L));
    }

    @Test
    void anEditIsAReadAChangeAndOneReadOfTheUsersState() {
        MoodSyncService s = service(SyncMode.QUEUED);
        MoodId id = s.post(ALICE, "first").moodId();
        store.resetCalls();
        s.edit(id, "second");
        assertThat(storeCalls()).isEqualTo(Map.of("find", 1L, "change", 1L, "userState", 1L));
    }

    @Test
    void aPostOfAnErasedUserIsRefusedAndNothingIsKept() {
        MoodSyncService s = service(SyncMode.QUEUED);
        store.fenceUser(ALICE, Instant.now());
        assertThatThrownBy(() -> s.post(ALICE, "too late")).isInstanceOf(UserErasedException.class);
        assertThat(store.snapshot()).isEmpty();
        assertThatThrownBy(() -> s.post(ALICE, MoodId.generate(Instant.now()), "too late, with an id"))
                .isInstanceOf(UserErasedException.class);
        assertThat(store.snapshot()).isEmpty();
    }

    @Test
    void aPostOfAHeldUserIsStoredDueLaterAndNeverSent() {
        MoodSyncService s = service(SyncMode.INLINE);
        s.post(ALICE, "before the hold");
        store.holdAccount(ALICE, "takendown", Instant.now());
        long writes = pds.calls(InMemoryAtprotoRepo.PUT_RECORD) + pds.calls(InMemoryAtprotoRepo.APPLY_WRITES);
        SyncResult r = s.post(ALICE, "while held");
        assertThat(r.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        Mood stored = store.find(r.moodId()).orElseThrow();
        assertThat(stored.pending()).isPresent();
        assertThat(stored.pending().get().isLeased(Instant.now())).as("no lease is left on a held write").isFalse();
        assertThat(stored.pending().get().nextAttemptAt()).as("due later, not now").isAfter(Instant.now());
        assertThat(s.syncNow()).isZero();
        assertThat(pds.calls(InMemoryAtprotoRepo.PUT_RECORD) + pds.calls(InMemoryAtprotoRepo.APPLY_WRITES))
                .isEqualTo(writes);
        assertThat(s.resumeAccount(ALICE)).isEqualTo(1);
        assertThat(s.syncNow()).isEqualTo(1);
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(2);
    }

    /**
     * A poster that died between its insert and its fence check (or whose check ran before an erasure that then
     * finished before its insert landed) leaves a pending mood of an erased user: the worker reads the fence with
     * the hold for each claimed batch, never sends such a mood, and removes the user's moods.
     */
    @Test
    void theWorkerNeverSendsAnErasedUsersMoodAndRemovesIt() {
        MoodSyncService s = service(SyncMode.QUEUED);
        Instant now = Instant.now();
        store.fenceUser(ALICE, now);
        Mood late = new Mood(MoodId.generate(now), ALICE, "landed after the erasure", now, false, Optional.empty(),
                Optional.of(PendingSync.start(SyncOp.CREATE, now)));
        store.insert(late); // as the dead poster's insert, after the erase's fence and deletion
        s.syncNow();
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).isEmpty();
        assertThat(pds.calls(InMemoryAtprotoRepo.PUT_RECORD) + pds.calls(InMemoryAtprotoRepo.APPLY_WRITES)).isZero();
        assertThat(store.snapshot()).isEmpty();
    }
}
