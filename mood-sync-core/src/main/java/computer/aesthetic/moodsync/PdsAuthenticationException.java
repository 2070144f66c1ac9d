package computer.aesthetic.moodsync;

/**
 * The PDS refused the account's credentials or session (wrong password, account taken down or deleted, a
 * token it cannot read even after a fresh login). Not retryable until the credentials change.
 */
public class PdsAuthenticationException extends PdsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param httpStatus the HTTP status of the answer
     * @param errorName the XRPC error name, or null
     * @param message what was refused, never the credentials themselves
     */
    public PdsAuthenticationException(int httpStatus, String errorName, String message) {
        super(httpStatus, errorName, message, false, null, null);
    }
}
