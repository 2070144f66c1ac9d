package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Objects;
import java.util.Optional;

/**
 * One successful PDS write to record with {@link MoodStore#completeSyncAll}: the arguments of the fenced
 * {@link MoodStore#completeSync(MoodId, long, String, Optional, Optional, java.time.Instant)} for one mood.
 *
 * @param id the mood
 * @param token the marker's token the write was made for
 * @param rkey the record key now holding the mood's record, or empty to leave the link as it is
 * @param cid the CID of the record at the linked key after the write, or empty when the write deleted it
 */
public record Completion(MoodId id, long token, Optional<RecordKey> rkey, Optional<Cid> cid) {
    /** Validates the arguments. */
    public Completion {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(cid, "cid");
    }

    /**
     * What {@link MoodStore#completeSyncAll} did.
     *
     * @param done the moods whose marker was removed (the write is synced)
     * @param failed the moods whose completion failed, with the failure (nothing is known of their state); moods
     *     in neither were superseded
     */
    public record Results(java.util.Set<MoodId> done, java.util.Map<MoodId, RuntimeException> failed) {
        /** Copies the arguments. */
        public Results {
            done = java.util.Set.copyOf(done);
            failed = java.util.Map.copyOf(failed);
        }
    }
}
