package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies {@code #commit} and {@code #sync} events (sync 1.1): the commit block is in the slice and names the
 * event's repository and rev, its signature verifies with the repository's key, each create and update has its
 * record block, the ops match the tree after the commit, and inverting them gives {@code prevData}.
 *
 * <p>What it does not check, because it needs per-repository state: that {@code rev} is greater than the last
 * applied one, and that {@code since} and {@code prevData} match the stored state (the follower's job, see
 * INGEST.md). When an event has no {@code prevData} (a repository's first commit, or a PDS older than sync
 * 1.1) the inversion is skipped and {@link VerifiedCommit#inverted()} is false.
 *
 * <p>Immutable and thread-safe.
 */
public final class CommitVerifier {

    private final SignatureVerifier signatures;

    private CommitVerifier(SignatureVerifier signatures) {
        this.signatures = signatures;
    }

    /**
     * Creates a verifier.
     *
     * @param signatures the signature verifier for the curves of the repositories followed
     * @return the commit verifier
     */
    public static CommitVerifier of(SignatureVerifier signatures) {
        return new CommitVerifier(Objects.requireNonNull(signatures, "signatures"));
    }

    /**
     * Verifies a {@code #commit}.
     *
     * @param event the decoded event
     * @param key the repository's current {@code #atproto} key
     * @return the verified commit
     * @throws VerificationException if any check fails; {@link VerificationException#reason()} says which
     * @throws MalformedEventException if the commit block or an MST node is malformed
     */
    public VerifiedCommit verify(FirehoseEvent.Commit event, DidKey key) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(key, "key");
        if (event.tooBig()) {
            throw new VerificationException(VerificationException.Reason.PROOF_INCOMPLETE, "commit " + event.rev()
                    + " of " + event.repo() + " is marked tooBig: its blocks are incomplete, resync the repository");
        }
        SignedCommit commit = checkedCommit(event.blocks(), event.commit(), event.repo().value(), event.rev(), key);
        Map<Cid, byte[]> blocks = event.blocks().blocksUnsafe();
        for (RepoOp op : event.ops()) {
            if (op.cid().isPresent() && !blocks.containsKey(op.cid().get())) {
                throw new VerificationException(VerificationException.Reason.PROOF_INCOMPLETE, "the blocks lack the"
                        + " record " + op.cid().get() + " of the " + op.action().wire() + " of " + op.path());
            }
        }
        boolean inverted = false;
        if (event.prevData().isPresent()) {
            Cid before = Mst.invert(commit.data(), event.ops(), cid -> Optional.ofNullable(blocks.get(cid)));
            if (!before.equals(event.prevData().get())) {
                throw new VerificationException(VerificationException.Reason.PREV_DATA_MISMATCH, "inverting the "
                        + event.ops().size() + " ops of " + event.repo() + " rev " + event.rev() + " gives "
                        + before + ", but prevData is " + event.prevData().get());
            }
            inverted = true;
        }
        return new VerifiedCommit(event, commit, inverted);
    }

    /**
     * Verifies a {@code #sync}: its slice holds the signed commit, which names the event's repository and rev and
     * verifies with the key.
     *
     * @param event the decoded event
     * @param key the repository's current {@code #atproto} key
     * @return the signed commit; its {@link SignedCommit#data()} is the repository's current MST root
     * @throws VerificationException if any check fails
     * @throws MalformedEventException if the commit block is malformed
     */
    public SignedCommit verify(FirehoseEvent.Sync event, DidKey key) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(key, "key");
        if (event.blocks().roots().size() != 1) {
            throw new VerificationException(VerificationException.Reason.COMMIT_MISMATCH, "#sync of " + event.did()
                    + ": expected one root (the commit) in its blocks, found " + event.blocks().roots().size());
        }
        return checkedCommit(event.blocks(), event.blocks().roots().get(0), event.did().value(), event.rev(), key);
    }

    private SignedCommit checkedCommit(Car blocks, Cid commitCid, String repo, String rev, DidKey key) {
        byte[] block = blocks.blocksUnsafe().get(commitCid);
        if (block == null) {
            throw new VerificationException(VerificationException.Reason.PROOF_INCOMPLETE,
                    "the blocks lack the commit " + commitCid + " of " + repo);
        }
        SignedCommit commit = SignedCommit.decode(block);
        if (!commit.did().value().equals(repo) || !commit.rev().equals(rev)) {
            throw new VerificationException(VerificationException.Reason.COMMIT_MISMATCH, "the event names " + repo
                    + " rev " + rev + " but its commit names " + commit.did() + " rev " + commit.rev());
        }
        if (!signatures.supports(key.curve())) {
            throw new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY, "the signature verifier "
                    + signatures + " does not support " + key.curve() + " keys (" + repo + ")");
        }
        if (!commit.verifySignature(key, signatures)) {
            throw new VerificationException(VerificationException.Reason.BAD_SIGNATURE, "the signature of commit "
                    + commit.cid() + " (" + repo + " rev " + rev + ") does not verify with " + key);
        }
        return commit;
    }

    /**
     * A {@code #commit} that passed {@link CommitVerifier#verify(FirehoseEvent.Commit, DidKey)}. Immutable and
     * thread-safe.
     *
     * @param event the event
     * @param commit its signed commit
     * @param inverted whether the ops were inverted and led to the event's {@code prevData} (false when the event
     *     had no {@code prevData})
     */
    public record VerifiedCommit(FirehoseEvent.Commit event, SignedCommit commit, boolean inverted) {
        /** Validates non-null fields. */
        public VerifiedCommit {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(commit, "commit");
        }

        /**
         * Returns the value of a record the commit created or updated.
         *
         * @param op one of the event's create or update ops
         * @return the record value (a data-model map), or empty for a delete
         * @throws MalformedEventException if the record block is not a canonical DAG-CBOR map
         */
        public Optional<Map<String, Object>> record(RepoOp op) {
            if (op.cid().isEmpty()) {
                return Optional.empty();
            }
            byte[] block = event.blocks().blocksUnsafe().get(op.cid().get());
            Object value;
            try {
                value = DagCbor.decode(block);
            } catch (IllegalArgumentException e) {
                throw new MalformedEventException("record " + op.path() + " is not canonical DAG-CBOR: "
                        + e.getMessage(), e);
            }
            if (!(value instanceof Map<?, ?>)) {
                throw new MalformedEventException("record " + op.path() + ": expected a map, found " + Car.describe(value));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) value;
            return Optional.of(map);
        }
    }
}
