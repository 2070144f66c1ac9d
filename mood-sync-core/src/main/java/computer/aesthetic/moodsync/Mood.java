package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A mood as the store holds it: the source of truth.
 *
 * <p>In MongoDB: {@code {_id, user, mood, when, deleted?, atproto?: {rkey, cid?}, atprotoSync?: {...}}}. A synced mood
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
 * @param recordCid the CID of the record at {@code rkey} as this library last wrote it ({@code atproto.cid}), the
 *     {@code swapRecord} of the next update or delete; empty when unknown (a legacy link, or after a delete), and
 *     always empty without {@code rkey}
 */
public record Mood(MoodId id, UserId user, String text, Instant when, boolean deleted, Optional<RecordKey> rkey,
        Optional<PendingSync> pending, Optional<Cid> recordCid) {

    /**
     * Validates presence of every component and truncates {@code when} to milliseconds.
     *
     * @throws IllegalArgumentException if {@code recordCid} is present without {@code rkey}
     */
    public Mood {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(pending, "pending");
        Objects.requireNonNull(recordCid, "recordCid");
        if (recordCid.isPresent() && rkey.isEmpty()) {
            throw new IllegalArgumentException("a record CID needs a record key");
        }
        when = when.truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Creates a mood whose record CID is unknown.
     *
     * @param id the mood's id
     * @param user who posted it
     * @param text the mood's text, kept exactly
     * @param when when it was posted
     * @param deleted true once soft-deleted
     * @param rkey the record key of its ATProto record, once linked
     * @param pending the unconfirmed PDS write, if any
     */
    public Mood(MoodId id, UserId user, String text, Instant when, boolean deleted, Optional<RecordKey> rkey,
            Optional<PendingSync> pending) {
        this(id, user, text, when, deleted, rkey, pending, Optional.empty());
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
        return new Mood(id, user, text, when, deleted, rkey, marker, recordCid);
    }

    /**
     * Returns a copy linked to another record key; the record CID is kept when the key stays the same, else
     * forgotten.
     *
     * @param key the record key, or empty to unlink
     * @return the copy
     */
    public Mood withRkey(Optional<RecordKey> key) {
        return new Mood(id, user, text, when, deleted, key, pending, key.equals(rkey) ? recordCid : Optional.empty());
    }

    /**
     * Returns a copy with another record CID.
     *
     * @param cid the CID of the record at {@link #rkey()}, or empty when unknown
     * @return the copy
     * @throws IllegalArgumentException if {@code cid} is present and the mood has no record key
     */
    public Mood withRecordCid(Optional<Cid> cid) {
        return new Mood(id, user, text, when, deleted, rkey, pending, cid);
    }
}
