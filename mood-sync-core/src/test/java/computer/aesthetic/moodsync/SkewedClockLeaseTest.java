package computer.aesthetic.moodsync;

import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.PUT_RECORD;
import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, schedule 3 (tail): leases are judged by one clock, the store's. Two service instances share one store;
 * B's clock runs more than a lease ahead of A's (and of the store's). While A holds a live lease on a mood (its
 * write hangs in the PDS), B must not take the mood: neither its worker nor an INLINE edit. Before the fix each
 * instance judged expiry by its own clock, and B took A's live lease.
 */
public class SkewedClockLeaseTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final Did ALICE_DID = Did.parse("did:plc:alice00000000000000000000");
    static final Duration LEASE = Duration.ofSeconds(30);

    /** The store's (database server's) clock; instance clocks are skewed views of it. */
    final TestClock server = TestClock.at(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(server).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<MoodSyncService> services = new ArrayList<>();
    final ExecutorService background = Executors.newCachedThreadPool();
    MoodStore store;

    /**
     * Returns the store under test; a subclass runs the same schedule on MongoDB (whose server clock is real).
     *
     * @param serverClock the clock the fake store judges leases by
     * @return a new, empty store
     */
    protected MoodStore newStore(Clock serverClock) {
        return InMemoryMoodStore.create(serverClock);
    }

    @BeforeEach
    void setUp() {
        store = newStore(server);
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
                .lease(LEASE).inlineTimeout(Duration.ofSeconds(5)).instanceId(name).build();
        services.add(s);
        return s;
    }

    @Test
    void anInstanceWhoseClockRunsALeaseAheadDoesNotTakeALiveLease() throws Exception {
        MoodSyncService a = instance("A", SyncMode.QUEUED, server);
        MoodSyncService b = instance("B", SyncMode.INLINE, server.skewed(LEASE.plusSeconds(5)));
        MoodId id = a.post(ALICE, "v0").moodId();
        InMemoryAtprotoRepo.Stall stall = pds.stallNext(1, PUT_RECORD);
        Future<Integer> stalled = background.submit(a::syncNow); // A claims the mood; its write hangs
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        String holder = store.find(id).orElseThrow().pending().orElseThrow().leaseOwner().orElseThrow();
        assertThat(holder).startsWith("A/");

        // no time passes: only B's clock says A's lease has run out
        assertThat(b.syncNow()).as("B's worker claims nothing").isZero();
        SyncResult edit = b.edit(id, "v1");
        assertThat(edit.outcome()).as("B's INLINE edit waits for A").isEqualTo(SyncResult.Outcome.PENDING);
        assertThat(edit.reason()).contains(PendingReason.BUSY);
        assertThat(store.find(id).orElseThrow().pending().orElseThrow().leaseOwner()).contains(holder);

        stall.release();
        stalled.get(5, TimeUnit.SECONDS);
        b.syncNow(); // the edit's marker, released by A's superseded completion, is written now
        Mood m = store.find(id).orElseThrow();
        assertThat(m.pending()).isEmpty();
        assertThat(m.text()).isEqualTo("v1");
        assertThat(pds.records(ALICE_DID, MoodRecords.COLLECTION)).singleElement()
                .satisfies(r -> assertThat(r.value().get("mood")).isEqualTo("v1"));
    }
}
