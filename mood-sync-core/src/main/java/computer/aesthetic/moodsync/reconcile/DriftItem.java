package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Objects;
import java.util.Optional;

/**
 * One finding of a {@link ReconcileReport}: a mood with the record that mirrors it, or a record on its own.
 *
 * <p>What the fields hold, by kind:
 * <ul>
 *   <li>{@link #moodId()}: the mood concerned; for {@link DriftKind#ORPHAN} and {@link DriftKind#FOREIGN_REF} the
 *       id the record's {@code ref} names (no mood of this user), when it has one.</li>
 *   <li>{@link #rkey()}: the record's key; for {@link DriftKind#MISSING_ON_PDS} and {@link DriftKind#DANGLING_LINK},
 *       where the record belongs (the repair's target).</li>
 *   <li>{@link #recordCid()}: the record's CID as the PDS reported it, when there is a record.</li>
 *   <li>{@link #mood()}: the store's mood as read, for the kinds a repair writes from the store (missing, dangling,
 *       unlinked, content drift).</li>
 *   <li>{@link #record()}: the decoded record, for the kinds a repair may take from the PDS (unlinked, content
 *       drift, orphan).</li>
 * </ul>
 * Immutable and thread-safe.
 *
 * @param kind the kind of drift
 * @param moodId the mood concerned, when any
 * @param rkey the record key concerned, when any
 * @param recordCid the record's CID, when there is a record
 * @param detail a short human-readable explanation
 * @param pending true when the mood carries a pending marker: its drift is expected (the sync worker will write
 *     it) and repairs leave it alone
 * @param contentDiffers for {@link DriftKind#UNLINKED}: the record's content differs from the mood's as well
 * @param mood the mood as read from the store, when the repair needs it
 * @param record the record as decoded, when the repair needs it
 */
public record DriftItem(DriftKind kind, Optional<MoodId> moodId, Optional<RecordKey> rkey, Optional<Cid> recordCid,
        String detail, boolean pending, boolean contentDiffers, Optional<Mood> mood, Optional<MoodRecord> record) {

    /** Validates presence of every component. */
    public DriftItem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(moodId, "moodId");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(recordCid, "recordCid");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(mood, "mood");
        Objects.requireNonNull(record, "record");
    }

    /**
     * Returns one line: kind, mood, record key, CID and detail.
     *
     * @return the line
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(kind.name());
        moodId.ifPresent(id -> b.append(" mood=").append(id));
        rkey.ifPresent(k -> b.append(" rkey=").append(k));
        recordCid.ifPresent(c -> b.append(" cid=").append(c));
        if (pending) {
            b.append(" [pending: expected]");
        }
        return b.append(": ").append(detail).toString();
    }
}
