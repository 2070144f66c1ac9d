package computer.aesthetic.moodsync;

/**
 * A store write was refused because it would break a uniqueness rule: a mood id that exists already, or a
 * record key already linked to another mood.
 */
public class StoreConflictException extends StoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates a conflict exception.
     *
     * @param operation the store operation that was refused
     * @param message what clashed with what
     * @param cause the driver's exception, possibly null
     */
    public StoreConflictException(String operation, String message, Throwable cause) {
        super(operation, message, cause);
    }
}
