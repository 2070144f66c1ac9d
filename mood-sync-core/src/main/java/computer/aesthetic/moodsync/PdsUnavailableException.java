package computer.aesthetic.moodsync;

import java.time.Instant;

/**
 * The PDS could not be reached or did not answer in time: connection refused or reset, a timeout, or the
 * client's circuit breaker is open after repeated failures. Always retryable.
 */
public class PdsUnavailableException extends PdsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, without secrets
     * @param retryAt when the circuit closes again, or null when unknown
     * @param cause the I/O failure, or null
     */
    public PdsUnavailableException(String message, Instant retryAt, Throwable cause) {
        super(0, null, message, true, retryAt, cause);
    }
}
