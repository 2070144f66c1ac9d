package computer.aesthetic.moodsync.ingest;

/**
 * Receives every outcome of a {@link Follower}. Called on the follower's thread: keep it fast and never throw
 * (exceptions are logged and ignored). Implementations must be thread-safe.
 */
public interface IngestListener {
    /** A listener that ignores everything. */
    IngestListener NONE = new IngestListener() {
    };

    /**
     * An event was handled.
     *
     * @param change what happened
     */
    default void changed(IngestChange change) {
    }
}
