package computer.aesthetic.moodsync;

/** Why a write did not reach the PDS during the call (it is stored and will be retried by the worker). */
public enum PendingReason {
    /** The service runs in {@link SyncMode#QUEUED} mode: the worker writes it. */
    QUEUED,
    /**
     * The PDS could not be reached, answered 502, 503 or 504 (it cannot serve now), or its circuit breaker is open
     * after repeated failures. Never parks a write.
     */
    PDS_UNAVAILABLE,
    /** The inline time budget ran out; the write goes on in the background or is retried. */
    TIMEOUT,
    /** The repository's write budget is spent, or the PDS answered 429. */
    RATE_LIMITED,
    /** The PDS refused the account's credentials or session. */
    SESSION_REFUSED,
    /** The PDS answered with another error. */
    PDS_ERROR,
    /** Another writer holds this mood right now; it hands the work over when it finishes. */
    BUSY,
    /** The store failed while recording the outcome of the PDS write; the worker will redo the write. */
    STORE_ERROR,
    /**
     * The mood's stored data cannot be written as a record (legacy text the origin system never checked: too long,
     * a lone surrogate, NUL): nothing was written and the mood is parked until its text is edited or it is
     * retried.
     */
    INVALID_MOOD,
    /**
     * The user's ATProto account is not active on its PDS (deleted, taken down, suspended, deactivated: an
     * {@code #account} event, or the PDS refused a write with {@code AccountDeactivated}, {@code RepoTakendown}...):
     * the change is stored and held, the PDS is not called and no attempt is counted, until the account is active
     * again ({@code #account active=true} or {@link MoodSyncService#resumeAccount}).
     */
    ACCOUNT_INACTIVE
}
