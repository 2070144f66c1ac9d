package computer.aesthetic.moodsync.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoSyncState;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.RepoOp;
import computer.aesthetic.moodsync.sync.VerificationException;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryIngestStateStore;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The follower on the in-memory fakes: every policy branch, replay, crash, gap, verification, lease. Subclasses
 * run the same schedules on other stores ({@link #newStore()}, {@link #newStateStore()}); published in the core
 * test-jar.
 */
public class FollowerTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final UserId BOB = new UserId("auth0|bob");
    static final Did BOB_DID = Did.parse("did:plc:bob0000000000000000000000");
    static final Duration IDLE = Duration.ofMillis(1);

    MoodStore store;
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    FailingIngestStateStore state;
    final ScriptedFirehose firehose = new ScriptedFirehose(pds);
    final List<IngestChange> changes = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closeables = new ArrayList<>();
    MoodSyncService service;
    final AtomicInteger badSignatures = new AtomicInteger();

    /**
     * Returns the mood store of one test.
     *
     * @return an empty store
     */
    protected MoodStore newStore() {
        return InMemoryMoodStore.create();
    }

    /**
     * Returns the ingest state store of one test.
     *
     * @return an empty store
     */
    protected IngestStateStore newStateStore() {
        return new InMemoryIngestStateStore();
    }

    @BeforeEach
    void setUp() {
        store = newStore();
        state = new FailingIngestStateStore(newStateStore());
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
        accounts.put(BOB, Account.of(BOB_DID, Handle.parse("bob.test"), Secret.of("pw-bob")));
        service = service(SyncMode.INLINE);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    MoodSyncService service(SyncMode mode) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).mode(mode)
                .startWorker(false).inlineTimeout(Duration.ofSeconds(30)).build(); // a loaded machine is slow: no timing here
        closeables.add(s);
        return s;
    }

    Follower.Builder builder(IngestStateStore st) {
        return Follower.builder().store(store).repo(pds).accounts(accounts).state(st).source("pds.test", firehose)
                .owner("f1").listener(new IngestListener() {
                    @Override
                    public void changed(IngestChange change) {
                        changes.add(change);
                    }
                }).authenticator(c -> {
                    if (badSignatures.get() > 0) {
                        badSignatures.decrementAndGet();
                        throw new VerificationException(VerificationException.Reason.BAD_SIGNATURE, "bad signature");
                    }
                });
    }

    Follower follower() {
        Follower f = builder(state).build();
        closeables.add(f);
        return f;
    }

    static List<IngestChange.Kind> kinds(List<IngestChange> cs) {
        return cs.stream().map(IngestChange::kind).toList();
    }

    Mood posted(String text) {
        MoodId id = service.post(ALICE, text).moodId();
        return store.find(id).orElseThrow();
    }

    Map<String, Object> record(String text, Optional<MoodId> ref) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", text);
        r.put("when", "2026-01-02T03:04:05.678Z");
        ref.ifPresent(id -> r.put("ref", id.toString()));
        return r;
    }

    /** Brings the follower past the first (resync) commit of Alice's repository. */
    Follower primed() throws Exception {
        Follower f = follower();
        posted("first");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        changes.clear();
        return f;
    }

    @Test
    void aRepositorySeenForTheFirstTimeIsResyncedThenFollowedOnTheChain() throws Exception {
        Follower f = follower();
        posted("hello");
        firehose.sync(ALICE_DID);
        assertThat(f.pump(IDLE)).isEqualTo(1);
        assertThat(kinds(changes)).containsExactly(IngestChange.Kind.ECHO, IngestChange.Kind.RESYNCED);
        assertThat(state.repo("pds.test", ALICE_DID).orElseThrow().status())
                .isEqualTo(RepoSyncState.Status.SYNCHRONIZED);
        assertThat(state.cursor("pds.test")).hasValue(1);
        posted("second");
        firehose.sync(ALICE_DID);
        changes.clear();
        f.pump(IDLE);
        assertThat(kinds(changes)).containsExactly(IngestChange.Kind.ECHO);
        assertThat(f.stats().resyncs()).isEqualTo(1);
    }

    @Test
    void ourOwnPostsEditsAndDeletesProduceZeroIngestChanges() throws Exception {
        Follower f = primed();
        Mood m = posted("mine");
        firehose.sync(ALICE_DID);
        service.edit(m.id(), "mine, edited");
        firehose.sync(ALICE_DID);
        service.delete(m.id());
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(kinds(changes)).as("a follower lagging behind the app sees its older writes as superseded")
                .containsExactly(IngestChange.Kind.SUPERSEDED, IngestChange.Kind.SUPERSEDED, IngestChange.Kind.ECHO);
        assertThat(f.stats().applied()).isZero();
        changes.clear();
        Mood n = posted("in step");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        service.edit(n.id(), "in step, edited");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        service.delete(n.id());
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(kinds(changes)).containsOnly(IngestChange.Kind.ECHO).hasSize(3);
        assertThat(f.stats().applied()).isZero();
        assertThat(store.find(m.id()).orElseThrow().text()).isEqualTo("mine, edited");
    }

    @Test
    void anEditOnThePdsIsTakenWithoutAMarker() throws Exception {
        Follower f = primed();
        Mood m = posted("before");
        firehose.sync(ALICE_DID);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("after", Optional.of(m.id())));
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        Mood now = store.find(m.id()).orElseThrow();
        assertThat(now.text()).isEqualTo("after");
        assertThat(now.pending()).as("the PDS has it already").isEmpty();
        assertThat(kinds(changes)).containsExactly(IngestChange.Kind.ECHO, IngestChange.Kind.EDITED);
        assertThat(f.stats().applied()).isEqualTo(1);
    }

    @Test
    void aDeleteOnThePdsSoftDeletesTheMood() throws Exception {
        Follower f = primed();
        Mood m = posted("doomed");
        firehose.sync(ALICE_DID);
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow());
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        Mood now = store.find(m.id()).orElseThrow();
        assertThat(now.deleted()).isTrue();
        assertThat(now.pending()).isEmpty();
        assertThat(now.rkey()).isEqualTo(m.rkey());
        assertThat(kinds(changes)).endsWith(IngestChange.Kind.DELETED);
    }

    @Test
    void reportOnlyPolicyChangesNothing() throws Exception {
        Follower f = builder(state).policy(IngestPolicy.REPORT_ONLY).build();
        closeables.add(f);
        Mood m = posted("kept");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        changes.clear();
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("edited", Optional.of(m.id())));
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, RecordKey.parse("3l4ppbzw2qt2x"),
                record("new", Optional.empty()));
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow());
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(kinds(changes)).containsOnly(IngestChange.Kind.REPORTED).hasSize(3);
        assertThat(store.find(m.id()).orElseThrow()).isEqualTo(m);
        assertThat(store.findByRkey(ALICE, RecordKey.parse("3l4ppbzw2qt2x"))).isEmpty();
    }

    @Test
    void anInvalidRecordIsReportedNeverCopied() throws Exception {
        Follower f = primed();
        Mood m = posted("valid");
        firehose.sync(ALICE_DID);
        Map<String, Object> bad = record("x", Optional.of(m.id()));
        bad.put("mood", 42L);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), bad);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, RecordKey.parse("3l4ppbzw2qt2x"), bad);
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(store.find(m.id()).orElseThrow().text()).isEqualTo("valid");
        assertThat(store.findByRkey(ALICE, RecordKey.parse("3l4ppbzw2qt2x"))).isEmpty();
        assertThat(changes.stream().filter(c -> c.kind() == IngestChange.Kind.REPORTED)
                .map(IngestChange::detail)).hasSize(2).allMatch(d -> d.startsWith("invalid record"));
    }

    @Test
    void aNewRecordWithoutMoodIsImportedOnceEvenWhenReplayed() throws Exception {
        Follower f = primed();
        RecordKey k = RecordKey.parse("3l4ppbzw2qt2x");
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, k, record("from another app", Optional.empty()));
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        Mood imported = store.findByRkey(ALICE, k).orElseThrow();
        assertThat(imported.text()).isEqualTo("from another app");
        assertThat(imported.user()).isEqualTo(ALICE);
        assertThat(imported.pending()).isEmpty();
        assertThat(imported.when()).isEqualTo(Instant.parse("2026-01-02T03:04:05.678Z"));
        // Replay everything into a follower with no memory at all: nothing is applied twice.
        IngestStateStore fresh = newStateStore();
        Follower again = builder(fresh).source("pds.fresh", firehose).owner("f2").build();
        closeables.add(again);
        changes.clear();
        again.pump(IDLE);
        assertThat(again.stats().applied()).isZero();
        try (var all = store.listByUser(ALICE)) {
            assertThat(all.filter(x -> x.rkey().equals(Optional.of(k))).count()).isEqualTo(1);
        }
    }

    @Test
    void aRecordNamingAnotherUsersMoodIsNeverLinked() throws Exception {
        Follower f = primed();
        MoodId bobs = service.post(BOB, "bob's").moodId();
        RecordKey k = RecordKey.parse("3l4ppbzw2qt2x");
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, k, record("stolen", Optional.of(bobs)));
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(store.findByRkey(ALICE, k)).isEmpty();
        assertThat(store.find(bobs).orElseThrow().text()).isEqualTo("bob's");
        assertThat(changes).anyMatch(c -> c.kind() == IngestChange.Kind.REPORTED
                && c.detail().contains("another user's mood"));
    }

    @Test
    void aMoodWithAWriteInFlightIsLeftToItsMarker() throws Exception {
        Follower f = primed();
        Mood m = posted("v1");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        MoodSyncService queued = service(SyncMode.QUEUED);
        queued.edit(m.id(), "v2 (local, not yet on the PDS)");
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("elsewhere", Optional.of(m.id())));
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        Mood now = store.find(m.id()).orElseThrow();
        assertThat(now.text()).isEqualTo("v2 (local, not yet on the PDS)");
        assertThat(now.pending()).isPresent();
        assertThat(kinds(changes)).endsWith(IngestChange.Kind.IN_FLIGHT);
        assertThat(f.stats().inFlight()).isEqualTo(1);
    }

    @Test
    void ourOwnCreateSeenBeforeTheLinkIsStoredIsLeftToItsMarker() throws Exception {
        // Seen on the reference PDS under load: the create's commit reaches the follower before the writer stores
        // the record key, so the mood is still unlinked with its CREATE marker.
        Follower f = primed();
        MoodId id = MoodId.generate(Instant.parse("2026-11-30T10:00:00Z"));
        Mood unlinked = new Mood(id, ALICE, "posted, create in flight", Instant.parse("2026-11-30T10:00:00Z"), false,
                Optional.empty(), Optional.of(computer.aesthetic.moodsync.PendingSync.start(
                        computer.aesthetic.moodsync.SyncOp.CREATE, Instant.parse("2026-11-30T10:00:00Z"))));
        store.insert(unlinked);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id), MoodRecords.toRecord(unlinked));
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(kinds(changes)).containsOnly(IngestChange.Kind.IN_FLIGHT);
        assertThat(store.find(id).orElseThrow()).isEqualTo(unlinked);
    }

    @Test
    void aCrashBetweenApplyAndCursorSaveReplaysTheEventAsANoOp() throws Exception {
        // The cursor saved after every event, so the crash lands between two events (FollowerOpsTest crashes a
        // batched follower).
        Follower f = builder(state).saveCursorEvery(1, Duration.ZERO).build();
        closeables.add(f);
        posted("first");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        changes.clear();
        Mood m = posted("before");
        firehose.sync(ALICE_DID);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("after", Optional.of(m.id())));
        firehose.sync(ALICE_DID);
        state.failNext("saveCursor", 2);
        assertThatThrownBy(() -> f.pump(IDLE)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> f.pump(IDLE)).isInstanceOf(StoreException.class);
        long cursorBefore = state.cursor("pds.test").orElseThrow();
        // kill -9: the follower is abandoned as it is (close() would save the cursor of the events it handled)
        state.failNext("saveRepo", 1);
        Follower restarted = follower();
        assertThatThrownBy(() -> restarted.pump(IDLE)).as("crash after the store write, before the repo state")
                .isInstanceOf(StoreException.class);
        changes.clear();
        restarted.pump(IDLE);
        assertThat(store.find(m.id()).orElseThrow().text()).isEqualTo("after");
        assertThat(changes).noneMatch(c -> c.kind() == IngestChange.Kind.EDITED);
        assertThat(state.cursor("pds.test").orElseThrow()).isGreaterThan(cursorBefore);
        assertThat(state.cursor("pds.test")).hasValue(firehose.log().size());
    }

    @Test
    void aGapResyncsTheRepositoryDeletionsIncluded() throws Exception {
        Follower f = primed();
        Mood kept = posted("kept");
        Mood gone = posted("gone");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, gone.rkey().orElseThrow());
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, kept.rkey().orElseThrow(),
                record("kept, edited", Optional.of(kept.id())));
        firehose.syncAndLose(ALICE_DID);
        posted("after the gap");
        firehose.sync(ALICE_DID);
        changes.clear();
        f.pump(IDLE);
        assertThat(changes).anyMatch(c -> c.kind() == IngestChange.Kind.RESYNCED && c.detail().startsWith("gap"));
        assertThat(store.find(gone.id()).orElseThrow().deleted()).isTrue();
        assertThat(store.find(kept.id()).orElseThrow().text()).isEqualTo("kept, edited");
        assertThat(state.repo("pds.test", ALICE_DID).orElseThrow().status())
                .isEqualTo(RepoSyncState.Status.SYNCHRONIZED);
    }

    @Test
    void aCommitThatFailsVerificationIsNeverAppliedAndResyncsTheRepository() throws Exception {
        Follower f = primed();
        Mood m = posted("x");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("y", Optional.of(m.id())));
        firehose.sync(ALICE_DID);
        badSignatures.set(1);
        changes.clear();
        f.pump(IDLE);
        assertThat(kinds(changes)).contains(IngestChange.Kind.RESYNCED);
        assertThat(changes.stream().filter(c -> c.kind() == IngestChange.Kind.RESYNCED).findFirst().orElseThrow()
                .detail()).contains("failed verification");
        // the resync read the PDS itself, so the edit is there (from the listing, not from the bad event)
        assertThat(store.find(m.id()).orElseThrow().text()).isEqualTo("y");
    }

    @Test
    void aTamperedOpIsCaughtByTheInversion() throws Exception {
        Follower f = primed();
        Mood m = posted("x");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("y", Optional.of(m.id())));
        FirehoseEvent.Commit real = firehose.sync(ALICE_DID).orElseThrow();
        // the op claims another previous record: the chain (since, prevData) still matches, the inversion must not
        RepoOp op = real.ops().get(0);
        RepoOp lie = new RepoOp(op.action(), op.path(), op.cid(), Optional.of(op.cid().orElseThrow()));
        firehose.replaceLast(new FirehoseEvent.Commit(real.seq(), real.repo(), real.commit(), real.rev(), real.since(),
                real.blocks(), List.of(lie), real.blobs(), real.time(), real.prevData(), false, false));
        changes.clear();
        f.pump(IDLE);
        assertThat(changes.stream().filter(c -> c.kind() == IngestChange.Kind.RESYNCED).findFirst().orElseThrow()
                .detail()).contains("failed verification").contains("prevData");
        // the resync read the PDS itself
        assertThat(store.find(m.id()).orElseThrow().text()).isEqualTo("y");
    }

    @Test
    void outdatedCursorResyncsEveryKnownRepository() throws Exception {
        Follower f = primed();
        Mood m = posted("x");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow());
        firehose.syncAndLose(ALICE_DID);
        firehose.emit(new FirehoseEvent.Info(FirehoseEvent.Info.OUTDATED_CURSOR, Optional.empty()));
        changes.clear();
        f.pump(IDLE);
        assertThat(kinds(changes)).contains(IngestChange.Kind.RESYNCED);
        assertThat(store.find(m.id()).orElseThrow().deleted()).isTrue();
    }

    @Test
    void accountEventsMarkTheAccountAndIdentityEventsRefresh() throws Exception {
        Follower f = primed();
        firehose.emit(new FirehoseEvent.Account(firehose.nextSeq(), ALICE_DID, Instant.now().toString(), false,
                Optional.of("takendown")));
        firehose.emit(new FirehoseEvent.Identity(firehose.nextSeq(), ALICE_DID, Instant.now().toString(),
                Optional.empty()));
        f.pump(IDLE);
        assertThat(state.repo("pds.test", ALICE_DID).orElseThrow().accountStatus()).contains("takendown");
        assertThat(kinds(changes)).containsExactly(IngestChange.Kind.ACCOUNT, IngestChange.Kind.IDENTITY);
        try (var moods = store.listByUser(ALICE)) {
            assertThat(moods).isNotEmpty().noneMatch(Mood::deleted);
        }
        firehose.emit(new FirehoseEvent.Account(firehose.nextSeq(), ALICE_DID, Instant.now().toString(), true,
                Optional.empty()));
        f.pump(IDLE);
        assertThat(state.repo("pds.test", ALICE_DID).orElseThrow().accountStatus()).isEmpty();
    }

    @Test
    void anErrorFrameReconnectsFromTheSavedCursor() throws Exception {
        Follower f = primed();
        int opened = firehose.opened;
        firehose.emit(new FirehoseEvent.ErrorFrame(FirehoseEvent.ErrorFrame.CONSUMER_TOO_SLOW, Optional.empty()));
        Mood m = posted("after the error");
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(firehose.opened).isEqualTo(opened + 1);
        assertThat(changes).anyMatch(c -> c.mood().equals(Optional.of(m.id())));
        assertThat(state.cursor("pds.test")).hasValue(firehose.log().stream()
                .filter(e -> e.sequence().isPresent()).count());
    }

    @Test
    void oneFollowerPerSourceAndAStandbyTakesOverADeadOneAfterALeaseTime() throws Exception {
        AtomicLong nanos = new AtomicLong();
        Follower a = builder(state).owner("a").nanoTime(nanos::get).leaseTime(Duration.ofSeconds(30)).build();
        Follower b = builder(state).owner("b").nanoTime(nanos::get).leaseTime(Duration.ofSeconds(30)).build();
        closeables.add(b);
        posted("one");
        firehose.sync(ALICE_DID);
        assertThat(a.pump(IDLE)).isEqualTo(1);
        assertThat(a.isActive()).isTrue();
        assertThat(b.pump(IDLE)).isZero();
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        a.pump(IDLE); // renews: the version moves
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(b.pump(IDLE)).as("the lease moved within the lease time: a is alive").isZero();
        // a dies without releasing (kill -9): the version stands still
        nanos.addAndGet(Duration.ofSeconds(31).toNanos());
        posted("two");
        firehose.sync(ALICE_DID);
        assertThat(b.pump(IDLE)).isEqualTo(1);
        assertThat(b.isActive()).isTrue();
        assertThat(state.saveCursor("pds.test", "a", 99)).isFalse();
        assertThat(a.pump(IDLE)).as("a renews, finds b holds the lease, stands by").isZero();
        assertThat(a.isActive()).isFalse();
    }

    @Test
    void closingReleasesTheLeaseSoAStandbyTakesOverAtOnce() throws Exception {
        Follower a = builder(state).owner("a").build();
        Follower b = builder(state).owner("b").build();
        closeables.add(b);
        a.pump(IDLE);
        assertThat(b.pump(IDLE)).isZero();
        assertThat(b.isActive()).isFalse();
        a.close();
        b.pump(IDLE);
        assertThat(b.isActive()).isTrue();
    }

    @Test
    void startedFollowerAppliesInTheBackground() throws Exception {
        Follower f = follower();
        f.start();
        Mood m = posted("bg");
        firehose.sync(ALICE_DID);
        pds.seedRaw(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow(), record("bg2", Optional.of(m.id())));
        firehose.sync(ALICE_DID);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (f.stats().cursor().orElse(0) < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(store.find(m.id()).orElseThrow().text()).isEqualTo("bg2");
        assertThat(f.stats().lag()).isPresent();
        f.close();
        assertThat(state.lease("pds.test").owner()).isEmpty();
    }

    @Test
    void theServiceBuildsAFollowerOnItsOwnParts() throws Exception {
        Follower f = service.follower().state(state).source("pds.test", firehose).authenticator(c -> { })
                .listener(new IngestListener() {
                    @Override
                    public void changed(IngestChange change) {
                        changes.add(change);
                    }
                }).build();
        closeables.add(f);
        Mood m = posted("via the service");
        firehose.sync(ALICE_DID);
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, m.rkey().orElseThrow());
        firehose.sync(ALICE_DID);
        f.pump(IDLE);
        assertThat(store.find(m.id()).orElseThrow().deleted()).isTrue();
        assertThat(state.lease("pds.test").owner().orElseThrow()).endsWith("/follower");
    }
}
