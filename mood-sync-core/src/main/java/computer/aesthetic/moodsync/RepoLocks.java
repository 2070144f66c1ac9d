package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.syntax.Did;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One writer lock per repository (DID), shared by a service's write path and its repairer: unrelated users never
 * share a lock (there are no stripes). Locks are created on demand and forgotten once nobody holds a reference, so
 * memory follows the repositories in use, not every repository ever written.
 *
 * <p>Rules for holders, which keep any wait bounded: the sync write path takes a repository's lock with
 * {@link #tryLock(Did, Duration)} and a bounded wait, holds it for one PDS write at most, and reschedules the
 * mood when the lock is busy, so a worker thread or an inline call is never parked behind a long repair. Long
 * operations (repair, erase) must not hold the lock across a sleep or a budget wait: take it per write batch.
 *
 * <p>Thread-safe.
 */
public final class RepoLocks {
    private final ConcurrentHashMap<Did, LockRef> locks = new ConcurrentHashMap<>();
    private final ReferenceQueue<ReentrantLock> cleared = new ReferenceQueue<>();

    /** A weak reference that remembers its key, to be removed from the map once cleared. */
    private static final class LockRef extends WeakReference<ReentrantLock> {
        private final Did did;

        LockRef(Did did, ReentrantLock lock, ReferenceQueue<ReentrantLock> queue) {
            super(lock, queue);
            this.did = did;
        }
    }

    /** Creates an empty set of locks. */
    public RepoLocks() {
    }

    /**
     * Returns the lock of a repository: the same instance for the same DID for as long as anyone holds a reference
     * to it (so callers hold the returned reference while they use the lock).
     *
     * @param did the repository
     * @return its lock
     */
    public ReentrantLock lockFor(Did did) {
        Objects.requireNonNull(did, "did");
        expunge();
        while (true) {
            LockRef ref = locks.get(did);
            ReentrantLock lock = ref == null ? null : ref.get();
            if (lock != null) {
                return lock;
            }
            ReentrantLock fresh = new ReentrantLock();
            LockRef mine = new LockRef(did, fresh, cleared);
            boolean installed = ref == null ? locks.putIfAbsent(did, mine) == null : locks.replace(did, ref, mine);
            if (installed) {
                return fresh;
            }
        }
    }

    /**
     * Takes a repository's lock, waiting at most {@code maxWait}.
     *
     * @param did the repository
     * @param maxWait the longest wait
     * @return the held lock (unlock it in a finally block), or empty when it stayed busy or the thread was
     *     interrupted (the interrupt flag is set again)
     */
    public Optional<ReentrantLock> tryLock(Did did, Duration maxWait) {
        Objects.requireNonNull(maxWait, "maxWait");
        ReentrantLock lock = lockFor(did);
        try {
            return lock.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS) ? Optional.of(lock) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Returns how many repositories currently have a lock object (for tests and diagnostics).
     *
     * @return the count, after forgetting collected locks
     */
    public int size() {
        expunge();
        return locks.size();
    }

    private void expunge() {
        java.lang.ref.Reference<? extends ReentrantLock> r;
        while ((r = cleared.poll()) != null) {
            LockRef ref = (LockRef) r;
            locks.remove(ref.did, ref);
        }
    }

    @Override
    public String toString() {
        return "RepoLocks[" + locks.size() + " repositories]";
    }
}
