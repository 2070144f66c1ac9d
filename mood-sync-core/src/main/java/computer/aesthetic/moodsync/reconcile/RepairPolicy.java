package computer.aesthetic.moodsync.reconcile;

import java.util.Objects;

/**
 * How a {@link RepairPlan} treats the kinds of drift that have more than one sensible repair. The other kinds have
 * one repair each (see {@link DriftKind}); {@link DriftKind#FOREIGN_REF} records are never touched, whatever the
 * policy. Immutable and thread-safe.
 *
 * @param orphans what to do with {@link DriftKind#ORPHAN} records
 * @param contentDrift which side wins on {@link DriftKind#CONTENT_DRIFT} (and on unlinked records whose content
 *     differs)
 * @param invalidRecords what to do with {@link DriftKind#INVALID_RECORD} records
 * @param maxDeletes the most record deletions one plan may hold; further ones are held back for the next run
 */
public record RepairPolicy(Orphans orphans, ContentDrift contentDrift, InvalidRecords invalidRecords, int maxDeletes) {
    /** The default cap on deletions per plan. */
    public static final int DEFAULT_MAX_DELETES = 1000;

    /**
     * The default policy: report orphans and invalid records (they may be someone's data: deleting is a decision),
     * the store wins on content drift (it is the source of truth), at most {@value #DEFAULT_MAX_DELETES} deletions.
     */
    public static final RepairPolicy DEFAULT = new RepairPolicy(Orphans.REPORT, ContentDrift.STORE_WINS,
            InvalidRecords.REPORT, DEFAULT_MAX_DELETES);

    /** What to do with an orphan record. */
    public enum Orphans {
        /** Leave it and report it. */
        REPORT,
        /** Delete it. */
        DELETE,
        /**
         * Import it as a mood of the user: its id is the record's {@code ref} (which names no mood, or it would not
         * be an orphan), or a fresh id when it has none; the mood is linked to the record, and the record is
         * rewritten in the canonical form (with {@code ref}) when it differs.
         */
        IMPORT
    }

    /** Which side wins when content differs. */
    public enum ContentDrift {
        /** The store's mood is written over the record. */
        STORE_WINS,
        /**
         * The record's text is written into the store; the store's {@code when} is kept (a mood's time cannot be
         * changed through {@link computer.aesthetic.moodsync.spi.MoodStore}), and the record is rewritten with it
         * when the times differ.
         */
        PDS_WINS,
        /** Leave both and report. */
        REPORT
    }

    /** What to do with an invalid record. */
    public enum InvalidRecords {
        /** Leave it and report it. */
        REPORT,
        /** Delete it. */
        DELETE
    }

    /**
     * Validates the policy.
     *
     * @throws IllegalArgumentException if {@code maxDeletes} is negative
     */
    public RepairPolicy {
        Objects.requireNonNull(orphans, "orphans");
        Objects.requireNonNull(contentDrift, "contentDrift");
        Objects.requireNonNull(invalidRecords, "invalidRecords");
        if (maxDeletes < 0) {
            throw new IllegalArgumentException("maxDeletes must be >= 0, found " + maxDeletes);
        }
    }

    /**
     * Returns the default policy.
     *
     * @return {@link #DEFAULT}
     */
    public static RepairPolicy defaults() {
        return DEFAULT;
    }

    /**
     * Returns a copy with another orphan rule.
     *
     * @param rule the rule
     * @return the copy
     */
    public RepairPolicy withOrphans(Orphans rule) {
        return new RepairPolicy(rule, contentDrift, invalidRecords, maxDeletes);
    }

    /**
     * Returns a copy with another content drift rule.
     *
     * @param rule the rule
     * @return the copy
     */
    public RepairPolicy withContentDrift(ContentDrift rule) {
        return new RepairPolicy(orphans, rule, invalidRecords, maxDeletes);
    }

    /**
     * Returns a copy with another invalid record rule.
     *
     * @param rule the rule
     * @return the copy
     */
    public RepairPolicy withInvalidRecords(InvalidRecords rule) {
        return new RepairPolicy(orphans, contentDrift, rule, maxDeletes);
    }

    /**
     * Returns a copy with another cap on deletions.
     *
     * @param max the cap, at least 0
     * @return the copy
     * @throws IllegalArgumentException if {@code max} is negative
     */
    public RepairPolicy withMaxDeletes(int max) {
        return new RepairPolicy(orphans, contentDrift, invalidRecords, max);
    }
}
