package computer.aesthetic.moodsync.sync;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * NIST P-256 signing and verification on the JDK's own EC provider, without dependencies: what in-memory
 * fakes and tests need. (The JDK has no secp256k1; production consumers verify with
 * {@code mood-sync-atproto}'s {@code BouncyCastleSignatureVerifier}.)
 *
 * <p>Signatures are compact 64-byte {@code r || s}, low-S normalized when signing and required when verifying.
 * Thread-safe.
 */
public final class JdkP256 {

    private static final ECParameterSpec PARAMS;
    private static final BigInteger P;
    private static final BigInteger A;
    private static final BigInteger B;
    private static final BigInteger N;
    private static final BigInteger HALF_N;

    static {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            PARAMS = params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks secp256r1", e);
        }
        P = ((ECFieldFp) PARAMS.getCurve().getField()).getP();
        A = PARAMS.getCurve().getA();
        B = PARAMS.getCurve().getB();
        N = PARAMS.getOrder();
        HALF_N = N.shiftRight(1);
    }

    private static final SignatureVerifier VERIFIER = new SignatureVerifier() {
        @Override
        public boolean supports(DidKey.Curve curve) {
            return curve == DidKey.Curve.P256;
        }

        @Override
        public boolean verify(DidKey key, byte[] message, byte[] signature) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(signature, "signature");
            if (key.curve() != DidKey.Curve.P256) {
                throw new IllegalArgumentException("JdkP256 verifies P-256 keys only, found " + key.curve());
            }
            if (!isLowS(signature)) {
                return false;
            }
            PublicKey publicKey = decompress(key.compressedPoint());
            if (publicKey == null) {
                return false;
            }
            try {
                Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
                s.initVerify(publicKey);
                s.update(message);
                return s.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return "JdkP256.verifier()";
        }
    };

    private JdkP256() {
    }

    /**
     * Returns the P-256 verifier.
     *
     * @return a thread-safe verifier that {@linkplain SignatureVerifier#supports supports} P-256 only
     */
    public static SignatureVerifier verifier() {
        return VERIFIER;
    }

    /**
     * Tells whether a signature is 64 bytes with {@code 0 < r < n} and {@code 0 < s <= n/2}.
     *
     * @param signature the compact signature
     * @return whether it has the form ATProto accepts on P-256
     */
    static boolean isLowS(byte[] signature) {
        if (signature.length != 64) {
            return false;
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        return r.signum() > 0 && r.compareTo(N) < 0 && s.signum() > 0 && s.compareTo(HALF_N) <= 0;
    }

    /**
     * Generates a fresh key pair.
     *
     * @return a signer holding the new private key
     */
    public static CommitSigner generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return new Signer(g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate a P-256 key", e);
        }
    }

    private static final class Signer implements CommitSigner {
        private final PrivateKey privateKey;
        private final DidKey publicKey;

        Signer(KeyPair pair) {
            this.privateKey = pair.getPrivate();
            ECPoint w = ((ECPublicKey) pair.getPublic()).getW();
            byte[] compressed = new byte[33];
            compressed[0] = (byte) (w.getAffineY().testBit(0) ? 3 : 2);
            byte[] x = unsigned32(w.getAffineX());
            System.arraycopy(x, 0, compressed, 1, 32);
            this.publicKey = DidKey.of(DidKey.Curve.P256, compressed);
        }

        @Override
        public DidKey publicKey() {
            return publicKey;
        }

        @Override
        public byte[] sign(byte[] message) {
            Objects.requireNonNull(message, "message");
            try {
                Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
                s.initSign(privateKey);
                s.update(message);
                byte[] sig = s.sign();
                BigInteger sv = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
                if (sv.compareTo(HALF_N) > 0) {
                    System.arraycopy(unsigned32(N.subtract(sv)), 0, sig, 32, 32);
                }
                return sig;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK cannot sign with P-256", e);
            }
        }

        @Override
        public String toString() {
            return "JdkP256.Signer[" + publicKey + "]";
        }
    }

    private static byte[] unsigned32(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }

    /** Recovers the public key of a compressed point, or null if x is not on the curve. */
    private static PublicKey decompress(byte[] compressed) {
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(compressed, 1, 33));
        if (x.compareTo(P) >= 0) {
            return null;
        }
        BigInteger rhs = x.pow(3).add(A.multiply(x)).add(B).mod(P);
        // p = 3 mod 4, so a square root is rhs^((p+1)/4)
        BigInteger y = rhs.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
        if (!y.multiply(y).mod(P).equals(rhs)) {
            return null;
        }
        if (y.testBit(0) != (compressed[0] == 3)) {
            y = P.subtract(y);
        }
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), PARAMS));
        } catch (GeneralSecurityException e) {
            return null;
        }
    }
}
