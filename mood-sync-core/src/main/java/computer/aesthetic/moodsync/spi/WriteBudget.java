package computer.aesthetic.moodsync.spi;

import java.time.Instant;

/**
 * What is left of a repository's write budget as the PDS last reported it ({@code RateLimit-*} headers).
 *
 * @param limit the points in the window
 * @param remaining the points left
 * @param resetAt when the window resets
 */
public record WriteBudget(int limit, int remaining, Instant resetAt) {
    /** Validates the numbers. */
    public WriteBudget {
        if (limit < 0 || remaining < 0) {
            throw new IllegalArgumentException("budget numbers must be >= 0: limit=" + limit + ", remaining=" + remaining);
        }
        java.util.Objects.requireNonNull(resetAt, "resetAt");
    }
}
