package computer.aesthetic.moodsync.spi;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PendingSync;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of the fenced {@link MoodStore#completeSync(MoodId, long, String, Optional, Optional, Instant)}
 * (issue 11): the recorded CID follows the writes, and a superseded write never leaves the store without a marker.
 * Every implementation subclasses this class and supplies {@link #newStore()}. Published in the core test-jar.
 */
public abstract class FencedMoodStoreContract {
    /** A fixed base time. */
    protected static final Instant T0 = Instant.parse("2025-10-09T12:00:00.123Z");
    private static final UserId ALICE = new UserId("auth0|alice");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Cid C1 = DagCbor.cidOf(Map.of("n", 1L));
    private static final Cid C2 = DagCbor.cidOf(Map.of("n", 2L));

    /** The store under test, fresh for each test. */
    protected MoodStore store;

    /**
     * Returns a new, empty store. Called once before each test.
     *
     * @return the store
     */
    protected abstract MoodStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    private static MoodId id() {
        return MoodId.of(T0.getEpochSecond(), 0x1234567890L, COUNTER.incrementAndGet() & 0xFF_FFFF);
    }

    private static RecordKey rkey() {
        return Tid.of(T0.getEpochSecond() * 1_000_000L + COUNTER.incrementAndGet(), 9).toRecordKey();
    }

    private Mood posted() {
        Mood m = Mood.posted(id(), ALICE, "hello", T0);
        store.insert(m);
        return m;
    }

    private long token(MoodId id) {
        return store.find(id).orElseThrow().pending().orElseThrow().token();
    }

    @Test
    void completeSyncRecordsTheCidWithTheLink() {
        Mood m = posted();
        RecordKey k = rkey();
        assertThat(store.completeSync(m.id(), token(m.id()), "w", Optional.of(k), Optional.of(C1), T0)).isTrue();
        Mood after = store.find(m.id()).orElseThrow();
        assertThat(after.rkey()).contains(k);
        assertThat(after.recordCid()).contains(C1);
        assertThat(after.pending()).isEmpty();
    }

    @Test
    void theCidFollowsLaterWritesAndADeleteForgetsIt() {
        Mood m = posted();
        RecordKey k = rkey();
        store.completeSync(m.id(), token(m.id()), "w", Optional.of(k), Optional.of(C1), T0);
        store.setPending(m.id(), PendingSync.start(SyncOp.UPDATE, T0));
        store.completeSync(m.id(), token(m.id()), "w", Optional.of(k), Optional.of(C2), T0);
        assertThat(store.find(m.id()).orElseThrow().recordCid()).contains(C2);
        // a change keeps the recorded CID (the record is unchanged until written)
        store.change(m.id(), new MoodChange(Optional.empty(), Optional.of(true), PendingSync.start(SyncOp.DELETE, T0)));
        assertThat(store.find(m.id()).orElseThrow().recordCid()).contains(C2);
        store.completeSync(m.id(), token(m.id()), "w", Optional.empty(), Optional.empty(), T0);
        Mood after = store.find(m.id()).orElseThrow();
        assertThat(after.rkey()).contains(k);
        assertThat(after.recordCid()).isEmpty();
    }

    @Test
    void aRelinkOrTheUnfencedCompleteSyncForgetsTheCid() {
        Mood m = posted();
        RecordKey k = rkey();
        store.completeSync(m.id(), token(m.id()), "w", Optional.of(k), Optional.of(C1), T0);
        store.setLink(m.id(), Optional.of(rkey()));
        assertThat(store.find(m.id()).orElseThrow().recordCid()).isEmpty();
        store.setPending(m.id(), PendingSync.start(SyncOp.UPDATE, T0));
        store.completeSync(m.id(), token(m.id()), "w", Optional.of(k), Optional.of(C1), T0);
        store.setPending(m.id(), PendingSync.start(SyncOp.UPDATE, T0));
        store.completeSync(m.id(), token(m.id()), "w", Optional.of(k));
        assertThat(store.find(m.id()).orElseThrow().recordCid()).isEmpty();
    }

    @Test
    void aSupersededWriteLeavesTheCidAndTheNewerMarkerButReleasesItsLease() {
        Mood m = posted();
        RecordKey k = rkey();
        long old = token(m.id());
        store.completeSync(m.id(), old, "w", Optional.of(k), Optional.of(C1), T0);
        store.setPending(m.id(), PendingSync.start(SyncOp.UPDATE, T0));
        store.tryLease(m.id(), "stale", T0, T0.plus(Duration.ofMinutes(1)));
        long newer = token(m.id());
        assertThat(store.completeSync(m.id(), old, "stale", Optional.of(k), Optional.of(C2), T0)).isFalse();
        Mood after = store.find(m.id()).orElseThrow();
        assertThat(after.recordCid()).contains(C1);
        assertThat(after.pending().orElseThrow().token()).isEqualTo(newer);
        assertThat(after.pending().orElseThrow().leaseOwner()).isEmpty();
    }

    @Test
    void aSupersededWriteWithNoMarkerLeftPutsAnUpdateBack() {
        Mood m = posted();
        RecordKey k = rkey();
        long stale = token(m.id());
        store.setPending(m.id(), PendingSync.start(SyncOp.UPDATE, T0));
        store.completeSync(m.id(), token(m.id()), "b", Optional.of(k), Optional.of(C2), T0);
        Instant now = T0.plusSeconds(90);
        assertThat(store.completeSync(m.id(), stale, "a", Optional.of(k), Optional.of(C1), now)).isFalse();
        Mood after = store.find(m.id()).orElseThrow();
        PendingSync back = after.pending().orElseThrow();
        assertThat(back.op()).isEqualTo(SyncOp.UPDATE);
        assertThat(back.nextAttemptAt()).isEqualTo(now);
        assertThat(back.leaseOwner()).isEmpty();
        assertThat(back.failed()).isFalse();
        assertThat(after.recordCid()).contains(C2);
        assertThat(store.claimDue(new Claim("w", now, Duration.ofMinutes(1), Optional.empty(), 10)))
                .extracting(Mood::id).containsExactly(m.id());
    }

    @Test
    void aSupersededWriteOfADeletedMoodPutsADeleteBack() {
        Mood m = posted();
        long stale = token(m.id());
        store.change(m.id(), new MoodChange(Optional.empty(), Optional.of(true), PendingSync.start(SyncOp.DELETE, T0)));
        store.completeSync(m.id(), token(m.id()), "b", Optional.empty(), Optional.empty(), T0);
        assertThat(store.completeSync(m.id(), stale, "a", Optional.of(rkey()), Optional.of(C1), T0)).isFalse();
        Mood after = store.find(m.id()).orElseThrow();
        assertThat(after.pending().orElseThrow().op()).isEqualTo(SyncOp.DELETE);
        assertThat(after.rkey()).isPresent(); // the record exists: linked, so the delete finds it
    }

    @Test
    void completeSyncOfAMissingMoodIsFalse() {
        assertThat(store.completeSync(id(), 1, "w", Optional.of(rkey()), Optional.of(C1), T0)).isFalse();
    }

    // ---- completeSyncAll (a worker's batch, issue 15) ------------------------------------------------------------

    @Test
    void completeSyncAllRecordsEveryCurrentWrite() {
        Mood a = posted();
        Mood b = posted();
        RecordKey ka = rkey();
        RecordKey kb = rkey();
        Completion.Results r = store.completeSyncAll(List.of(
                new Completion(a.id(), token(a.id()), Optional.of(ka), Optional.of(C1)),
                new Completion(b.id(), token(b.id()), Optional.of(kb), Optional.of(C2))), "w", T0);
        assertThat(r.done()).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(r.failed()).isEmpty();
        Mood afterA = store.find(a.id()).orElseThrow();
        assertThat(afterA.pending()).isEmpty();
        assertThat(afterA.rkey()).contains(ka);
        assertThat(afterA.recordCid()).contains(C1);
        assertThat(store.find(b.id()).orElseThrow().recordCid()).contains(C2);
    }

    @Test
    void completeSyncAllNeverReportsASupersededWriteAndPutsMarkersBack() {
        Mood current = posted();
        Mood edited = posted();
        Mood completedByAnother = posted();
        long editedOld = token(edited.id());
        store.tryLease(edited.id(), "w", T0, T0.plus(Duration.ofMinutes(1)));
        store.setPending(edited.id(), PendingSync.start(SyncOp.UPDATE, T0)); // edited while the batch was in flight
        long newer = token(edited.id());
        long staleToken = token(completedByAnother.id());
        store.setPending(completedByAnother.id(), PendingSync.start(SyncOp.UPDATE, T0));
        RecordKey kc = rkey();
        store.completeSync(completedByAnother.id(), token(completedByAnother.id()), "b", Optional.of(kc),
                Optional.of(C2), T0);
        Instant now = T0.plusSeconds(5);
        Completion.Results r = store.completeSyncAll(List.of(
                new Completion(current.id(), token(current.id()), Optional.of(rkey()), Optional.of(C1)),
                new Completion(edited.id(), editedOld, Optional.of(rkey()), Optional.of(C1)),
                new Completion(completedByAnother.id(), staleToken, Optional.of(kc), Optional.of(C1))), "w", now);
        assertThat(r.done()).doesNotContain(edited.id(), completedByAnother.id());
        assertThat(r.failed()).isEmpty();
        // the newer marker stays, its lease (this writer's) released
        PendingSync e = store.find(edited.id()).orElseThrow().pending().orElseThrow();
        assertThat(e.token()).isEqualTo(newer);
        assertThat(e.leaseOwner()).isEmpty();
        // no marker was left: one is put back, so the current state is written again
        Mood c = store.find(completedByAnother.id()).orElseThrow();
        assertThat(c.pending()).isPresent();
        assertThat(c.recordCid()).contains(C2);
        // a write reported done was recorded; one recorded but not reported gets a marker back
        Mood cur = store.find(current.id()).orElseThrow();
        assertThat(r.done().contains(current.id()) ? cur.pending().isEmpty() : cur.pending().isPresent()).isTrue();
    }
}
