package computer.aesthetic.moodsync.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand, with skewed views: {@link #skewed(Duration)} returns a clock that reads this one's
 * time plus a fixed offset, so several service instances (each with its own clock, as separate machines have)
 * and a store (with the database server's clock) can disagree by a known amount while one {@link #advance} moves
 * them all. Always in UTC. Thread-safe.
 */
public final class TestClock extends Clock {
    private final AtomicReference<Instant> base;
    private final Duration offset;

    private TestClock(AtomicReference<Instant> base, Duration offset) {
        this.base = base;
        this.offset = offset;
    }

    /**
     * Creates a clock reading {@code start} until moved.
     *
     * @param start the initial time
     * @return the clock
     */
    public static TestClock at(Instant start) {
        return new TestClock(new AtomicReference<>(Objects.requireNonNull(start, "start")), Duration.ZERO);
    }

    /**
     * Returns a view of this clock's time plus {@code skew} (negative for a clock that runs behind). Moving either
     * clock moves both.
     *
     * @param skew the offset from this clock
     * @return the skewed clock
     */
    public TestClock skewed(Duration skew) {
        return new TestClock(base, offset.plus(Objects.requireNonNull(skew, "skew")));
    }

    /**
     * Moves the time of this clock and of every clock sharing its base forward (or back, with a negative
     * duration).
     *
     * @param d how far
     */
    public void advance(Duration d) {
        Objects.requireNonNull(d, "d");
        base.updateAndGet(t -> t.plus(d));
    }

    /**
     * Returns the offset of this view from the base clock.
     *
     * @return the skew, zero for the base clock
     */
    public Duration skew() {
        return offset;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return base.get().plus(offset);
    }

    @Override
    public String toString() {
        return "TestClock[" + instant() + (offset.isZero() ? "" : ", skew " + offset) + "]";
    }
}
