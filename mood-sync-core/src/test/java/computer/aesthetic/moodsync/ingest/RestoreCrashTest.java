package computer.aesthetic.moodsync.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RESTORE policy reads the mood ({@code find}, still as the event's check saw it and without a marker) and
 * then places a fresh marker ({@code setPending}): two store calls. A crash (here: a store failure) before the
 * marker leaves nothing, and the event is replayed and restores; a crash after the marker, before the
 * repository state and cursor are saved, leaves the marker, which the replay defers to (IN_FLIGHT) and the write
 * path carries out. Either way the record comes back once, from the store.
 */
class RestoreCrashTest extends FollowerFixture {
    static final IngestPolicy RESTORE = new IngestPolicy(IngestPolicy.OnDelete.RESTORE, IngestPolicy.OnEdit.RESTORE,
            IngestPolicy.OnNew.IMPORT);

    /** The store, with its failure injection. */
    final InMemoryMoodStore memory = InMemoryMoodStore.create();
    Follower follower;
    MoodId id;
    Mood before;

    @Override
    protected MoodStore newStore() {
        return memory;
    }

    @BeforeEach
    void setUp() throws Exception {
        follower = follower(service, RESTORE);
        follower.pump(IDLE); // subscribed (live: no cursor yet)
        id = service.post(ALICE, "keep me").moodId();
        before = store.find(id).orElseThrow();
        follower.pump(IDLE);
        changes.clear();
        // Another client deletes the record.
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow());
    }

    List<IngestChange.Kind> kinds() {
        return changes.stream().filter(c -> c.mood().equals(Optional.of(id))).map(IngestChange::kind).toList();
    }

    void theRecordComesBackOnceFromTheStore() throws Exception {
        pds.resetCalls();
        service.syncNow();
        RepoRecord back = pds.getRecord(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow()).orElseThrow();
        assertThat(back.cid()).isEqualTo(MoodRecords.cidOf(before));
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).hasSize(1);
        assertThat(store.find(id).orElseThrow().pending()).isEmpty();
        changes.clear();
        follower.pump(IDLE);
        assertThat(kinds()).as("the restore's own commit").containsOnly(IngestChange.Kind.ECHO);
        assertThat(store.find(id).orElseThrow().deleted()).isFalse();
    }

    @Test
    void aCrashBeforeTheMarkerLeavesNothingAndTheReplayRestores() throws Exception {
        long cursor = state.cursor("mem").orElseThrow();
        memory.failNext(1, "setPending");
        assertThatThrownBy(() -> follower.pump(IDLE)).isInstanceOf(StoreException.class);
        assertThat(store.find(id).orElseThrow()).as("untouched").isEqualTo(before);
        assertThat(state.cursor("mem")).as("the event is not passed").hasValue(cursor);

        follower.pump(IDLE);
        assertThat(kinds()).containsExactly(IngestChange.Kind.RESTORED);
        assertThat(store.find(id).orElseThrow().pending()).isPresent();
        theRecordComesBackOnceFromTheStore();
    }

    @Test
    void aCrashAfterTheMarkerLeavesItToTheWritePath() throws Exception {
        long cursor = state.cursor("mem").orElseThrow();
        memory.failNextAfterWrite(1, "setPending");
        assertThatThrownBy(() -> follower.pump(IDLE)).isInstanceOf(StoreException.class);
        Mood marked = store.find(id).orElseThrow();
        assertThat(marked.pending()).as("the marker is placed").isPresent();
        assertThat(marked.text()).isEqualTo(before.text());
        assertThat(marked.deleted()).isFalse();
        assertThat(state.cursor("mem")).as("the event is not passed").hasValue(cursor);

        follower.pump(IDLE);
        assertThat(kinds()).as("the replay defers to the marker").containsExactly(IngestChange.Kind.IN_FLIGHT);
        assertThat(store.find(id).orElseThrow().pending()).isEqualTo(marked.pending());
        theRecordComesBackOnceFromTheStore();
    }
}
