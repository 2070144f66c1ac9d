package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountHold;
import computer.aesthetic.moodsync.spi.Claim;
import computer.aesthetic.moodsync.spi.UserState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries pending PDS writes: claims due work from the store with a lease, up to {@value #USERS_PER_CLAIM} users
 * per claim and one user at a time, writes fresh
 * creates in {@code applyWrites} batches and everything else one record at a time, and reschedules failures with
 * exponential backoff and jitter. Owned by its {@link MoodSyncService}, which starts it and stops it on close.
 *
 * <p>Many app instances may run workers on one store: leases keep them off each other's work, and a crashed
 * worker's lease expires so another takes over. Within one instance, one writer per repository runs at a time.
 * Thread-safe.
 */
public final class SyncWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncWorker.class);

    /**
     * The most users one claim takes. Their writes run one user after the other on the claiming thread, so a claim
     * of many users' few moods each costs one claim (a few store round trips) instead of one per user, and its
     * duration stays bounded (leases are renewed past half of them).
     */
    static final int USERS_PER_CLAIM = 16;

    private final DefaultMoodSyncService service;
    private final String instanceId;
    private final int threads;
    private final int batchSize;
    private final Duration pollInterval;
    private final AtomicBoolean running = new AtomicBoolean();
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition wake = wakeLock.newCondition();
    private final List<Thread> workers = new ArrayList<>();
    private boolean nudged;

    SyncWorker(DefaultMoodSyncService service, String instanceId, int threads, int batchSize, Duration pollInterval) {
        this.service = service;
        this.instanceId = instanceId;
        this.threads = threads;
        this.batchSize = batchSize;
        this.pollInterval = pollInterval;
    }

    /** Starts the worker threads (daemon threads named {@code moodsync-worker-N}); a second call does nothing. */
    public synchronized void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        for (int i = 0; i < threads; i++) {
            String owner = instanceId + "/worker-" + i;
            Thread t = new Thread(() -> loop(owner), "moodsync-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /**
     * Tells whether the worker threads are running.
     *
     * @return true between {@link #start()} and {@link #close()}
     */
    public boolean isRunning() {
        return running.get();
    }

    /** Wakes an idle worker thread to look for due work now. */
    public void nudge() {
        wakeLock.lock();
        try {
            nudged = true;
            wake.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    /**
     * Claims and processes one batch of due work on the calling thread.
     *
     * @return how many moods were processed (0 when nothing was due)
     */
    public int runOnce() {
        return runOnce(instanceId + "/caller-" + Thread.currentThread().getId(), service.clock().instant());
    }

    /**
     * Processes everything that was due at the start of the call, batch after batch; work rescheduled during the
     * call (a failure's backoff) waits for a later call, so this never spins on a failing write.
     *
     * @return how many moods were processed
     */
    int drain() {
        Instant asOf = service.clock().instant();
        String owner = instanceId + "/caller-" + Thread.currentThread().getId();
        int total = 0;
        int n;
        while ((n = runOnce(owner, asOf)) > 0) {
            total += n;
        }
        return total;
    }

    private int runOnce(String owner, Instant now) {
        // Work due as of {@code now} (the start of a drain), leased for a full lease from the time of this claim.
        Duration elapsed = Duration.between(now, service.clock().instant());
        Duration lease = elapsed.isNegative() ? service.lease() : service.lease().plus(elapsed);
        Instant claimedAt = service.clock().instant();
        List<Mood> claimed = service.store().claimDue(new Claim(owner, now, lease, Optional.empty(), batchSize,
                USERS_PER_CLAIM));
        if (claimed.isEmpty()) {
            return 0;
        }
        // One user after the other, each user's moods together (one account, one repository lock, applyWrites).
        Map<UserId, List<Mood>> byUser = new LinkedHashMap<>();
        for (Mood m : claimed) {
            byUser.computeIfAbsent(m.user(), u -> new ArrayList<>()).add(m);
        }
        for (List<Mood> group : byUser.values()) {
            Instant start = service.clock().instant();
            if (Duration.between(claimedAt, start).compareTo(service.lease().dividedBy(2)) < 0) {
                process(group, owner, claimedAt);
                continue;
            }
            // Half the claim's lease is spent (slow PDS calls of the users before): renew this user's leases first,
            // so no other worker takes the work over while this one writes it; a lease lost is another's now.
            List<Mood> renewed = new ArrayList<>(group.size());
            for (Mood m : group) {
                try {
                    renewIfHalfSpent(m, owner, claimedAt).ifPresent(renewed::add);
                } catch (RuntimeException e) {
                    LOG.warn("mood {} skipped in this pass: {}", m.id(), e.toString());
                }
            }
            if (!renewed.isEmpty()) {
                process(renewed, owner, start); // renewed from about now: not renewed again by its singles
            }
        }
        return claimed.size();
    }

    private void process(List<Mood> claimed, String owner, Instant claimedAt) {
        UserId user = claimed.get(0).user();
        // One read of what gates the user's writes: the erasure fence (a poster that died between its insert and its
        // own fence check leaves a pending mood of an erased user, never to be sent) and the account hold.
        UserState state = service.store().userState(user);
        if (state.erased()) {
            service.dropErased(user, state.erasedSince().get());
            return;
        }
        Optional<Account> account = service.accounts().findByUser(user);
        if (account.isEmpty()) {
            for (Mood m : claimed) {
                service.store().completeSync(m.id(), m.pending().orElseThrow().token(), owner, Optional.empty());
                service.safely(() -> service.listenerNoAccount(m));
            }
            return;
        }
        Optional<AccountHold> hold = state.hold();
        if (hold.isPresent()) {
            // The account is not active on its PDS: no call, no attempt counted; due again later or on resume.
            for (Mood m : claimed) {
                try {
                    service.holdBack(m, m.pending().orElseThrow(), owner, hold.get());
                } catch (RuntimeException e) {
                    LOG.warn("mood {} skipped in this pass: {}", m.id(), e.toString());
                }
            }
            return;
        }
        // PDS calls take the per-repository lock inside writeBatch and write, so inline writes of the same user
        // wait for one PDS call at most, not for this batch's store updates.
        List<Mood> fresh = new ArrayList<>();
        List<Mood> singles = new ArrayList<>();
        for (Mood m : claimed) {
            PendingSync p = m.pending().orElseThrow();
            boolean stateKnown = p.op() == SyncOp.CREATE && p.attempts() == 0 && !m.deleted() && m.rkey().isEmpty();
            (stateKnown ? fresh : singles).add(m);
        }
        if (fresh.size() >= 2) {
            singles.addAll(service.writeBatch(fresh, account.get(), owner));
        } else {
            singles.addAll(fresh);
        }
        // Unlinked moods the origin may have written look their records up in one listing of the repository per
        // pass, made only when the first such mood comes up.
        LegacyRecords legacy = new LegacyRecords(service.repo(), account.get().did());
        for (Mood m : singles) {
            try {
                Optional<Mood> held = renewIfHalfSpent(m, owner, claimedAt);
                if (held.isPresent()) {
                    service.write(held.get(), account.get(), owner, false, legacy);
                }
            } catch (RuntimeException e) {
                // write() contains every failure of one mood; this is the store failing to renew the lease: the
                // lease expires on its own and the mood is claimed again, the batch goes on.
                LOG.warn("mood {} skipped in this pass: {}", m.id(), e.toString());
            }
        }
    }

    /**
     * Renews the lease on a claimed mood when half of it is spent (a long batch against a slow PDS), so no other
     * instance takes the work over while this one still writes it. Returns empty when the lease was lost. The time
     * spent is measured on this instance's clock from just before the claim: the lease's expiry is in the store's
     * time, which this clock may disagree with.
     */
    private Optional<Mood> renewIfHalfSpent(Mood m, String owner, Instant claimedAt) {
        Instant now = service.clock().instant();
        if (Duration.between(claimedAt, now).compareTo(service.lease().dividedBy(2)) < 0) {
            return Optional.of(m);
        }
        Optional<Mood> renewed = service.store().tryLease(m.id(), owner, now, now.plus(service.lease()));
        if (renewed.isEmpty()) {
            LOG.debug("lost the lease on mood {}; another writer has it", m.id());
        }
        return renewed;
    }

    private void loop(String owner) {
        while (running.get()) {
            int processed;
            try {
                processed = runOnce(owner, service.clock().instant());
            } catch (RuntimeException e) {
                LOG.warn("sync worker pass failed; retrying after {} ms: {}", pollInterval.toMillis(), e.toString());
                processed = 0;
            }
            if (processed == 0) {
                idle();
            }
        }
    }

    private void idle() {
        wakeLock.lock();
        try {
            if (!nudged && running.get()) {
                wake.await(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
            }
            nudged = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        } finally {
            wakeLock.unlock();
        }
    }

    /** Stops the worker threads, waiting for the batch in progress to finish (up to 30 s). */
    @Override
    public synchronized void close() {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        nudge();
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workers.clear();
    }

    @Override
    public String toString() {
        return "SyncWorker[" + instanceId + ", threads=" + threads + ", running=" + running.get() + "]";
    }
}
