package computer.aesthetic.moodsync.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A user's ATProto account is not active on its PDS (deleted, taken down, suspended, deactivated): PDS writes of
 * the user's moods are held (stored, pending, never sent, no attempt counted) until the account is active again.
 * Stored by the {@link MoodStore} ({@link MoodStore#holdAccount}). Immutable.
 *
 * @param status the account's status as the PDS names it ({@code takendown}, {@code deactivated},
 *     {@code deleted}, {@code suspended}, ...)
 * @param since when the hold was first placed
 */
public record AccountHold(String status, Instant since) {
    /** Validates presence. */
    public AccountHold {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(since, "since");
        if (status.isBlank()) {
            throw new IllegalArgumentException("an account hold needs a status");
        }
    }
}
