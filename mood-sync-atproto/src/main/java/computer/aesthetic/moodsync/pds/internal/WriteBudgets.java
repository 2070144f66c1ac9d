package computer.aesthetic.moodsync.pds.internal;

import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import okhttp3.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write budget of each repository as the PDS last reported it in the {@code RateLimit-*} headers of a write,
 * minus the points of writes sent since. A write that would overrun the budget waits for the window's reset when
 * that is near enough, and is otherwise refused without being sent. Headers whose reset is more than
 * {@link Xrpc#MAX_RETRY_DELAY} away are distrusted (the budget is forgotten, the PDS decides), and policy windows
 * are taken as 1 s to a day, so no header can refuse writes for ever or overflow the arithmetic. Thread-safe.
 */
public final class WriteBudgets {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBudgets.class);

    /** Sleeps; replaced in tests. */
    @FunctionalInterface
    public interface Sleeper {
        /**
         * Sleeps.
         *
         * @param duration how long
         * @throws InterruptedException if interrupted
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Clock clock;
    private final Duration maxWait;
    private final Sleeper sleeper;
    private final ConcurrentMap<Did, State> states = new ConcurrentHashMap<>();

    private static final class State {
        int limit;
        int remaining;
        Instant resetAt;
        String policy;
    }

    /**
     * Creates the tracker.
     *
     * @param clock the clock
     * @param maxWait the longest a write waits for a reset
     * @param sleeper how to wait
     */
    public WriteBudgets(Clock clock, Duration maxWait, Sleeper sleeper) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    /**
     * Returns what is left of a repository's budget.
     *
     * @param did the repository
     * @return the budget, or empty when the PDS has not reported one
     */
    public Optional<WriteBudget> get(Did did) {
        State s = states.get(did);
        if (s == null) {
            return Optional.empty();
        }
        synchronized (s) {
            Instant now = clock.instant();
            int remaining = now.isBefore(s.resetAt) ? s.remaining : s.limit;
            return Optional.of(new WriteBudget(s.limit, Math.max(0, remaining), s.resetAt));
        }
    }

    /**
     * Takes {@code points} from a repository's budget before a write is sent, waiting for the reset when the
     * budget is short and the reset is at most the configured wait away.
     *
     * @param did the repository
     * @param points the write's cost
     * @throws RateLimitedException (status 0) if the budget is short and the reset is too far away
     */
    public void reserve(Did did, int points) {
        State s = states.get(did);
        if (s == null) {
            return;
        }
        Duration wait;
        synchronized (s) {
            Instant now = clock.instant();
            if (!now.isBefore(s.resetAt)) {
                s.remaining = s.limit; // the window has reset since the PDS last reported
                s.resetAt = now.plus(windowOf(s.policy));
            }
            if (s.remaining >= points || points > s.limit) {
                s.remaining -= Math.min(points, Math.max(0, s.remaining));
                return;
            }
            wait = Duration.between(now, s.resetAt);
            if (wait.compareTo(maxWait) > 0) {
                throw new RateLimitedException(0, "write budget of " + did + " exhausted until " + s.resetAt
                        + ": the write needs " + points + " points, " + s.remaining + " of " + s.limit
                        + " are left, and the reset is further away than the maximum wait of " + maxWait,
                        s.resetAt);
            }
        }
        LOG.info("write budget of {} is short of {} points; waiting {} for the reset", did, points, wait);
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PdsUnavailableException("interrupted while waiting for the write budget of " + did, null, e);
        }
        synchronized (s) {
            s.remaining = Math.max(0, s.limit - points);
        }
    }

    /**
     * Records the budget a write's answer reports ({@code RateLimit-Limit}, {@code -Remaining}, {@code -Reset} in
     * epoch seconds, {@code -Policy}). Answers without these headers leave the budget as it is.
     *
     * @param did the repository
     * @param headers the answer's headers
     */
    public void update(Did did, Headers headers) {
        String limit = headers.get("RateLimit-Limit");
        String remaining = headers.get("RateLimit-Remaining");
        String reset = headers.get("RateLimit-Reset");
        if (limit == null || remaining == null || reset == null) {
            return;
        }
        int l;
        int r;
        long resetSecond;
        try {
            l = Integer.parseInt(limit.trim());
            r = Integer.parseInt(remaining.trim());
            resetSecond = Long.parseLong(reset.trim());
        } catch (RuntimeException e) {
            LOG.debug("ignoring unreadable RateLimit headers of {}: {}", did, e.getMessage());
            return;
        }
        if (l < 0 || r < 0) {
            return;
        }
        Instant now = clock.instant();
        if (resetSecond > now.getEpochSecond() + Xrpc.MAX_RETRY_DELAY.getSeconds()) {
            // an absurd reset would refuse every write for ever: distrust the budget, let the PDS decide (a 429
            // it sends is waited out at most a day)
            if (states.remove(did) != null || LOG.isDebugEnabled()) {
                LOG.info("ignoring the RateLimit headers of {}: a reset at epoch second {} is more than {} away",
                        did, resetSecond, Xrpc.MAX_RETRY_DELAY);
            }
            return;
        }
        Instant resetAt = Instant.ofEpochSecond(Math.max(resetSecond, 0)); // a past reset: the window is over
        State s = states.computeIfAbsent(did, d -> new State());
        synchronized (s) {
            s.limit = l;
            s.remaining = r;
            s.resetAt = resetAt;
            s.policy = headers.get("RateLimit-Policy");
        }
    }

    /** The window length from a policy like {@code 5000;w=3600}, 1 s to a day; an hour when unknown. */
    static Duration windowOf(String policy) {
        if (policy != null) {
            for (String part : policy.split(";")) {
                String p = part.trim();
                if (p.startsWith("w=")) {
                    try {
                        long seconds = Long.parseLong(p.substring(2).trim());
                        return Duration.ofSeconds(Math.max(1, Math.min(seconds, Xrpc.MAX_RETRY_DELAY.getSeconds())));
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
            }
        }
        return Duration.ofHours(1);
    }
}
