package computer.aesthetic.moodsync.pds.internal;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.RateLimitedException;
import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.event.ExecutionAttemptedEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries with exponential backoff and jitter, waits out 429s within a bound, and keeps one circuit breaker per
 * PDS host, all with Failsafe; Failsafe's own exceptions never escape. Immutable and thread-safe.
 */
public final class Resilience {
    private static final Logger LOG = LoggerFactory.getLogger(Resilience.class);

    /**
     * Retry and circuit settings.
     *
     * @param maxRetries retries after the first attempt (0 disables retries)
     * @param initialBackoff the first retry delay
     * @param maxBackoff the largest retry delay
     * @param jitter the jitter factor, 0..1
     * @param maxRateLimitWait the longest a 429 is waited out before it is thrown
     * @param circuitFailureThreshold consecutive failures that open a host's circuit
     * @param circuitOpenDuration how long an open circuit fails fast before letting a trial call through
     */
    public record Settings(int maxRetries, Duration initialBackoff, Duration maxBackoff, double jitter,
            Duration maxRateLimitWait, int circuitFailureThreshold, Duration circuitOpenDuration) {
        /** Validates presence. */
        public Settings {
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Objects.requireNonNull(maxRateLimitWait, "maxRateLimitWait");
            Objects.requireNonNull(circuitOpenDuration, "circuitOpenDuration");
        }
    }

    /** Whether a call may be sent again after a failure that may have been processed. */
    public enum Safety {
        /** Idempotent: any retryable failure is retried. */
        IDEMPOTENT,
        /** Not idempotent: only failures that prove the call was not processed (429, no connection). */
        NOT_IDEMPOTENT
    }

    private final Settings settings;
    private final Clock clock;
    private final RetryPolicy<Object> idempotent;
    private final RetryPolicy<Object> notIdempotent;
    private final ConcurrentMap<String, CircuitBreaker<Object>> breakers = new ConcurrentHashMap<>();

    /**
     * Creates the policies.
     *
     * @param settings the settings
     * @param clock the clock (for 429 reset times)
     */
    public Resilience(Settings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.idempotent = retryPolicy(Safety.IDEMPOTENT);
        this.notIdempotent = retryPolicy(Safety.NOT_IDEMPOTENT);
    }

    private RetryPolicy<Object> retryPolicy(Safety safety) {
        var builder = RetryPolicy.builder()
                .handleIf((r, e) -> shouldRetry(e, safety))
                .abortIf((r, e) -> e instanceof RateLimitedException rl && rateLimitWait(rl).compareTo(
                        settings.maxRateLimitWait()) > 0)
                .withMaxRetries(settings.maxRetries())
                .withDelayFnOn(ctx -> {
                    Throwable last = ctx.getLastException();
                    return last instanceof RateLimitedException rl ? rateLimitWait(rl) : null;
                }, RateLimitedException.class)
                .onRetry(this::logRetry);
        if (settings.initialBackoff().compareTo(settings.maxBackoff()) < 0) {
            builder.withBackoff(settings.initialBackoff(), settings.maxBackoff());
        } else {
            builder.withDelay(settings.initialBackoff());
        }
        if (settings.jitter() > 0) {
            builder.withJitter(settings.jitter());
        }
        return builder.build();
    }

    private void logRetry(ExecutionAttemptedEvent<Object> event) {
        Throwable e = event.getLastException();
        if (LOG.isInfoEnabled()) {
            LOG.info("retrying after attempt {}: {}", event.getAttemptCount(),
                    e instanceof PdsException p ? p.getMessage() : String.valueOf(e));
        }
    }

    private Duration rateLimitWait(RateLimitedException e) {
        Instant at = e.retryAt().orElse(null);
        if (at == null) {
            return settings.initialBackoff();
        }
        Duration wait = Duration.between(clock.instant(), at);
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    private static boolean shouldRetry(Throwable e, Safety safety) {
        if (!(e instanceof PdsException p) || !p.isRetryable()) {
            return false;
        }
        if (p instanceof RateLimitedException) {
            return p.httpStatus() == 429; // a client-side budget refusal has waited already
        }
        return safety == Safety.IDEMPOTENT || Xrpc.notSent(p);
    }

    private static boolean countsAsOutage(Throwable e) {
        if (!(e instanceof PdsException p) || p instanceof RateLimitedException) {
            return false;
        }
        return p instanceof PdsUnavailableException || p.httpStatus() >= 500 && p.httpStatus() != 501;
    }

    private CircuitBreaker<Object> breaker(String host) {
        return breakers.computeIfAbsent(host, h -> CircuitBreaker.builder()
                .handleIf((r, e) -> countsAsOutage(e))
                .withFailureThreshold(settings.circuitFailureThreshold())
                .withSuccessThreshold(1)
                .withDelay(settings.circuitOpenDuration())
                .onOpen(ev -> LOG.warn("PDS {} looks down: circuit open for {}", h, settings.circuitOpenDuration()))
                .onClose(ev -> LOG.info("PDS {} answers again: circuit closed", h))
                .build());
    }

    /**
     * Runs a call with retries inside the host's circuit breaker.
     *
     * @param host the PDS host key (scheme, host and port)
     * @param safety whether the call may be repeated after an ambiguous failure
     * @param call the call; it throws {@link PdsException}s
     * @param <T> the result type
     * @return the call's result
     * @throws PdsException the last failure, or {@link PdsUnavailableException} when the circuit is open
     */
    public <T> T call(String host, Safety safety, Supplier<T> call) {
        CircuitBreaker<Object> breaker = breaker(host);
        RetryPolicy<Object> retry = safety == Safety.IDEMPOTENT ? idempotent : notIdempotent;
        try {
            return Failsafe.with(retry).compose(breaker).get(call::get);
        } catch (CircuitBreakerOpenException e) {
            Instant retryAt = clock.instant().plus(breaker.getRemainingDelay());
            throw new PdsUnavailableException("PDS " + host + " is unavailable: its circuit breaker is open after "
                    + settings.circuitFailureThreshold() + " consecutive failures; calls fail fast until " + retryAt,
                    retryAt, null);
        } catch (FailsafeException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new PdsUnavailableException("interrupted while waiting to retry a call to " + host, null, cause);
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new PdsException(0, null, "call to " + host + " failed: " + cause, false, null, cause);
        }
    }

    /**
     * Tells whether the host's circuit is open now.
     *
     * @param host the host key
     * @return true when calls to it fail fast
     */
    public boolean isOpen(String host) {
        CircuitBreaker<Object> b = breakers.get(host);
        return b != null && b.isOpen();
    }

    /**
     * Returns until when the host's circuit stays open.
     *
     * @param host the host key
     * @return the time calls may go through again, or empty when the circuit is not open
     */
    public java.util.Optional<Instant> openUntil(String host) {
        CircuitBreaker<Object> b = breakers.get(host);
        return b != null && b.isOpen() ? java.util.Optional.of(clock.instant().plus(b.getRemainingDelay()))
                : java.util.Optional.empty();
    }
}
