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

    /**
     * Authenticates with the core {@link computer.aesthetic.moodsync.sync.CommitVerifier} (signature, and its own
     * proof and inversion checks) and a source of repository keys.
     *
     * @param verifier the verifier (k256 and p256 through {@code mood-sync-atproto}'s BouncyCastle verifier; p256
     *     alone through {@link computer.aesthetic.moodsync.sync.JdkP256})
     * @param keys the {@code #atproto} key of a repository, from its DID document
     * @return the authenticator
     */
    static CommitAuthenticator of(computer.aesthetic.moodsync.sync.CommitVerifier verifier,
            java.util.function.Function<Did, computer.aesthetic.moodsync.sync.DidKey> keys) {
        java.util.Objects.requireNonNull(verifier, "verifier");
        java.util.Objects.requireNonNull(keys, "keys");
        return commit -> verifier.verify(commit, keys.apply(commit.repo()));
    }
}
