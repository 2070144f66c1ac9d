package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A mood as the store holds it: the source of truth.
 *
 * <p>In MongoDB: {@code {_id, user, mood, when, deleted?, atproto?: {rkey}, atprotoSync?: {...}}}. A synced mood
 * has {@link #rkey()} and no {@link #pending()} marker, exactly as the origin system's documents look. Times have
 * millisecond precision, as MongoDB dates do ({@code when} is truncated). Immutable and thread-safe.
 *
 * @param id the mood's id
 * @param user who posted it
 * @param text the mood's text, kept exactly
 * @param when when it was posted (millisecond precision)
 * @param deleted true once soft-deleted ({@code deleted: true})
 * @param rkey the record key of its ATProto record, once linked ({@code atproto.rkey})
 * @param pending the unconfirmed PDS write, if any ({@code atprotoSync})
 */
public record Mood(MoodId id, UserId user, String text, Instant when, boolean deleted, Optional<RecordKey> rkey,
        Optional<PendingSync> pending) {

    /** Validates presence of every component and truncates {@code when} to milliseconds. */
    public Mood {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(pending, "pending");
        when = when.truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Creates a new, not yet synced mood with a pending {@link SyncOp#CREATE} due now.
     *
     * @param id its id
     * @param user its author
     * @param text its text
     * @param when its time
     * @return the mood
     */
    public static Mood posted(MoodId id, UserId user, String text, Instant when) {
        return new Mood(id, user, text, when, false, Optional.empty(),
                Optional.of(PendingSync.start(SyncOp.CREATE, when)));
    }

    /**
     * Returns where this mood stands with the PDS.
     *
     * @return the derived state
     */
    public SyncState syncState() {
        if (pending.isPresent()) {
            return pending.get().failed() ? SyncState.FAILED : SyncState.PENDING;
        }
        if (deleted) {
            return SyncState.DELETED;
        }
        return rkey.isPresent() ? SyncState.SYNCED : SyncState.UNSYNCED;
    }

    /**
     * Returns a copy with another pending marker.
     *
     * @param marker the new marker, or empty to clear it
     * @return the copy
     */
    public Mood withPending(Optional<PendingSync> marker) {
        return new Mood(id, user, text, when, deleted, rkey, marker);
    }

    /**
     * Returns a copy linked to another record key.
     *
     * @param key the record key, or empty to unlink
     * @return the copy
     */
    public Mood withRkey(Optional<RecordKey> key) {
        return new Mood(id, user, text, when, deleted, key, pending);
    }
}
