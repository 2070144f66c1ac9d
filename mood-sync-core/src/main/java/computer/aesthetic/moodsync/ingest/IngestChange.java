package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Objects;
import java.util.Optional;

/**
 * One outcome of the {@link Follower}, reported to the {@link IngestListener}.
 *
 * @param kind what happened
 * @param repo the repository
 * @param rkey the record, when the outcome is about one
 * @param mood the mood concerned, when there is one
 * @param seq the seq of the event, or -1 for a resync
 * @param detail a short explanation for people
 */
public record IngestChange(Kind kind, Did repo, Optional<RecordKey> rkey, Optional<MoodId> mood, long seq,
        String detail) {

    /** The kinds of outcome. */
    public enum Kind {
        /** The store took a record's new text. */
        EDITED,
        /** The mood was soft-deleted because its record was deleted. */
        DELETED,
        /** A new record was imported as a new mood. */
        IMPORTED,
        /**
         * The policy restores the mood's record (a record of ours deleted or edited on the PDS): the mood got a
         * pending marker and the write path rewrites it.
         */
        RESTORED,
        /** A new record that belongs to no mood was deleted on the PDS (policy {@link IngestPolicy.OnNew#DELETE}). */
        REMOVED,
        /** Our own write (or content the store already has): nothing to do. */
        ECHO,
        /**
         * The record changed again on the PDS after this event (a later event applies), such as our own earlier
         * write seen by a follower that lags behind the app.
         */
        SUPERSEDED,
        /** The mood has a write in flight (a marker), or changed since it was read: the marker decides. */
        IN_FLIGHT,
        /** A change the policy only reports, or one never applied (invalid record, another user's ref). */
        REPORTED,
        /** An {@code #account} event changed the account's status. */
        ACCOUNT,
        /** An {@code #identity} event: the cached DID document and key were dropped. */
        IDENTITY,
        /** The repository was listed and reconciled (a gap, a failed verification, an outdated cursor...). */
        RESYNCED
    }

    /** Validates presence. */
    public IngestChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(mood, "mood");
        Objects.requireNonNull(detail, "detail");
    }
}
