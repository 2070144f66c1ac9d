package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.PendingSync;
import java.util.Objects;
import java.util.Optional;

/**
 * A change to a stored mood, applied atomically by {@link MoodStore#change}: new text and/or deleted flag, and the
 * pending marker that makes the matching PDS write durable.
 *
 * @param text the new text, or empty to keep it
 * @param deleted the new deleted flag, or empty to keep it
 * @param pending the marker that replaces any current one (a change always needs a PDS write)
 */
public record MoodChange(Optional<String> text, Optional<Boolean> deleted, PendingSync pending) {
    /** Validates presence. */
    public MoodChange {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(deleted, "deleted");
        Objects.requireNonNull(pending, "pending");
    }
}
