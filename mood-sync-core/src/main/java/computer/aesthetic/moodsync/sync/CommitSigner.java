package computer.aesthetic.moodsync.sync;

/**
 * Signs repository commits: the signing side of {@link SignatureVerifier}, used by in-memory PDS fakes to
 * produce commits a real consumer accepts. {@link JdkP256#generate()} is an implementation on the JDK's own EC.
 * Implementations must be thread-safe and never expose the private key (not in {@code toString()} either).
 */
public interface CommitSigner {

    /**
     * Returns the public key that verifies this signer's signatures.
     *
     * @return the key
     */
    DidKey publicKey();

    /**
     * Signs a message.
     *
     * @param message the bytes to sign (hashed with SHA-256)
     * @return the compact 64-byte low-S signature {@code r || s}
     */
    byte[] sign(byte[] message);
}
