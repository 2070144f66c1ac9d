package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.UserId;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to claim due sync work with a lease ({@link MoodStore#claimDue}).
 *
 * @param owner the claiming worker's id
 * @param now the current time: work with {@code nextAttemptAt <= now} and no live lease is due
 * @param lease how long the claim holds; an expired lease may be claimed again by anyone
 * @param user only this user's work, or empty for any user
 * @param max the most moods to claim, at least 1
 * @param maxUsers the most users whose work one claim may take, at least 1; with {@code user} given, one. A store may
 *     always take fewer (one user's work is a valid answer to any claim)
 */
public record Claim(String owner, Instant now, Duration lease, Optional<UserId> user, int max, int maxUsers) {
    /**
     * A claim of one user's work at most (the first due mood decides the user when {@code user} is empty).
     *
     * @param owner the claiming worker's id
     * @param now the current time
     * @param lease how long the claim holds
     * @param user only this user's work, or empty for any user
     * @param max the most moods to claim, at least 1
     */
    public Claim(String owner, Instant now, Duration lease, Optional<UserId> user, int max) {
        this(owner, now, lease, user, max, 1);
    }

    /** Validates the request. */
    public Claim {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(user, "user");
        if (owner.isBlank()) {
            throw new IllegalArgumentException("a claim needs an owner");
        }
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive, found " + lease);
        }
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, found " + max);
        }
        if (maxUsers < 1) {
            throw new IllegalArgumentException("maxUsers must be >= 1, found " + maxUsers);
        }
        if (user.isPresent()) {
            maxUsers = 1;
        }
    }
}
