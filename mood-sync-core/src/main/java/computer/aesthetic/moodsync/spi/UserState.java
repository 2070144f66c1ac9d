package computer.aesthetic.moodsync.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a store knows of a user that gates the user's writes, read at once ({@link MoodStore#userState}): the
 * erasure tombstone ({@link MoodStore#fenceUser}) and the account hold ({@link MoodStore#holdAccount}). Immutable.
 *
 * @param erasedSince when the user was fenced for erasure, or empty
 * @param hold the user's account hold, or empty when the account is active as far as the store knows
 */
public record UserState(Optional<Instant> erasedSince, Optional<AccountHold> hold) {
    /** A user neither erased nor held. */
    public static final UserState CLEAR = new UserState(Optional.empty(), Optional.empty());

    /** Validates presence. */
    public UserState {
        Objects.requireNonNull(erasedSince, "erasedSince");
        Objects.requireNonNull(hold, "hold");
    }

    /**
     * Tells whether the user is fenced for erasure.
     *
     * @return true when a tombstone exists
     */
    public boolean erased() {
        return erasedSince.isPresent();
    }
}
