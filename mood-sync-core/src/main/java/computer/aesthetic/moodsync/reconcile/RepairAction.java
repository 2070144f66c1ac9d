package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a {@link RepairPlan}: what to do, where, and why. Data only; {@link Repairer} carries it out.
 *
 * <p>Immutable and thread-safe.
 *
 * @param type what to do
 * @param moodId the mood concerned, when any
 * @param rkey the record key written or deleted, or linked
 * @param expectedCid the CID the record had when reconciled (a single-call write is conditional on it), when any
 * @param mood for writes from the store and imports: the mood as planned (written as its record, or inserted)
 * @param text for {@link Type#UPDATE_MOOD_TEXT}: the text taken from the record
 * @param cause the drift repaired
 * @param why a short human-readable reason
 */
public record RepairAction(Type type, Optional<MoodId> moodId, RecordKey rkey, Optional<Cid> expectedCid,
        Optional<Mood> mood, Optional<String> text, DriftKind cause, String why) {

    /** The kinds of step. */
    public enum Type {
        /** Create the mood's record at {@code rkey} (never overwriting), then link the mood to it. 3 points. */
        CREATE_RECORD,
        /** Write the mood's record over the record at {@code rkey}. 2 points. */
        PUT_RECORD,
        /** Delete the record at {@code rkey}. 1 point. */
        DELETE_RECORD,
        /** Link the mood to the record at {@code rkey} in the store. No PDS write. */
        LINK,
        /** Insert {@code mood} into the store unless its id exists ({@code insertIfAbsent}), linked to {@code rkey}. */
        IMPORT_MOOD,
        /** Set the mood's text to {@code text} in the store, then write its record at {@code rkey}. 2 points. */
        UPDATE_MOOD_TEXT
    }

    /** Validates presence of every component. */
    public RepairAction {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(moodId, "moodId");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(expectedCid, "expectedCid");
        Objects.requireNonNull(mood, "mood");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(why, "why");
    }

    /**
     * Tells whether this action deletes a record.
     *
     * @return true for {@link Type#DELETE_RECORD}
     */
    public boolean isDelete() {
        return type == Type.DELETE_RECORD;
    }

    /**
     * Returns the write budget points the action costs at most on the reference PDS.
     *
     * @return the points, 0 for store-only actions
     */
    public int points() {
        return switch (type) {
            case CREATE_RECORD -> 3;
            case PUT_RECORD, UPDATE_MOOD_TEXT -> 2;
            case DELETE_RECORD -> 1;
            case LINK, IMPORT_MOOD -> 0;
        };
    }

    /**
     * Returns one line: type, record key, mood, cause and reason.
     *
     * @return the line
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(type.name()).append(' ').append(rkey);
        moodId.ifPresent(id -> b.append(" mood=").append(id));
        expectedCid.ifPresent(c -> b.append(" cid=").append(c));
        return b.append(" (").append(cause).append("): ").append(why).toString();
    }
}
