package computer.aesthetic.moodsync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, schedule 4: a repair or erase holding one repository's lock neither stalls an unrelated user (there
 * are no shared stripes) nor parks a worker thread (the write path waits a bounded time, then reschedules).
 */
class RepoLocksTest {
    static final UserId ALICE = new UserId("auth0|alice");
    static final UserId BOB = new UserId("auth0|bob");

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo pds = InMemoryAtprotoRepo.builder().clock(clock).build();
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final ExecutorService pool = Executors.newCachedThreadPool();
    DefaultMoodSyncService service;

    @AfterEach
    void close() {
        pool.shutdownNow();
        if (service != null) {
            service.close();
        }
    }

    /** Two DIDs that fell on the same one of the former 256 lock stripes. */
    static Did[] sameOldStripe() {
        Did first = Did.parse("did:plc:alice00000000000000000000");
        for (int i = 0; ; i++) {
            Did other = Did.parse("did:plc:bob" + String.format("%023d", i));
            if (Math.floorMod(other.hashCode(), 256) == Math.floorMod(first.hashCode(), 256)) {
                return new Did[] {first, other};
            }
        }
    }

    DefaultMoodSyncService service(SyncMode mode, Did alice, Did bob) {
        accounts.put(ALICE, Account.of(alice, Handle.parse("alice.test"), Secret.of("pw-a")));
        accounts.put(BOB, Account.of(bob, Handle.parse("bob.test"), Secret.of("pw-b")));
        service = (DefaultMoodSyncService) MoodSyncService.builder().store(store).repo(pds).accounts(accounts)
                .clock(clock).mode(mode).startWorker(false).inlineTimeout(Duration.ofSeconds(2))
                .lease(Duration.ofSeconds(30)).build();
        return service;
    }

    /** Holds the repository's lock on another thread, as a long repair would, until released. */
    CountDownLatch holdLock(Did did) throws InterruptedException {
        CountDownLatch taken = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        pool.submit(() -> {
            ReentrantLock lock = service.lockFor(did);
            lock.lock();
            try {
                taken.countDown();
                release.await();
            } finally {
                lock.unlock();
            }
            return null;
        });
        assertThat(taken.await(5, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    @Test
    void aRepairOfOneUserDoesNotStallAnUnrelatedUsersInlinePost() throws Exception {
        Did[] dids = sameOldStripe();
        service(SyncMode.INLINE, dids[0], dids[1]);
        CountDownLatch release = holdLock(dids[0]);
        long t0 = System.nanoTime();
        SyncResult r = service.post(BOB, "unrelated");
        assertThat(r.outcome()).isEqualTo(SyncResult.Outcome.SYNCED);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        release.countDown();
    }

    @Test
    void aWorkerPassOnARepositoryUnderRepairReturnsAndReschedules() throws Exception {
        Did[] dids = sameOldStripe();
        service(SyncMode.QUEUED, dids[0], dids[1]);
        MoodId id = service.post(ALICE, "waiting").moodId();
        service.post(ALICE, "waiting too");
        MoodId single = service.post(ALICE, "alone").moodId();
        CountDownLatch release = holdLock(dids[0]);
        Future<Integer> pass = pool.submit(service::syncNow);
        assertThat(pass.get(10, TimeUnit.SECONDS)).isEqualTo(3); // not parked behind the repair
        Mood m = store.find(id).orElseThrow();
        assertThat(m.pending().orElseThrow().leaseOwner()).isEmpty();
        assertThat(m.pending().orElseThrow().attempts()).isZero();
        assertThat(m.pending().orElseThrow().failed()).isFalse();
        assertThat(pds.records(dids[0], MoodRecords.COLLECTION)).isEmpty();
        release.countDown();
        clock.advance(Duration.ofSeconds(5));
        service.syncNow();
        assertThat(pds.records(dids[0], MoodRecords.COLLECTION)).hasSize(3);
        assertThat(store.find(single).orElseThrow().syncState()).isEqualTo(SyncState.SYNCED);
    }

    @Test
    void locksArePerRepositoryAndForgottenWhenUnused() {
        RepoLocks locks = new RepoLocks();
        Did[] dids = sameOldStripe();
        ReentrantLock a = locks.lockFor(dids[0]);
        assertThat(locks.lockFor(dids[0])).isSameAs(a);
        assertThat(locks.lockFor(dids[1])).isNotSameAs(a);
        assertThat(locks.tryLock(dids[0], Duration.ofMillis(10))).contains(a);
        a.unlock();
        a = null;
        for (int i = 0; i < 50 && locks.size() > 0; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        assertThat(locks.size()).isZero();
    }
}
