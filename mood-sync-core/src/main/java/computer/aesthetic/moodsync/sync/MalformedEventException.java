package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.MoodSyncException;

/**
 * Bytes received from a PDS event stream are not what the protocol allows: a frame, a CAR slice, a
 * block, a commit object or an MST node is truncated, too large, not canonical DAG-CBOR, has a field of
 * the wrong type, or a block does not hash to its CID. The message says what was expected and what was
 * found; the offending bytes are never copied into it beyond a short prefix.
 *
 * <p>A consumer drops the connection on a malformed frame (INGEST.md) and treats a malformed commit of
 * one repository as a reason to resync that repository.
 */
public class MalformedEventException extends MoodSyncException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was expected and what was found
     */
    public MalformedEventException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what was expected and what was found
     * @param cause the underlying decoding failure, possibly null
     */
    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
