package computer.aesthetic.moodsync;

/**
 * A {@code MoodStore} operation failed (the database was unreachable, refused the write, timed out...).
 * The driver's exception is the cause; {@link #operation()} names what was attempted.
 */
public class StoreException extends MoodSyncException {
    private static final long serialVersionUID = 1L;
    private final String operation;

    /**
     * Creates a store exception.
     *
     * @param operation the store operation that failed, e.g. {@code "insert"}
     * @param message what went wrong
     * @param cause the driver's exception, possibly null
     */
    public StoreException(String operation, String message, Throwable cause) {
        super(operation + ": " + message, cause);
        this.operation = operation;
    }

    /**
     * Returns the store operation that failed.
     *
     * @return the operation name, e.g. {@code "insert"} or {@code "claimDue"}
     */
    public String operation() {
        return operation;
    }
}
