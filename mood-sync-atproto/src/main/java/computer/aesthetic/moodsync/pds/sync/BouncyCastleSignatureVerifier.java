package computer.aesthetic.moodsync.pds.sync;

import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.SignatureVerifier;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Verifies ATProto signatures on secp256k1 (k256, the reference PDS's default) and NIST P-256 (p256) with
 * BouncyCastle's lightweight API (no JCA provider is registered): ECDSA over SHA-256, compact 64-byte
 * {@code r || s}, low-S required (a high-S or DER-encoded signature is invalid).
 *
 * <p>Stateless and thread-safe; share one instance.
 */
public final class BouncyCastleSignatureVerifier implements SignatureVerifier {

    private static final BouncyCastleSignatureVerifier INSTANCE = new BouncyCastleSignatureVerifier();
    private static final ECDomainParameters K256 = domain("secp256k1");
    private static final ECDomainParameters P256 = domain("secp256r1");

    private BouncyCastleSignatureVerifier() {
    }

    /**
     * Returns the verifier.
     *
     * @return the shared instance
     */
    public static BouncyCastleSignatureVerifier create() {
        return INSTANCE;
    }

    private static ECDomainParameters domain(String name) {
        X9ECParameters p = CustomNamedCurves.getByName(name);
        return new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
    }

    /**
     * Returns true for both curves ATProto uses.
     *
     * @param curve the curve
     * @return true for {@link DidKey.Curve#K256} and {@link DidKey.Curve#P256}
     */
    @Override
    public boolean supports(DidKey.Curve curve) {
        return curve == DidKey.Curve.K256 || curve == DidKey.Curve.P256;
    }

    /** {@inheritDoc} */
    @Override
    public boolean verify(DidKey key, byte[] message, byte[] signature) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(signature, "signature");
        ECDomainParameters domain = key.curve() == DidKey.Curve.K256 ? K256 : P256;
        if (signature.length != 64) {
            return false;
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        BigInteger n = domain.getN();
        if (r.signum() == 0 || r.compareTo(n) >= 0 || s.signum() == 0 || s.compareTo(n.shiftRight(1)) > 0) {
            return false;
        }
        ECPoint point;
        try {
            point = domain.getCurve().decodePoint(key.compressedPoint());
        } catch (IllegalArgumentException e) {
            return false;
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(point, domain));
        return verifier.verifySignature(sha256(message), r, s);
    }

    private static byte[] sha256(byte[] message) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /**
     * Names the verifier.
     *
     * @return {@code BouncyCastleSignatureVerifier[k256, p256]}
     */
    @Override
    public String toString() {
        return "BouncyCastleSignatureVerifier[k256, p256]";
    }
}
