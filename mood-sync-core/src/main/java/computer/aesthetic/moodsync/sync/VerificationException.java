package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.MoodSyncException;
import java.util.Objects;

/**
 * A well-formed commit failed verification: its signature does not verify with the repository's key,
 * the proof in its CAR slice is incomplete, or inverting its operations does not lead back to
 * {@code prevData}. Callers branch on {@link #reason()}.
 *
 * <p>INGEST.md: on {@link Reason#BAD_SIGNATURE} refresh the DID document once and verify again; on any
 * failure after that, mark the repository desynchronized and resync it.
 */
public class VerificationException extends MoodSyncException {
    private static final long serialVersionUID = 1L;

    /** Why a commit was rejected. */
    public enum Reason {
        /** The signature does not verify with the key given (wrong key, altered commit, high-S, not 64 bytes). */
        BAD_SIGNATURE,
        /** The key is of a curve the {@link SignatureVerifier} in use does not support. */
        UNSUPPORTED_KEY,
        /** The commit object names another repository than the event, or another rev. */
        COMMIT_MISMATCH,
        /** The CAR slice lacks a block needed to prove an operation (the commit, an MST node). */
        PROOF_INCOMPLETE,
        /** An operation does not match the tree after the commit (a created record absent, a CID differs). */
        OP_MISMATCH,
        /** Inverting the operations does not give the event's {@code prevData}. */
        PREV_DATA_MISMATCH,
        /** The MST in the slice is not in canonical form, so its root cannot be recomputed. */
        NOT_CANONICAL
    }

    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason why the commit was rejected
     * @param message what was expected and what was found
     */
    public VerificationException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Returns why the commit was rejected.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
