package computer.aesthetic.moodsync.sync;

/**
 * Verifies ATProto signatures: ECDSA over SHA-256 of the message, as compact 64-byte {@code r || s}, with
 * {@code s} in the lower half of the curve order (a high-S signature is invalid in ATProto, though ECDSA
 * would accept it). A DER-encoded signature is invalid too.
 *
 * <p>Core ships {@link JdkP256#verifier()} (P-256 only, on the JDK's own EC). {@code mood-sync-atproto} ships
 * {@code BouncyCastleSignatureVerifier} for k256 and p256, which a consumer of a real PDS needs (k256 is the
 * reference PDS's default). Implementations must be thread-safe.
 */
public interface SignatureVerifier {

    /**
     * Tells whether this verifier handles keys of a curve.
     *
     * @param curve the curve
     * @return whether {@link #verify} can check signatures of such keys
     */
    boolean supports(DidKey.Curve curve);

    /**
     * Verifies a signature.
     *
     * @param key the signer's public key
     * @param message the signed bytes (hashed with SHA-256 by the verifier)
     * @param signature the signature
     * @return true only for a valid compact low-S signature of {@code message} by {@code key}; false for a wrong
     *     key or message, a high-S signature, a signature not of 64 bytes, or a point not on the curve
     * @throws IllegalArgumentException if the key's curve is not {@linkplain #supports supported}
     */
    boolean verify(DidKey key, byte[] message, byte[] signature);
}
