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
}
