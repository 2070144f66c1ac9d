package computer.aesthetic.moodsync.syntax;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates {@link Tid}s that strictly increase and never repeat within this clock.
 *
 * <p>Each TID carries the current time in microseconds, or one microsecond more than the last TID
 * issued if the clock has not moved on or has stepped back. A burst of TIDs can therefore run ahead
 * of the wall clock by up to one microsecond per TID; it catches up once the calls slow down. To be
 * unique within a process, share one {@code TidClock} (for example the one from {@link #create()}
 * held in a static or injected singleton); different clock ids make collisions between processes
 * unlikely.
 *
 * <p>Instances are thread-safe and lock-free.
 */
public final class TidClock {

    private final Clock clock;
    private final int clockId;
    private final AtomicLong lastMicros = new AtomicLong(-1);

    private TidClock(Clock clock, int clockId) {
        this.clock = clock;
        this.clockId = clockId;
    }

    /**
     * Creates a TID clock on the system UTC clock with a random clock id.
     *
     * @return a new TID clock
     */
    public static TidClock create() {
        return new TidClock(Clock.systemUTC(), ThreadLocalRandom.current().nextInt(Tid.MAX_CLOCK_ID + 1));
    }

    /**
     * Creates a TID clock on the given clock with the given clock id.
     *
     * @param clock the time source
     * @param clockId the clock id, 0 to 1023
     * @return a new TID clock
     * @throws NullPointerException if {@code clock} is null
     * @throws IllegalArgumentException if {@code clockId} is out of range
     */
    public static TidClock of(Clock clock, int clockId) {
        Objects.requireNonNull(clock, "clock");
        if (clockId < 0 || clockId > Tid.MAX_CLOCK_ID) {
            throw new IllegalArgumentException(
                    "Expected clockId in 0.." + Tid.MAX_CLOCK_ID + " but found " + clockId);
        }
        return new TidClock(clock, clockId);
    }

    /**
     * Returns the clock id written into every TID from this clock.
     *
     * @return the clock id, 0 to 1023
     */
    public int clockId() {
        return clockId;
    }

    /**
     * Returns the next TID: later than every TID this clock returned before.
     *
     * @return a new TID
     * @throws IllegalStateException if the time is before the Unix epoch or past
     *     2<sup>53</sup>-1 microseconds
     */
    public Tid next() {
        long now = nowMicros();
        while (true) {
            long last = lastMicros.get();
            long next = Math.max(now, last + 1);
            if (next > Tid.MAX_MICROS) {
                throw new IllegalStateException(
                        "Expected a time below 2^53 microseconds but found " + next);
            }
            if (lastMicros.compareAndSet(last, next)) {
                return Tid.of(next, clockId);
            }
        }
    }

    private long nowMicros() {
        Instant now = clock.instant();
        long micros;
        try {
            micros = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L),
                    now.getNano() / 1_000L);
        } catch (ArithmeticException e) {
            throw new IllegalStateException("Expected a time TIDs can carry but found " + now, e);
        }
        if (micros < 0) {
            throw new IllegalStateException("Expected a time after the Unix epoch but found " + now);
        }
        return micros;
    }

    /**
     * Describes this clock.
     *
     * @return a description with the clock id
     */
    @Override
    public String toString() {
        return "TidClock[clockId=" + clockId + "]";
    }
}
