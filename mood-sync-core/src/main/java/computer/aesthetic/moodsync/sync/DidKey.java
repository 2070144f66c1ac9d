package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.sync.internal.Base58;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A public signing key in the {@code did:key} form ATProto uses for a repository's {@code #atproto}
 * verification method: {@code did:key:z} + base58btc(multicodec prefix + 33-byte compressed point). The
 * prefixes are {@code 0xE7 0x01} for secp256k1 ({@link Curve#K256}) and {@code 0x80 0x24} for NIST P-256
 * ({@link Curve#P256}).
 *
 * <p>Immutable and thread-safe; equality by curve and key bytes.
 */
public final class DidKey {

    /** The {@code did:key:} prefix. */
    public static final String PREFIX = "did:key:";

    /** The curves ATProto signs with. */
    public enum Curve {
        /** secp256k1 (JWT {@code ES256K}), the default of the reference PDS. */
        K256(new byte[] {(byte) 0xE7, 0x01}, "ES256K"),
        /** NIST P-256 (JWT {@code ES256}). */
        P256(new byte[] {(byte) 0x80, 0x24}, "ES256");

        private final byte[] multicodec;
        private final String jwtAlg;

        Curve(byte[] multicodec, String jwtAlg) {
            this.multicodec = multicodec;
            this.jwtAlg = jwtAlg;
        }

        /**
         * Returns the JWT algorithm name.
         *
         * @return {@code ES256K} or {@code ES256}
         */
        public String jwtAlg() {
            return jwtAlg;
        }
    }

    private final Curve curve;
    private final byte[] compressed;

    private DidKey(Curve curve, byte[] compressed) {
        this.curve = curve;
        this.compressed = compressed;
    }

    /**
     * Creates a key from its compressed point.
     *
     * @param curve the curve
     * @param compressedPoint 33 bytes, {@code 0x02} or {@code 0x03} then the x coordinate; copied
     * @return the key
     * @throws IllegalArgumentException if the point is not 33 bytes with a compressed-point prefix
     */
    public static DidKey of(Curve curve, byte[] compressedPoint) {
        Objects.requireNonNull(curve, "curve");
        Objects.requireNonNull(compressedPoint, "compressedPoint");
        if (compressedPoint.length != 33 || (compressedPoint[0] != 2 && compressedPoint[0] != 3)) {
            throw new IllegalArgumentException("expected a 33-byte compressed " + curve + " point (prefix 0x02 or"
                    + " 0x03), found " + compressedPoint.length + " bytes");
        }
        return new DidKey(curve, compressedPoint.clone());
    }

    /**
     * Parses a {@code did:key}.
     *
     * @param didKey for example {@code did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc}
     * @return the key
     * @throws IllegalArgumentException if it is not a did:key of a k256 or p256 compressed point
     */
    public static DidKey parse(String didKey) {
        Objects.requireNonNull(didKey, "didKey");
        if (!didKey.startsWith(PREFIX)) {
            throw new IllegalArgumentException("expected a string starting with did:key:, found \"" + shorten(didKey) + "\"");
        }
        return parseMultikey(didKey.substring(PREFIX.length()));
    }

    /**
     * Parses a {@code did:key}, returning empty instead of throwing.
     *
     * @param didKey the candidate; may be null
     * @return the key, or empty if {@link #parse} would throw
     */
    public static Optional<DidKey> tryParse(String didKey) {
        try {
            return didKey == null ? Optional.empty() : Optional.of(parse(didKey));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses the {@code publicKeyMultibase} of a {@code Multikey} verification method (a DID document's
     * {@code #atproto} key): {@code z} + base58btc(multicodec prefix + compressed point).
     *
     * @param multibase the multibase text
     * @return the key
     * @throws IllegalArgumentException if it is not a base58btc multikey of a k256 or p256 compressed point
     */
    public static DidKey parseMultikey(String multibase) {
        Objects.requireNonNull(multibase, "multibase");
        if (multibase.length() < 2 || multibase.length() > 200 || multibase.charAt(0) != 'z') {
            throw new IllegalArgumentException("expected base58btc multibase text (prefix 'z'), found \""
                    + shorten(multibase) + "\"");
        }
        byte[] bytes = Base58.decode(multibase, 1);
        for (Curve c : Curve.values()) {
            if (bytes.length == 35 && bytes[0] == c.multicodec[0] && bytes[1] == c.multicodec[1]) {
                return of(c, Arrays.copyOfRange(bytes, 2, 35));
            }
        }
        throw new IllegalArgumentException("expected the multicodec prefix of a k256 (0xE7 0x01) or p256 (0x80 0x24)"
                + " compressed key in 35 bytes, found " + bytes.length + " bytes"
                + (bytes.length >= 2 ? String.format(" starting 0x%02X 0x%02X", bytes[0], bytes[1]) : ""));
    }

    /**
     * Reads the key of a DID document's verification method, in the current form ({@code type: "Multikey"},
     * see {@link #parseMultikey}) or the legacy one ({@code EcdsaSecp256k1VerificationKey2019} /
     * {@code EcdsaSecp256r1VerificationKey2019}, whose {@code publicKeyMultibase} is the bare point, compressed or
     * uncompressed, without a multicodec prefix), as the reference PLC directory still serves it.
     *
     * @param type the verification method's {@code type}
     * @param publicKeyMultibase its {@code publicKeyMultibase}
     * @return the key
     * @throws IllegalArgumentException for another type or a malformed key
     */
    public static DidKey fromVerificationMethod(String type, String publicKeyMultibase) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(publicKeyMultibase, "publicKeyMultibase");
        Curve curve;
        switch (type) {
            case "Multikey" -> {
                return parseMultikey(publicKeyMultibase);
            }
            case "EcdsaSecp256k1VerificationKey2019" -> curve = Curve.K256;
            case "EcdsaSecp256r1VerificationKey2019" -> curve = Curve.P256;
            default -> throw new IllegalArgumentException("expected a Multikey or Ecdsa*VerificationKey2019 method,"
                    + " found type \"" + shorten(type) + "\"");
        }
        if (publicKeyMultibase.length() < 2 || publicKeyMultibase.length() > 200 || publicKeyMultibase.charAt(0) != 'z') {
            throw new IllegalArgumentException("expected base58btc multibase text (prefix 'z'), found \""
                    + shorten(publicKeyMultibase) + "\"");
        }
        byte[] point = Base58.decode(publicKeyMultibase, 1);
        if (point.length == 65 && point[0] == 4) {
            byte[] compressed = new byte[33];
            compressed[0] = (byte) ((point[64] & 1) == 1 ? 3 : 2);
            System.arraycopy(point, 1, compressed, 1, 32);
            return of(curve, compressed);
        }
        return of(curve, point);
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /**
     * Returns the curve.
     *
     * @return the curve
     */
    public Curve curve() {
        return curve;
    }

    /**
     * Returns the compressed point.
     *
     * @return a copy of the 33 bytes
     */
    public byte[] compressedPoint() {
        return compressed.clone();
    }

    /**
     * Returns the multikey text, as in a DID document's {@code publicKeyMultibase}.
     *
     * @return {@code z} + base58btc(multicodec prefix + compressed point)
     */
    public String multikey() {
        byte[] bytes = new byte[35];
        bytes[0] = curve.multicodec[0];
        bytes[1] = curve.multicodec[1];
        System.arraycopy(compressed, 0, bytes, 2, 33);
        return "z" + Base58.encode(bytes);
    }

    /**
     * Compares curve and key bytes.
     *
     * @param o any object
     * @return whether {@code o} is the same key
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof DidKey k && k.curve == curve && Arrays.equals(k.compressed, compressed);
    }

    /**
     * Returns a hash of curve and key bytes.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return 31 * curve.hashCode() + Arrays.hashCode(compressed);
    }

    /**
     * Returns the did:key form, which {@link #parse} accepts.
     *
     * @return {@code did:key:z...}
     */
    @Override
    public String toString() {
        return PREFIX + multikey();
    }
}
