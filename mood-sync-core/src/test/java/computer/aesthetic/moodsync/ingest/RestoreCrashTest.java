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
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.JdkP256;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import computer.aesthetic.moodsync.testing.InMemoryIngestStateStore;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RESTORE policy reads the mood ({@code find}, still as the event's check saw it and without a marker) and
 * then places a fresh marker ({@code setPending}): two store calls. A crash (here: a store failure) before the
 * marker leaves nothing, and the event is replayed and restores; a crash after the marker, before the
 * repository state and cursor are saved, leaves the marker, which the replay defers to (IN_FLIGHT) and the write
 * path carries out. Either way the record comes back once, from the store.
 */
class RestoreCrashTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final Duration IDLE = Duration.ofMillis(50);
    static final IngestPolicy RESTORE = new IngestPolicy(IngestPolicy.OnDelete.RESTORE, IngestPolicy.OnEdit.RESTORE,
            IngestPolicy.OnNew.IMPORT);

    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryIngestStateStore state = new InMemoryIngestStateStore();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryFirehose firehose = InMemoryFirehose.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<IngestChange> changes = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closeables = new ArrayList<>();
    MoodSyncService service;
    Follower follower;
    MoodId id;
    Mood before;

    @BeforeEach
    void setUp() throws Exception {
        pds.attachFirehose(firehose);
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
        service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).mode(SyncMode.INLINE)
                .startWorker(false).build();
        closeables.add(service);
        follower = service.follower().policy(RESTORE).state(state)
                .source("mem", OutdatedCursorDeletedAccountTest.source(firehose))
                .authenticator(CommitAuthenticator.of(CommitVerifier.of(JdkP256.verifier()), firehose::key))
                .listener(new IngestListener() {
                    @Override
                    public void changed(IngestChange change) {
                        changes.add(change);
                    }
                }).build();
        closeables.add(follower);
        follower.pump(IDLE); // subscribed (live: no cursor yet)
        id = service.post(ALICE, "keep me").moodId();
        before = store.find(id).orElseThrow();
        follower.pump(IDLE);
        changes.clear();
        // Another client deletes the record.
        pds.unseed(ALICE_DID, MoodRecords.COLLECTION, before.rkey().orElseThrow());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
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
        store.failNext(1, "setPending");
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
        store.failNextAfterWrite(1, "setPending");
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
