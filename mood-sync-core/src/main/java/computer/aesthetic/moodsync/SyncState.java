package computer.aesthetic.moodsync;

/** Where a mood stands with its ATProto record, as derived from the store alone (see {@link Mood#syncState()}). */
public enum SyncState {
    /** Linked to a record ({@code atproto.rkey}) and nothing pending. */
    SYNCED,
    /** A PDS write is pending and will be retried. */
    PENDING,
    /** A PDS write was parked after too many attempts; retry it through the API. */
    FAILED,
    /** Soft-deleted and nothing pending: its record is gone (or reconcile will say otherwise). */
    DELETED,
    /** Neither linked nor pending: a legacy mood never migrated, or a mood of a user without an account. */
    UNSYNCED
}
