package computer.aesthetic.moodsync;

import java.time.Duration;

/**
 * Receives an event for every sync outcome, so a host can count the dual-write success rate, alert on parked
 * work, or trace. Methods have no-op defaults; override what you need. Called on the thread that did the work
 * (a request thread for inline writes, a worker thread otherwise): keep them fast and never throw (exceptions are
 * logged and ignored). Implementations must be thread-safe.
 */
public interface SyncListener {
    /** A listener that ignores every event. */
    SyncListener NONE = new SyncListener() {
    };

    /**
     * A mood was stored (posted, edited, deleted or undeleted).
     *
     * @param mood the mood after the store write
     * @param op the PDS write it needs
     */
    default void stored(Mood mood, SyncOp op) {
    }

    /**
     * The PDS has the change.
     *
     * @param mood the mood as written
     * @param op what was written
     * @param inline true when written during the caller's request, false by the worker
     * @param elapsed how long the PDS write took
     */
    default void synced(Mood mood, SyncOp op, boolean inline, Duration elapsed) {
    }

    /**
     * A PDS write failed or was not attempted; it stays pending and will be retried.
     *
     * @param mood the mood
     * @param op the write
     * @param reason why
     * @param error the PDS failure, or null when none (queued, busy)
     */
    default void pending(Mood mood, SyncOp op, PendingReason reason, PdsException error) {
    }

    /**
     * A pending write was parked after too many attempts; it waits for {@link MoodSyncService#retry}.
     *
     * @param mood the mood
     * @param op the write
     * @param lastError the last failure
     */
    default void parked(Mood mood, SyncOp op, String lastError) {
    }

    /**
     * The user has no ATProto account; the mood is kept in the store only.
     *
     * @param mood the mood
     */
    default void noAccount(Mood mood) {
    }
}
