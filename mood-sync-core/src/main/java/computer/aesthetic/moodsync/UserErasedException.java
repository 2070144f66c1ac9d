package computer.aesthetic.moodsync;

import java.time.Instant;
import java.util.Objects;

/**
 * A post or change refused because its user is being erased, or was erased ({@link MoodSyncService#erase}): the
 * store holds a tombstone for the user ({@link computer.aesthetic.moodsync.spi.MoodStore#fenceUser}). Nothing was
 * kept: a mood stored by a post that raced the erasure is removed again before this is thrown.
 *
 * <p>Immutable and thread-safe.
 */
public class UserErasedException extends MoodSyncException {
    private static final long serialVersionUID = 1L;

    private final UserId user;
    private final Instant since;

    /**
     * Creates the exception.
     *
     * @param user the user
     * @param since when the user was fenced
     */
    public UserErasedException(UserId user, Instant since) {
        super("user " + Objects.requireNonNull(user, "user") + " is erased (fenced since "
                + Objects.requireNonNull(since, "since") + "): no new moods or changes are accepted");
        this.user = user;
        this.since = since;
    }

    /**
     * Returns the user.
     *
     * @return the user
     */
    public UserId user() {
        return user;
    }

    /**
     * Returns when the user was fenced.
     *
     * @return the tombstone's time
     */
    public Instant since() {
        return since;
    }
}
