package computer.aesthetic.moodsync.ingest;

import java.util.Objects;

/**
 * What the {@link Follower} does with each kind of change made on the PDS by another client. Echoes of this
 * library's own writes, and events for a mood with a write in flight, are never applied whatever the policy.
 *
 * @param onDelete a record of ours deleted on the PDS; default {@link OnDelete#SOFT_DELETE}
 * @param onEdit a record of ours edited on the PDS to valid content; default {@link OnEdit#TAKE} (an invalid
 *     record, or one whose {@code ref} names another mood, is always only reported, never copied nor overwritten)
 * @param onNew a new valid record whose {@code ref} is empty or names no mood; default {@link OnNew#IMPORT} (a
 *     record whose {@code ref} names another user's mood is never linked nor deleted, only reported)
 */
public record IngestPolicy(OnDelete onDelete, OnEdit onEdit, OnNew onNew) {
    /** The defaults: soft-delete, take the text, import. */
    public static final IngestPolicy DEFAULT = new IngestPolicy(OnDelete.SOFT_DELETE, OnEdit.TAKE, OnNew.IMPORT);
    /** Change nothing in the store; report every change through the listener. */
    public static final IngestPolicy REPORT_ONLY = new IngestPolicy(OnDelete.REPORT, OnEdit.REPORT, OnNew.REPORT);

    /** Validates presence. */
    public IngestPolicy {
        Objects.requireNonNull(onDelete, "onDelete");
        Objects.requireNonNull(onEdit, "onEdit");
        Objects.requireNonNull(onNew, "onNew");
    }

    /** A record of ours deleted on the PDS. */
    public enum OnDelete {
        /** Soft-delete the mood in the store ({@code deleted: true}; the link is kept). */
        SOFT_DELETE,
        /**
         * Write the record again from the store: the mood gets a pending marker and the write path (fenced, held
         * for an inactive account, retried with backoff) recreates it at its key.
         */
        RESTORE,
        /** Only report it. */
        REPORT
    }

    /** A record of ours edited on the PDS. */
    public enum OnEdit {
        /** The store takes the record's text. */
        TAKE,
        /**
         * Write the mood's stored state over the record: the mood gets a pending marker and the write path puts it
         * with {@code swapRecord} of what is there.
         */
        RESTORE,
        /** Only report it. */
        REPORT
    }

    /** A new record that belongs to no mood. */
    public enum OnNew {
        /** Import it as a new mood of the repository's user, linked to the record, nothing pending. */
        IMPORT,
        /**
         * Delete the record on the PDS ({@code swapRecord} of the CID seen, so a record changed since is left
         * alone). Not while the account is held; a retryable PDS failure stops the follower, which replays the
         * event from its cursor.
         */
        DELETE,
        /** Only report it. */
        REPORT
    }
}
