package computer.aesthetic.moodsync;

import java.time.Instant;

/**
 * The PDS refused a call with HTTP 429 {@code RateLimitExceeded}, or the client refused to send a write that
 * would overrun the repository's known write budget. {@link #retryAt()} says when the budget resets.
 */
public class RateLimitedException extends PdsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param httpStatus 429 when the PDS answered so, 0 when the client held the call back itself
     * @param message what was limited and until when
     * @param retryAt when the budget resets, or null when unknown
     */
    public RateLimitedException(int httpStatus, String message, Instant retryAt) {
        super(httpStatus, httpStatus == 429 ? "RateLimitExceeded" : "WriteBudgetExhausted", message, true, retryAt,
                null);
    }
}
