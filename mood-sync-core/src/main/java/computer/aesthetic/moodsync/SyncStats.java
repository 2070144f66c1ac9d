package computer.aesthetic.moodsync;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of how well the PDS mirror is keeping up, from {@link MoodSyncService#stats()}. Counters cover this
 * service instance since it started; pending figures come from the store and cover every instance.
 *
 * @param stored changes stored that needed a PDS write (posts, edits, deletes, undeletes of users with accounts)
 * @param inlineSynced of those, changes that reached the PDS during the caller's request
 * @param synced PDS writes that succeeded in all (inline and by the worker)
 * @param attemptsFailed PDS attempts that failed and were rescheduled
 * @param noAccount changes stored for users without an account
 * @param pending moods with a pending marker now, parked ones included
 * @param parked moods parked as failed now
 * @param oldestPendingAge how long the oldest pending mood has waited since it was posted, when any
 * @param failuresByError failed attempts by XRPC error name (or HTTP status, or exception kind)
 * @param heldBack writes held back (stored, not sent, no attempt counted) because the account is not active
 */
public record SyncStats(long stored, long inlineSynced, long synced, long attemptsFailed, long noAccount,
        long pending, long parked, Optional<Duration> oldestPendingAge, Map<String, Long> failuresByError,
        long heldBack) {

    /** Copies the map. */
    public SyncStats {
        Objects.requireNonNull(oldestPendingAge, "oldestPendingAge");
        failuresByError = Map.copyOf(failuresByError);
    }

    /**
     * Returns the dual-write success rate: changes that reached the PDS during the caller's request, over all
     * stored changes that needed a PDS write (1.0 when there were none). In {@link SyncMode#QUEUED} mode it is 0.
     *
     * @return a number from 0 to 1
     */
    public double dualWriteSuccessRate() {
        return stored == 0 ? 1.0 : Math.min(1.0, (double) inlineSynced / stored);
    }
}
