package computer.aesthetic.moodsync;

/** When {@link MoodSyncService#post} writes to the PDS. */
public enum SyncMode {
    /** Write the record during the call, within the inline time budget; fall back to the worker on failure. */
    INLINE,
    /** Return as soon as the mood is stored; the worker writes the record. */
    QUEUED
}
