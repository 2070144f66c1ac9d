package computer.aesthetic.moodsync;

/**
 * The root of every exception mood-sync throws for a failure outside the caller's control (a store or PDS
 * failure, a record that does not validate, a conflict). Programming errors stay
 * {@link IllegalArgumentException} and {@link IllegalStateException}.
 *
 * <p>Messages say what was expected and what was found; they never contain a password or token.
 */
public class MoodSyncException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong
     */
    protected MoodSyncException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong
     * @param cause the underlying failure, possibly null
     */
    protected MoodSyncException(String message, Throwable cause) {
        super(message, cause);
    }
}
