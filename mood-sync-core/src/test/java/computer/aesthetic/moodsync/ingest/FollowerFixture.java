package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.IngestStateStore;
import computer.aesthetic.moodsync.spi.MoodStore;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The set-up the follower tests on the in-memory PDS share: alice and bob with accounts, an INLINE service without
 * a worker, and followers of the PDS's firehose (real signed frames, their signatures verified) whose changes are
 * recorded. Everything made is closed after each test, the last made first. Subclasses run on other stores by
 * overriding {@link #newStore()} and {@link #newStateStore()}; published in the core test-jar.
 */
public abstract class FollowerFixture {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final UserId BOB = new UserId("auth0|bob");
    static final Did BOB_DID = Did.parse("did:plc:bob0000000000000000000000");
    static final Duration IDLE = Duration.ofMillis(50);

    MoodStore store;
    IngestStateStore state;
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.create();
    final InMemoryFirehose firehose = InMemoryFirehose.create();
    /** The firehose's signed frames, decoded: each follower's source. */
    final EventSource source = EventSource.decoding(firehose::subscribe);
    /** Verifies the frames' P-256 signatures against the firehose's repository keys. */
    final CommitAuthenticator signatures = CommitAuthenticator.of(CommitVerifier.of(JdkP256.verifier()),
            firehose::key);
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
    void setUpFixture() {
        store = newStore();
        state = newStateStore();
        pds.attachFirehose(firehose);
        accounts.put(ALICE, Account.of(ALICE_DID, Handle.parse("alice.test"), Secret.of("pw-alice")));
        accounts.put(BOB, Account.of(BOB_DID, Handle.parse("bob.test"), Secret.of("pw-bob")));
        service = service();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    MoodSyncService service() {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts)
                .mode(SyncMode.INLINE).startWorker(false).build();
        closeables.add(s);
        return s;
    }

    Follower follower(MoodSyncService on) {
        return follower(on, IngestPolicy.DEFAULT);
    }

    Follower follower(MoodSyncService on, IngestPolicy policy) {
        Follower f = on.follower().policy(policy).state(state).source("mem", source)
                .authenticator(signatures)
                .listener(new IngestListener() {
                    @Override
                    public void changed(IngestChange change) {
                        changes.add(change);
                    }
                }).build();
        closeables.add(f);
        return f;
    }
}
