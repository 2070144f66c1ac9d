package computer.aesthetic.moodsync.mongo.internal;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import computer.aesthetic.moodsync.StoreConflictException;
import computer.aesthetic.moodsync.StoreException;

/** Translates driver exceptions into the library's store exceptions. */
public final class Errors {
    private Errors() {
    }

    /**
     * Tells whether a driver exception is a duplicate key error (code 11000 and its legacy variants).
     *
     * @param e the driver's exception
     * @return true for a unique index violation
     */
    public static boolean isDuplicateKey(MongoException e) {
        return ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY;
    }

    /**
     * Wraps a driver exception: a duplicate key becomes a {@link StoreConflictException}, anything else a
     * {@link StoreException}, both naming {@code operation} and keeping the driver's exception as the cause.
     *
     * @param operation the store operation, e.g. {@code "insert"}
     * @param e the driver's exception
     * @return the exception to throw
     */
    public static StoreException wrap(String operation, MongoException e) {
        if (isDuplicateKey(e)) {
            return new StoreConflictException(operation, "duplicate key: " + e.getMessage(), e);
        }
        return new StoreException(operation, e.getClass().getSimpleName() + " (code " + e.getCode() + "): "
                + e.getMessage(), e);
    }
}
