package computer.aesthetic.moodsync.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoSyncState;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The follower is down for longer than the PDS's backfill window, and meanwhile an account is deleted: the replay
 * starts with {@code #info OutdatedCursor} (every known repository is resynced) and the deleted account's earlier
 * events are gone, so only its {@code #account status=deleted} remains. The reference PDS answers the listing of a
 * deleted account's repository with 400 {@code InvalidRequest} "Could not find repo" (as the in-memory PDS does):
 * that repository cannot be resynced, and must neither stop the follower nor cost the account its moods. Published
 * in the core test-jar; subclasses run it on other stores ({@link #newStore()}, {@link #newStateStore()}).
 */
public class OutdatedCursorDeletedAccountTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final UserId BOB = new UserId("auth0|bob");
    static final Did BOB_DID = Did.parse("did:plc:bob0000000000000000000000");
    static final Duration IDLE = Duration.ofMillis(50);

    MoodStore store;
    IngestStateStore state;
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryFirehose firehose = InMemoryFirehose.create();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<IngestChange> changes = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closeables = new ArrayList<>();
    MoodSyncService service;

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
        state = newStateStore();
        pds.attachFirehose(firehose);
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
        accounts.put(BOB, Account.of(BOB_DID, Handle.parse("bob.test"), Secret.of("pw-bob")));
        service = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).mode(SyncMode.INLINE)
                .startWorker(false).build();
        closeables.add(service);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    static EventSource source(InMemoryFirehose firehose) {
        return EventSource.decoding(cursor -> {
            InMemoryFirehose.Subscription s = firehose.subscribe(cursor);
            return new EventSource.Frames() {
                @Override
                public Optional<byte[]> next(Duration timeout) throws InterruptedException {
                    return s.next(timeout);
                }

                @Override
                public boolean isClosed() {
                    return s.isClosed();
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        });
    }

    Follower follower() {
        Follower f = service.follower().state(state).source("mem", source(firehose))
                .authenticator(CommitAuthenticator.of(CommitVerifier.of(JdkP256.verifier()), firehose::key))
                .listener(new IngestListener() {
                    @Override
                    public void changed(IngestChange change) {
                        changes.add(change);
                    }
                }).build();
        closeables.add(f);
        return f;
    }

    static Map<String, Object> record(String text, MoodId ref) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", text);
        r.put("when", "2026-01-02T03:04:05.678Z");
        r.put("ref", ref.toString());
        return r;
    }

    @Test
    void anAccountDeletedWhileDownPastTheBackfillWindowKeepsItsMoodsAndTheOthersResync() throws Exception {
        Follower f = follower();
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
        pds.seedRaw(BOB_DID, MoodRecords.COLLECTION, bob.rkey().orElseThrow(), record("bob's, edited", bobs));
        long edit = firehose.currentSeq();
        pds.accountStatus(ALICE_DID, Optional.of("deleted"));
        firehose.forgetThrough(edit);

        Follower again = follower();
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
        Follower third = follower();
        service.edit(bobs, "bob's, third");
        third.pump(IDLE);
        assertThat(pds.calls(InMemoryAtprotoRepo.LIST_RECORDS)).isZero();
        assertThat(third.stats().events()).isPositive();
    }
}
