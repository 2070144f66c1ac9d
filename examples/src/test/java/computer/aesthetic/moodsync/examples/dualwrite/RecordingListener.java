package computer.aesthetic.moodsync.examples.dualwrite;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncListener;
import computer.aesthetic.moodsync.SyncOp;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counts sync events (thread-safe); {@link #onSynced} may hook a test's reaction to the n-th synced write. */
class RecordingListener implements SyncListener {
    private final AtomicInteger synced = new AtomicInteger();
    private final LongAdder parked = new LongAdder();
    private final Map<PendingReason, LongAdder> pending = new ConcurrentHashMap<>();

    int synced() {
        return synced.get();
    }

    long parked() {
        return parked.sum();
    }

    long pending(PendingReason reason) {
        LongAdder n = pending.get(reason);
        return n == null ? 0 : n.sum();
    }

    /** Called after a synced event has been counted, with the new count. */
    void onSynced(int count) {
    }

    @Override
    public void synced(Mood mood, SyncOp op, boolean inline, Duration elapsed) {
        onSynced(synced.incrementAndGet());
    }

    @Override
    public void pending(Mood mood, SyncOp op, PendingReason reason, PdsException error) {
        pending.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    @Override
    public void parked(Mood mood, SyncOp op, String lastError) {
        parked.increment();
    }

    @Override
    public String toString() {
        Map<PendingReason, Long> p = new TreeMap<>();
        pending.forEach((k, v) -> p.put(k, v.sum()));
        return "synced=" + synced.get() + ", pending=" + p + ", parked=" + parked.sum();
    }
}
