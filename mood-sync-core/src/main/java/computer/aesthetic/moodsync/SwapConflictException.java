package computer.aesthetic.moodsync;

/**
 * A write's swap condition did not hold ({@code InvalidSwap}): the record was not in the state the caller
 * expected (it exists where it must not, or its CID differs). Not retryable as is: re-read, then decide.
 */
public class SwapConflictException extends PdsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param httpStatus the HTTP status of the answer (400 on the reference PDS)
     * @param message what was expected and what was found
     */
    public SwapConflictException(int httpStatus, String message) {
        super(httpStatus, "InvalidSwap", message, false, null, null);
    }
}
