package computer.aesthetic.moodsync.record;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded, valid {@code computer.aesthetic.mood} record.
 *
 * @param text the mood's text
 * @param when the record's datetime, kept exactly as written
 * @param ref the id of the mood the record mirrors ({@code ref}, or the legacy {@code mongoId}), when present
 * @param legacyRef true when the id came from the legacy {@code mongoId} field
 */
public record MoodRecord(String text, AtDatetime when, Optional<MoodId> ref, boolean legacyRef) {
    /** Validates presence. */
    public MoodRecord {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(ref, "ref");
        if (legacyRef && ref.isEmpty()) {
            throw new IllegalArgumentException("a legacy ref needs a ref");
        }
    }
}
