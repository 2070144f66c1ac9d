package computer.aesthetic.moodsync;

import java.time.Instant;
import java.util.Optional;

/**
 * A call to a PDS failed: an XRPC error answer, a malformed answer, or no answer at all.
 *
 * <p>Callers branch on {@link #httpStatus()}, {@link #errorName()} (the XRPC {@code error} field, such as
 * {@code "InvalidSwap"} or {@code "RecordNotFound"}) and {@link #isRetryable()}. Subclasses name the cases
 * the library itself reacts to: {@link PdsUnavailableException}, {@link RateLimitedException},
 * {@link SwapConflictException} and {@link PdsAuthenticationException}.
 */
public class PdsException extends MoodSyncException {
    private static final long serialVersionUID = 1L;
    private final int httpStatus;
    private final String errorName;
    private final boolean retryable;
    private final Instant retryAt;

    /**
     * Creates a PDS exception.
     *
     * @param httpStatus the HTTP status, or 0 when no response was received
     * @param errorName the XRPC error name, or null when the answer had none
     * @param message what went wrong, without secrets
     * @param retryable whether the same call may succeed later
     * @param retryAt the earliest time a retry makes sense, or null when unknown
     * @param cause the underlying failure, or null
     */
    public PdsException(int httpStatus, String errorName, String message, boolean retryable, Instant retryAt,
            Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorName = errorName;
        this.retryable = retryable;
        this.retryAt = retryAt;
    }

    /**
     * Returns the HTTP status of the answer.
     *
     * @return the status, or 0 when no answer was received (connection failure, timeout, open circuit)
     */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * Returns the XRPC error name of the answer, such as {@code "ExpiredToken"}.
     *
     * @return the error name, or empty when the answer carried none
     */
    public Optional<String> errorName() {
        return Optional.ofNullable(errorName);
    }

    /**
     * Tells whether the same call may succeed later (5xx but 501, 429, timeouts, connection failures).
     *
     * @return true when a retry makes sense
     */
    public boolean isRetryable() {
        return retryable;
    }

    /**
     * Returns the earliest time at which a retry makes sense, when the PDS said so.
     *
     * @return the time, or empty when unknown
     */
    public Optional<Instant> retryAt() {
        return Optional.ofNullable(retryAt);
    }

    /**
     * Returns a short label for statistics: the XRPC error name when there is one, otherwise
     * {@code "HTTP <status>"}, or the exception's simple class name when there was no answer.
     *
     * @return a label suitable for grouping failures
     */
    public String label() {
        if (errorName != null) {
            return errorName;
        }
        return httpStatus > 0 ? "HTTP " + httpStatus : getClass().getSimpleName();
    }
}
