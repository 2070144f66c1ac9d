package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.syntax.Did;

/**
 * Checks that a {@code #commit} is signed by the repository's key. The {@link Follower} itself checks everything
 * else (the commit block, the chain of revisions and {@code prevData}, the inversion of the operations); this
 * interface is the signature, which needs the DID document. Implementations must be thread-safe.
 */
public interface CommitAuthenticator {
    /**
     * Verifies the commit's signature.
     *
     * @param commit the event
     * @throws computer.aesthetic.moodsync.sync.VerificationException if the signature is not the repository's
     */
    void authenticate(FirehoseEvent.Commit commit);

    /**
     * Forgets any cached DID document or key of a repository ({@code #identity}, or a failed signature).
     *
     * @param did the repository
     */
    default void refresh(Did did) {
    }
}
