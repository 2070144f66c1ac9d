package computer.aesthetic.moodsync.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The lease that makes one follower per event source active across app instances, as an
 * {@link IngestStateStore} holds it. Every acquire, renewal and release increments {@link #version()}, so a standby
 * can tell a live holder from a dead one without comparing clocks: a holder renews well within the lease time; a
 * version that has not moved for a whole lease time (measured on the standby's own monotonic clock) belongs to a
 * holder that stopped. Immutable and thread-safe.
 *
 * @param owner the holder, or empty when released
 * @param version incremented by every acquire, renewal and release; 0 when the source never had a lease
 */
public record FollowerLease(Optional<String> owner, long version) {
    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code version} is negative
     */
    public FollowerLease {
        Objects.requireNonNull(owner, "owner");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, found " + version);
        }
    }
}
