package computer.aesthetic.moodsync.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.JdkP256;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue #13, operations of the follower. {@code #account}: an account deleted, taken down or deactivated keeps its moods, is marked durably
 * (visible in {@code status}) and its writes stop (stored, pending {@link PendingReason#ACCOUNT_INACTIVE}, no PDS
 * call, no attempt counted) until {@code #account active=true} or {@link MoodSyncService#resumeAccount}, which
 * drains them. The policy alternatives: RESTORE of a deleted or edited record, DELETE of a new one, never touching
 * a record whose {@code ref} names another user's mood. Runs on the in-memory PDS whose firehose emits real signed frames; subclasses run it on other
 * stores ({@link #newStore()}, {@link #newStateStore()}).
 */
public class FollowerOpsTest extends FollowerFixture {
    List<String> texts() {
        return pds.records(ALICE_DID, MoodRecords.COLLECTION).stream().map(r -> (String) r.value().get("mood"))
                .sorted().toList();
    }

    int attempts(MoodId id) {
        return store.find(id).orElseThrow().pending().orElseThrow().attempts();
    }

    @Test
    void aTakenDownAccountKeepsItsMoodsStopsItsWritesAndDrainsWhenActiveAgain() throws Exception {
        Follower f = follower(service);
        f.pump(IDLE); // subscribed (live: no cursor yet)
        MoodId kept = service.post(ALICE, "before the takedown").moodId();
        f.pump(IDLE);

        pds.accountStatus(ALICE_DID, Optional.of("takendown"));
        f.pump(IDLE);
        assertThat(changes).anyMatch(c -> c.kind() == IngestChange.Kind.ACCOUNT);
        assertThat(service.status(ALICE).accountHold()).hasValueSatisfying(h ->
                assertThat(h.status()).isEqualTo("takendown"));
        assertThat(store.find(kept).orElseThrow().deleted()).as("the moods stay").isFalse();

        pds.resetCalls();
        SyncResult posted = service.post(ALICE, "while taken down");
        SyncResult edited = service.edit(kept, "edited while taken down");
        assertThat(posted.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        assertThat(edited.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        assertThat(posted.detail().orElseThrow()).contains("takendown");
        service.syncNow();
        service.syncNow();
        assertThat(pds.totalCalls()).as("no PDS call for a held account").isZero();
        assertThat(attempts(posted.moodId())).as("no attempt burnt").isZero();
        assertThat(attempts(kept)).isZero();
        assertThat(service.stats().attemptsFailed()).isZero();
        assertThat(service.stats().heldBack()).isGreaterThanOrEqualTo(2);
        assertThat(service.failed(Optional.of(ALICE))).isEmpty();
        assertThat(texts()).containsExactly("before the takedown");

        pds.accountStatus(ALICE_DID, Optional.empty());
        f.pump(IDLE);
        assertThat(service.status(ALICE).accountHold()).isEmpty();
        service.syncNow();
        assertThat(texts()).containsExactly("edited while taken down", "while taken down");
        assertThat(service.status(ALICE).pending()).isZero();
        assertThat(service.status(ALICE).synced()).isEqualTo(2);
    }

    @Test
    void aWriteRefusedForADeactivatedAccountHoldsTheAccountUntilTheOperatorResumesIt() {
        pds.accountStatus(ALICE_DID, Optional.of("deactivated"));
        SyncResult first = service.post(ALICE, "refused");
        assertThat(first.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        assertThat(attempts(first.moodId())).as("the refusal counts no attempt").isZero();
        assertThat(service.status(ALICE).accountHold()).hasValueSatisfying(h ->
                assertThat(h.status()).isEqualTo("deactivated"));

        pds.resetCalls();
        SyncResult second = service.post(ALICE, "held");
        assertThat(second.reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        service.syncNow();
        assertThat(pds.totalCalls()).as("once held, the PDS is not called").isZero();

        // The hold is durable: a new service instance on the same store sees it and holds too.
        MoodSyncService restarted = service();
        assertThat(restarted.status(ALICE).accountHold()).isPresent();
        assertThat(restarted.post(ALICE, "after a restart").reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        assertThat(pds.totalCalls()).isZero();

        pds.accountStatus(ALICE_DID, Optional.empty());
        assertThat(restarted.resumeAccount(ALICE)).isEqualTo(3);
        restarted.syncNow();
        assertThat(texts()).containsExactly("after a restart", "held", "refused");
        assertThat(restarted.stats().attemptsFailed()).isZero();
    }

    @Test
    void anAccountDeletedWhileTheFollowerIsDownIsHeldOnReplay() throws Exception {
        Follower f = follower(service);
        f.pump(IDLE); // subscribed (live: no cursor yet)
        MoodId kept = service.post(ALICE, "mine").moodId();
        f.pump(IDLE);
        assertThat(state.cursor("mem")).isPresent();
        f.close();
        // Deleting an account removes its earlier events: the replay sees only #account status=deleted.
        pds.accountStatus(ALICE_DID, Optional.of("deleted"));
        Follower again = follower(service);
        again.pump(IDLE);
        assertThat(service.status(ALICE).accountHold()).hasValueSatisfying(h ->
                assertThat(h.status()).isEqualTo("deleted"));
        Mood m = store.find(kept).orElseThrow();
        assertThat(m.deleted()).isFalse();
        assertThat(m.text()).isEqualTo("mine");
        pds.resetCalls();
        assertThat(service.delete(kept).reason()).contains(PendingReason.ACCOUNT_INACTIVE);
        service.syncNow();
        assertThat(pds.totalCalls()).isZero();
        List<RepoRecord> left = pds.records(ALICE_DID, MoodRecords.COLLECTION);
        assertThat(left).hasSize(1);
    }

    static java.util.Map<String, Object> record(String text, Optional<MoodId> ref) {
        java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", text);
        r.put("when", "2026-01-02T03:04:05.678Z");
        ref.ifPresent(id -> r.put("ref", id.toString()));
        return r;
    }

    static final IngestPolicy RESTORE = new IngestPolicy(IngestPolicy.OnDelete.RESTORE, IngestPolicy.OnEdit.RESTORE,
            IngestPolicy.OnNew.DELETE);

    @Test
    void restorePolicyWritesADeletedRecordBackFromTheStore() throws Exception {
        Follower f = follower(service, RESTORE);
        f.pump(IDLE);
        MoodId id = service.post(ALICE, "keep me").moodId();
        Mood before = store.find(id).orElseThrow();
        f.pump(IDLE);
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow());
        f.pump(IDLE);
        assertThat(changes).anyMatch(c -> c.kind() == IngestChange.Kind.RESTORED && c.mood().equals(Optional.of(id)));
        assertThat(store.find(id).orElseThrow().deleted()).isFalse();
        service.syncNow();
        assertThat(texts()).containsExactly("keep me");
        RepoRecord back = pds.getRecord(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow()).orElseThrow();
        assertThat(back.cid()).as("the same record, rebuilt from the store").isEqualTo(MoodRecords.cidOf(before));
        changes.clear();
        f.pump(IDLE);
        assertThat(changes).as("the restore's own commit is an echo").allMatch(c -> c.kind() == IngestChange.Kind.ECHO);
        assertThat(store.find(id).orElseThrow().pending()).isEmpty();
    }

    @Test
    void restorePolicyWritesTheStoredTextOverAnEditedRecord() throws Exception {
        Follower f = follower(service, RESTORE);
        f.pump(IDLE);
        MoodId id = service.post(ALICE, "the original").moodId();
        Mood before = store.find(id).orElseThrow();
        f.pump(IDLE);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow(),
                record("vandalised", Optional.of(id)));
        f.pump(IDLE);
        assertThat(store.find(id).orElseThrow().text()).isEqualTo("the original");
        assertThat(changes).anyMatch(c -> c.kind() == IngestChange.Kind.RESTORED);
        service.syncNow();
        assertThat(texts()).containsExactly("the original");
        assertThat(service.stats().attemptsFailed()).isZero();
    }

    @Test
    void restorePolicyNeverOverwritesARecordThatNamesAnotherMood() throws Exception {
        Follower f = follower(service, RESTORE);
        f.pump(IDLE);
        MoodId id = service.post(ALICE, "mine").moodId();
        MoodId bobs = service.post(BOB, "bob's").moodId();
        Mood before = store.find(id).orElseThrow();
        f.pump(IDLE);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow(),
                record("claims bob's mood", Optional.of(bobs)));
        f.pump(IDLE);
        assertThat(changes).noneMatch(c -> c.kind() == IngestChange.Kind.RESTORED);
        assertThat(store.find(id).orElseThrow().pending()).isEmpty();
        assertThat(store.find(bobs).orElseThrow().text()).isEqualTo("bob's");
        assertThat(texts()).containsExactly("claims bob's mood");
    }

    @Test
    void deletePolicyRemovesANewRecordWithoutAMoodButNeverOneNamingAnotherUsersMood() throws Exception {
        Follower f = follower(service, RESTORE);
        f.pump(IDLE);
        MoodId mine = service.post(ALICE, "mine").moodId();
        MoodId bobs = service.post(BOB, "bob's").moodId();
        f.pump(IDLE);
        changes.clear();
        computer.aesthetic.moodsync.syntax.RecordKey stray = computer.aesthetic.moodsync.syntax.RecordKey
                .parse("3l4ppbzw2qt2x");
        computer.aesthetic.moodsync.syntax.RecordKey stolen = computer.aesthetic.moodsync.syntax.RecordKey
                .parse("3l4ppbzw2qt2y");
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, stray, record("from another app", Optional.empty()));
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, stolen, record("stolen", Optional.of(bobs)));
        f.pump(IDLE);
        assertThat(pds.getRecord(ALICE_DID, MoodRecords.COLLECTION, stray)).isEmpty();
        assertThat(pds.getRecord(ALICE_DID, MoodRecords.COLLECTION, stolen)).as("never touched").isPresent();
        assertThat(store.findByRkey(ALICE, stray)).isEmpty();
        assertThat(store.findByRkey(ALICE, stolen)).as("never linked").isEmpty();
        assertThat(kinds()).contains(IngestChange.Kind.REMOVED, IngestChange.Kind.REPORTED);
        assertThat(store.find(bobs).orElseThrow().text()).isEqualTo("bob's");
        assertThat(store.find(mine).orElseThrow().text()).isEqualTo("mine");
        changes.clear();
        f.pump(IDLE);
        assertThat(kinds()).as("its own delete is no change").doesNotContain(IngestChange.Kind.REMOVED);
    }

    List<IngestChange.Kind> kinds() {
        return changes.stream().map(IngestChange::kind).toList();
    }

    @Test
    void anIdentityEventDropsTheCachedKeySoTheNextCommitLooksItUpAgain() throws Exception {
        java.util.Map<Did, computer.aesthetic.moodsync.sync.DidKey> cache = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        CommitVerifier verifier = CommitVerifier.of(JdkP256.verifier());
        CommitAuthenticator caching = new CommitAuthenticator() {
            @Override
            public void authenticate(computer.aesthetic.moodsync.sync.FirehoseEvent.Commit commit) {
                verifier.verify(commit, cache.computeIfAbsent(commit.repo(), d -> {
                    lookups.incrementAndGet();
                    return firehose.key(d);
                }));
            }

            @Override
            public void refresh(Did did) {
                cache.remove(did);
            }
        };
        Follower f = service.follower().state(state).source("mem", source).authenticator(caching).build();
        closeables.add(f);
        f.pump(IDLE);
        service.post(ALICE, "one");
        f.pump(IDLE);
        service.post(ALICE, "two");
        service.post(ALICE, "three");
        f.pump(IDLE);
        int before = lookups.get();
        assertThat(f.stats().resyncs()).isEqualTo(1);
        firehose.identity(ALICE_DID, Optional.of("alice.example"));
        f.pump(IDLE);
        assertThat(cache).doesNotContainKey(ALICE_DID);
        service.post(ALICE, "four");
        f.pump(IDLE);
        assertThat(lookups.get()).as("looked up again after #identity, once").isEqualTo(before + 1);
        assertThat(f.stats().resyncs()).as("the commits after it verify").isEqualTo(1);
    }

    @Test
    void aCrashWithABatchOfUnsavedEventsReplaysThemAsNoOps() throws Exception {
        FailingIngestStateStore failing = new FailingIngestStateStore(state);
        state = failing;
        Follower f = service.follower().state(failing).source("mem", source).saveCursorEvery(1000,
                Duration.ofHours(1)).authenticator(signatures).build();
        closeables.add(f);
        f.pump(IDLE);
        List<MoodId> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(service.post(ALICE, "mood " + i).moodId());
        }
        f.pump(IDLE);
        long saved = failing.cursor("mem").orElseThrow();
        // Another client edits two, deletes two and creates three records.
        for (int i = 0; i < 2; i++) {
            Mood m = store.find(ids.get(i)).orElseThrow();
            pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(),
                    record("edited " + i, Optional.of(m.id())));
            Mood d = store.find(ids.get(i + 2)).orElseThrow();
            pds.unseed(ALICE_DID, MoodRecords.COLLECTION, d.rkey().orElseThrow());
        }
        for (int i = 0; i < 3; i++) {
            pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, computer.aesthetic.moodsync.syntax.RecordKey
                    .parse("3l4ppbzw2qt2" + (char) ('a' + i)), record("elsewhere " + i, Optional.empty()));
        }
        failing.failNext("saveCursor", 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.pump(IDLE))
                .as("the batch's cursor save fails: kill -9 before it").isInstanceOf(
                        computer.aesthetic.moodsync.StoreException.class);
        assertThat(f.stats().applied()).isEqualTo(7);
        assertThat(failing.cursor("mem")).hasValue(saved);
        List<Mood> before;
        try (var all = store.listByUser(ALICE)) {
            before = all.toList();
        }
        // The follower is abandoned as it is; another (same instance, so same owner) replays from the saved cursor.
        Follower again = service.follower().state(failing).source("mem", source)
                .authenticator(signatures).build();
        closeables.add(again);
        changes.clear();
        again.pump(IDLE);
        assertThat(again.stats().events()).as("the unsaved batch was replayed").isGreaterThanOrEqualTo(7);
        assertThat(again.stats().applied()).as("and applied nothing twice").isZero();
        assertThat(kinds()).doesNotContain(IngestChange.Kind.EDITED, IngestChange.Kind.DELETED,
                IngestChange.Kind.IMPORTED);
        try (var all = store.listByUser(ALICE)) {
            assertThat(all.toList()).containsExactlyInAnyOrderElementsOf(before);
        }
        assertThat(before).hasSize(9);
        assertThat(failing.cursor("mem")).hasValue(firehose.currentSeq());
    }

    /**
     * The follower is down for longer than the PDS's backfill window, and meanwhile an account is deleted: the
     * replay starts with {@code #info OutdatedCursor} (every known repository is resynced) and the deleted account's
     * earlier events are gone, so only its {@code #account status=deleted} remains. The reference PDS answers the
     * listing of a deleted account's repository with 400 {@code InvalidRequest} "Could not find repo" (as the
     * in-memory PDS does): that repository cannot be resynced, and must neither stop the follower nor cost the account
     * its moods. On MongoDB ({@code MongoFollowerOpsTest}) the repository state keeps its account status across
     * reopens.
     */
    @Test
    void anAccountDeletedWhileDownPastTheBackfillWindowKeepsItsMoodsAndTheOthersResync() throws Exception {
        Follower f = follower(service);
        f.pump(IDLE); // subscribed (live: no cursor yet)
        MoodId alices = service.post(ALICE, "alice's").moodId();
        MoodId alicesOther = service.post(ALICE, "alice's other").moodId();
        MoodId bobs = service.post(BOB, "bob's").moodId();
        f.pump(IDLE);
        assertThat(state.repo("mem", ALICE_DID)).isPresent();
        assertThat(state.cursor("mem")).hasValue(firehose.currentSeq());
        f.close();

        // While the follower is down: another client edits bob's record, alice's account is deleted (its earlier
        // events go with it), and the backfill window drops everything up to the edit.
        Mood bob = store.find(bobs).orElseThrow();
        pds.seedRaw(BOB_DID, MoodRecords.COLLECTION, bob.rkey().orElseThrow(), record("bob's, edited", Optional.of(bobs)));
        long edit = firehose.currentSeq();
        pds.accountStatus(ALICE_DID, Optional.of("deleted"));
        firehose.forgetThrough(edit);

        Follower again = follower(service);
        again.pump(IDLE);
        assertThat(again.pump(IDLE)).as("the follower goes on: nothing left to replay").isZero();

        assertThat(store.find(bobs).orElseThrow().text()).as("the resync caught the edit made while down")
                .isEqualTo("bob's, edited");
        assertThat(service.status(ALICE).accountHold()).hasValueSatisfying(h ->
                assertThat(h.status()).isEqualTo("deleted"));
        for (MoodId id : List.of(alices, alicesOther)) {
            Mood m = store.find(id).orElseThrow();
            assertThat(m.deleted()).as("a deleted account keeps its moods").isFalse();
            assertThat(m.pending()).isEmpty();
        }
        assertThat(changes).noneMatch(c -> c.kind() == IngestChange.Kind.DELETED);
        assertThat(state.cursor("mem")).as("past the whole replay").hasValue(firehose.currentSeq());
        RepoSyncState alice = state.repo("mem", ALICE_DID).orElseThrow();
        assertThat(alice.accountStatus()).contains("deleted");
        assertThat(alice.status()).as("resynced once the account is active again")
                .isEqualTo(RepoSyncState.Status.DESYNCHRONIZED);
        assertThat(changes).anyMatch(c -> c.kind() == IngestChange.Kind.REPORTED && c.repo().equals(ALICE_DID)
                && c.detail().contains("could not be listed"));

        // Reopening the stream does not list the deleted repository again, and live events of others still apply.
        pds.resetCalls();
        again.close();
        Follower third = follower(service);
        service.edit(bobs, "bob's, third");
        third.pump(IDLE);
        assertThat(pds.calls(InMemoryAtprotoRepo.LIST_RECORDS)).isZero();
        assertThat(third.stats().events()).isPositive();
    }
}
