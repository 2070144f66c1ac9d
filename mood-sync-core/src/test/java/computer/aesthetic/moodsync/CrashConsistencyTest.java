package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A "crash" is a service whose store or PDS fails at one step and which is then abandoned without cleanup (its
 * leases stay behind, as a killed process's would). A fresh service on the same stores must finish the job:
 * every mood synced exactly once, no duplicate records, nothing lost, deleted moods without a record.
 */
class CrashConsistencyTest {
    static final UserId USER = new UserId("auth0|crash");
    static final Did DID = Did.parse("did:plc:crash0000000000000000000");
    static final Duration LEASE = Duration.ofSeconds(30);

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create()
            .put(USER, Account.of(DID, Handle.parse("crash.test"), Secret.of("pw")));
    final List<MoodSyncService> services = new ArrayList<>();

    @AfterEach
    void close() {
        services.forEach(MoodSyncService::close);
    }

    MoodSyncService service(SyncMode mode) {
        MoodSyncService s = MoodSyncService.builder().store(store).repo(pds).accounts(accounts).clock(clock)
                .mode(mode).lease(LEASE).startWorker(false).build();
        services.add(s);
        return s;
    }

    /** Restarts on the same stores after the dead instance's leases expire, and runs the worker dry. */
    void restartAndRecover() {
        pds.clearFaults();
        pds.down(false);
        store.clearFaults();
        clock.advance(LEASE.plusSeconds(1));
        MoodSyncService fresh = service(SyncMode.INLINE);
        for (int round = 0; round < 5; round++) {
            fresh.syncNow();
            clock.advance(Duration.ofMinutes(1));
        }
    }

    void assertConverged() {
        Map<String, Integer> recordsPerMood = new HashMap<>();
        for (RepoRecord r : pds.records(DID, MoodRecords.COLLECTION)) {
            recordsPerMood.merge((String) r.value().get("ref"), 1, Integer::sum);
        }
        assertThat(recordsPerMood.values()).as("no duplicate records").allMatch(n -> n == 1);
        for (Mood mood : store.snapshot()) {
            assertThat(mood.pending()).as("nothing left pending for %s", mood.id()).isEmpty();
            if (mood.deleted()) {
                assertThat(recordsPerMood).as("deleted mood %s has no record", mood.id()).doesNotContainKey(mood.id().toString());
            } else {
                assertThat(mood.rkey()).contains(MoodRecords.rkeyFor(mood.id()));
                assertThat(recordsPerMood).as("live mood %s has its record", mood.id()).containsEntry(mood.id().toString(), 1);
                RepoRecord record = pds.getRecord(DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(mood.id())).orElseThrow();
                assertThat(record.value()).isEqualTo(MoodRecords.toRecord(mood));
            }
        }
        assertThat(recordsPerMood).hasSize((int) store.snapshot().stream().filter(m -> !m.deleted()).count());
    }

    @Test
    void crashAfterTheInsertBeforeAnyPdsWrite() {
        // The PDS call never happens: simulate the process dying right after the insert.
        pds.down(true);
        MoodSyncService dying = service(SyncMode.INLINE);
        // it cannot even record the failure (nor the contained store failure after it): lease and attempts 0 stay
        store.failNext(2, "reschedule");
        assertThat(dying.post(USER, "crash after insert").reason()).contains(PendingReason.STORE_ERROR);
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.snapshot().get(0).pending().orElseThrow().leaseOwner()).isPresent();
        restartAndRecover();
        assertConverged();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void crashAfterThePdsWriteBeforeTheStoreUpdate() {
        MoodSyncService dying = service(SyncMode.INLINE);
        store.failNext(1, "completeSync");
        SyncResult result = dying.post(USER, "written but not marked");
        assertThat(result.reason()).contains(PendingReason.STORE_ERROR);
        assertThat(pds.records(DID, MoodRecords.COLLECTION)).hasSize(1);
        restartAndRecover();
        assertConverged();
        assertThat(pds.calls("com.atproto.repo.putRecord")).as("the retry adopts the record: put, then put again")
                .isEqualTo(2);
    }

    @ParameterizedTest(name = "crash after {0} of 30 moods were marked synced")
    @ValueSource(ints = {0, 1, 15, 29})
    void crashInTheMiddleOfABatch(int markedBeforeCrash) {
        MoodSyncService dying = service(SyncMode.QUEUED);
        for (int i = 0; i < 30; i++) {
            dying.post(USER, "batch mood " + i);
        }
        // The batch lands on the PDS in one applyWrites; the crash hits while marking the moods synced. The dying
        // instance sees the store through a proxy that fails every completeSync after the first few.
        MoodStore crashing = crashAfter(store, "completeSync", markedBeforeCrash);
        MoodSyncService dyingWorker = MoodSyncService.builder().store(crashing).repo(pds).accounts(accounts)
                .clock(clock).lease(LEASE).startWorker(false).build();
        services.add(dyingWorker);
        dyingWorker.syncNow(); // each failed completeSync is contained to its mood (issue 11, schedule 1)
        assertThat(pds.records(DID, MoodRecords.COLLECTION)).hasSize(30);
        restartAndRecover();
        assertConverged();
        assertThat(pds.records(DID, MoodRecords.COLLECTION)).hasSize(30);
    }

    /** A view of {@code store} whose {@code operation} fails, as a dying process would, after {@code successes} calls. */
    static MoodStore crashAfter(MoodStore store, String operation, int successes) {
        AtomicInteger calls = new AtomicInteger();
        return (MoodStore) Proxy.newProxyInstance(MoodStore.class.getClassLoader(), new Class<?>[] {MoodStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals(operation) && calls.incrementAndGet() > successes) {
                        throw new StoreException(operation, "simulated crash", null);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void crashBetweenTheTwoSidesOfADelete() {
        MoodSyncService dying = service(SyncMode.INLINE);
        MoodId id = dying.post(USER, "to be deleted").moodId();
        pds.down(true);
        store.failNext(1, "reschedule");
        assertThat(dying.delete(id).reason()).contains(PendingReason.STORE_ERROR);
        assertThat(store.find(id).orElseThrow().deleted()).isTrue();
        assertThat(pds.records(DID, MoodRecords.COLLECTION)).hasSize(1);
        restartAndRecover();
        assertConverged();
        assertThat(pds.records(DID, MoodRecords.COLLECTION)).isEmpty();
    }

    @Test
    void crashAfterThePdsDeleteBeforeTheStoreUpdate() {
        MoodSyncService dying = service(SyncMode.INLINE);
        MoodId id = dying.post(USER, "to be deleted").moodId();
        store.failNext(1, "completeSync");
        assertThat(dying.delete(id).reason()).contains(PendingReason.STORE_ERROR);
        restartAndRecover();
        assertConverged();
        assertThat(store.find(id).orElseThrow().syncState()).isEqualTo(SyncState.DELETED);
    }

    @Test
    void aPdsFailureInTheMiddleOfABatchAppliesNothingAndEverythingIsRetried() {
        MoodSyncService service = service(SyncMode.QUEUED);
        for (int i = 0; i < 50; i++) {
            service.post(USER, "m" + i);
        }
        pds.failNext(1, 503, null);
        service.syncNow();
        assertThat(pds.records(DID, MoodRecords.COLLECTION)).isEmpty();
        restartAndRecover();
        assertConverged();
    }

    @Test
    void anEditLostBetweenStoreAndPdsIsRedoneWithTheNewText() {
        MoodSyncService dying = service(SyncMode.INLINE);
        MoodId id = dying.post(USER, "before").moodId();
        pds.down(true);
        store.failNext(1, "reschedule");
        assertThat(dying.edit(id, "after").reason()).contains(PendingReason.STORE_ERROR);
        restartAndRecover();
        assertConverged();
        assertThat(pds.getRecord(DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id)).orElseThrow().value().get("mood"))
                .isEqualTo("after");
        assertThat(store.find(id).map(Mood::pending)).contains(Optional.empty());
    }
}
