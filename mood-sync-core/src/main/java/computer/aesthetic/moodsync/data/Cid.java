package computer.aesthetic.moodsync.data;

import computer.aesthetic.moodsync.sync.internal.Base58;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A content identifier (CID): the hash-based link ATProto uses for records and blobs.
 *
 * <p>A CID is held as its binary form: for CIDv1 the unsigned-varint version ({@code 1}), the
 * varint multicodec of the content ({@link #DAG_CBOR} for records, {@link #RAW} for blobs) and a
 * multihash (varint hash function, varint digest length, digest). A CIDv0 is a bare sha2-256
 * multihash ({@code 0x12 0x20} and 32 bytes) and always means DAG-PB content. Any well-formed CID
 * is accepted; ATProto itself only creates CIDv1 with sha2-256 and the {@code dag-cbor} or
 * {@code raw} codec.
 *
 * <p>The string form is the multibase base32 lower-case encoding used across ATProto
 * ({@code bafyrei...}); CIDv0 keeps its conventional base58btc form ({@code Qm...}).
 *
 * <p>Equality, hash code and ordering are by the binary form. Instances are immutable and
 * thread-safe.
 */
public final class Cid implements Comparable<Cid> {

    /** Multicodec of DAG-CBOR content ({@code 0x71}): ATProto records and commits. */
    public static final long DAG_CBOR = 0x71;
    /** Multicodec of raw bytes ({@code 0x55}): ATProto blobs. */
    public static final long RAW = 0x55;
    /** Multicodec of DAG-PB content ({@code 0x70}), implied by every CIDv0. */
    public static final long DAG_PB = 0x70;
    /** Multihash code of sha2-256 ({@code 0x12}). */
    public static final long SHA2_256 = 0x12;

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final byte[] BASE32_VALUES = new byte[128];
    /** CID strings longer than this are refused before decoding (real CIDs are under 100). */
    private static final int MAX_STRING_LENGTH = 1024;

    static {
        Arrays.fill(BASE32_VALUES, (byte) -1);
        for (int i = 0; i < BASE32.length; i++) {
            BASE32_VALUES[BASE32[i]] = (byte) i;
        }
    }

    private final byte[] bytes;
    private final int version;
    private final long codec;
    private final int hash;
    // Lazily computed; String is immutable so a racy single-check is safe.
    private String string;

    private Cid(byte[] bytes, int version, long codec, int hash) {
        this.bytes = bytes;
        this.version = version;
        this.codec = codec;
        this.hash = hash;
    }

    /**
     * Parses the string form of a CID.
     *
     * <p>Accepts CIDv1 in multibase base32 lower case ({@code b} prefix, RFC 4648 alphabet, no
     * padding), the form ATProto uses everywhere; CIDv1 in multibase base58btc ({@code z} prefix);
     * and CIDv0 in base58btc ({@code Qm...}, 46 characters). Other multibase encodings, whitespace
     * and URI forms such as {@code cid:...} are rejected. The ATProto syntax rules for CID strings
     * are stricter (no CIDv0); this method is the lenient reader of the data model.
     *
     * @param cid the string form, for example {@code bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm}
     * @return the parsed CID
     * @throws IllegalArgumentException if the string is not a well-formed CID in a supported encoding
     * @throws NullPointerException if {@code cid} is null
     */
    public static Cid parse(String cid) {
        Objects.requireNonNull(cid, "cid");
        if (cid.isEmpty()) {
            throw new IllegalArgumentException("Invalid CID: expected a multibase string, found an empty string");
        }
        if (cid.length() > MAX_STRING_LENGTH) {
            throw new IllegalArgumentException(
                    "Invalid CID: expected at most " + MAX_STRING_LENGTH + " characters, found " + cid.length());
        }
        char prefix = cid.charAt(0);
        if (prefix == 'b') {
            byte[] decoded = decodeBase32(cid);
            if (decoded.length > 0 && decoded[0] == SHA2_256) {
                throw invalid(cid, "a CIDv0 must not be multibase encoded");
            }
            Cid parsed = ofBytesOrNull(decoded);
            if (parsed == null) {
                throw invalid(cid, "malformed CID bytes");
            }
            parsed.string = cid;
            return parsed;
        }
        if (prefix == 'z') {
            Cid parsed = ofBytesOrNull(decodeBase58(cid, 1));
            if (parsed == null || parsed.version != 1) {
                throw invalid(cid, "malformed CIDv1 in base58btc");
            }
            return parsed; // toString() gives the canonical base32 form
        }
        if (cid.length() == 46 && cid.startsWith("Qm")) {
            Cid parsed = ofBytesOrNull(decodeBase58(cid, 0));
            if (parsed == null || parsed.version != 0) {
                throw invalid(cid, "malformed CIDv0");
            }
            parsed.string = cid;
            return parsed;
        }
        throw invalid(cid, "expected base32 lower-case multibase (prefix 'b'), base58btc (prefix 'z') or a CIDv0"
                + " ('Qm...'), found prefix '"
                + prefix + "'");
    }

    /**
     * Parses the string form of a CID, returning empty instead of throwing for malformed input.
     *
     * @param cid the string form; may be null, which gives empty
     * @return the parsed CID, or empty if {@code cid} is null or not a CID {@link #parse} accepts
     */
    public static Optional<Cid> tryParse(String cid) {
        if (cid == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(cid));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Creates a CID from its binary form (without a multibase prefix), as found in DAG-CBOR links
     * after the leading {@code 0x00} byte and in CAR files.
     *
     * @param cidBytes the binary CID; copied
     * @return the CID
     * @throws IllegalArgumentException if the bytes are not exactly one well-formed CID
     * @throws NullPointerException if {@code cidBytes} is null
     */
    public static Cid ofBytes(byte[] cidBytes) {
        Objects.requireNonNull(cidBytes, "cidBytes");
        Cid cid = ofBytesOrNull(cidBytes.clone());
        if (cid == null) {
            throw new IllegalArgumentException("Invalid CID: malformed CID bytes (" + cidBytes.length + " bytes)");
        }
        return cid;
    }

    /**
     * Computes the CID of a DAG-CBOR block: CIDv1, codec {@link #DAG_CBOR}, sha2-256 multihash.
     *
     * <p>The block is hashed as given; it is not checked to be canonical DAG-CBOR.
     *
     * @param block the encoded block, for example from {@link DagCbor#encode(Object)}
     * @return the CID of the block
     * @throws NullPointerException if {@code block} is null
     */
    public static Cid forDagCbor(byte[] block) {
        Objects.requireNonNull(block, "block");
        return v1Sha256(DAG_CBOR, block);
    }

    /**
     * Computes the CID of a blob: CIDv1, codec {@link #RAW}, sha2-256 multihash.
     *
     * @param blob the blob content
     * @return the CID of the blob
     * @throws NullPointerException if {@code blob} is null
     */
    public static Cid forRaw(byte[] blob) {
        Objects.requireNonNull(blob, "blob");
        return v1Sha256(RAW, blob);
    }

    private static Cid v1Sha256(long codec, byte[] content) {
        byte[] digest = sha256(content);
        // version 1, codec (one byte for 0x55/0x71), sha2-256, length 32, digest
        byte[] out = new byte[4 + digest.length];
        out[0] = 1;
        out[1] = (byte) codec;
        out[2] = (byte) SHA2_256;
        out[3] = (byte) digest.length;
        System.arraycopy(digest, 0, out, 4, digest.length);
        return new Cid(out, 1, codec, Arrays.hashCode(out));
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /**
     * Returns the binary form of this CID (without a multibase prefix).
     *
     * @return a fresh copy of the bytes
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Returns the binary form without copying; callers must not modify it. */
    byte[] bytesUnsafe() {
        return bytes;
    }

    /**
     * Returns the CID version.
     *
     * @return {@code 0} or {@code 1}
     */
    public int version() {
        return version;
    }

    /**
     * Returns the multicodec of the linked content.
     *
     * @return for example {@link #DAG_CBOR} ({@code 0x71}) or {@link #RAW} ({@code 0x55});
     *     {@link #DAG_PB} for CIDv0
     */
    public long codec() {
        return codec;
    }

    /**
     * Compares the binary forms, unsigned byte by byte, shorter first on a common prefix.
     *
     * @param other the CID to compare with
     * @return a negative number, zero or a positive number
     * @throws NullPointerException if {@code other} is null
     */
    @Override
    public int compareTo(Cid other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /**
     * Compares by binary form.
     *
     * @param o any object; may be null
     * @return whether {@code o} is a CID with the same bytes
     */
    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof Cid other && hash == other.hash && Arrays.equals(bytes, other.bytes));
    }

    /**
     * Returns a hash code of the binary form.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return hash;
    }

    /**
     * Returns the string form: multibase base32 lower case ({@code bafyrei...}) for CIDv1, base58btc
     * ({@code Qm...}) for CIDv0. {@link #parse} accepts it.
     *
     * @return the string form
     */
    @Override
    public String toString() {
        String s = string;
        if (s == null) {
            s = version == 0 ? encodeBase58(bytes) : "b" + encodeBase32(bytes);
            string = s;
        }
        return s;
    }

    // ---- binary structure --------------------------------------------------------------------

    /** Validates and wraps (without copying) a binary CID, or returns null if malformed. */
    static Cid ofBytesOrNull(byte[] b) {
        if (b.length == 34 && b[0] == SHA2_256 && b[1] == 32) {
            return new Cid(b, 0, DAG_PB, Arrays.hashCode(b));
        }
        long[] pos = {0};
        long version = readVarint(b, pos);
        if (version != 1) {
            return null;
        }
        long codec = readVarint(b, pos);
        if (codec < 0) {
            return null;
        }
        long hashCode = readVarint(b, pos);
        if (hashCode < 0) {
            return null;
        }
        long digestLength = readVarint(b, pos);
        if (digestLength < 0 || pos[0] + digestLength != b.length) {
            return null;
        }
        return new Cid(b, 1, codec, Arrays.hashCode(b));
    }

    /**
     * Reads a minimally encoded unsigned varint (at most 9 bytes, 63 bits) at {@code pos[0]},
     * advancing it; returns -1 if malformed or truncated.
     */
    private static long readVarint(byte[] b, long[] pos) {
        int p = (int) pos[0];
        long value = 0;
        for (int i = 0; i < 9; i++) {
            if (p >= b.length) {
                return -1;
            }
            int x = b[p++] & 0xff;
            value |= (long) (x & 0x7f) << (7 * i);
            if ((x & 0x80) == 0) {
                if (x == 0 && i > 0) {
                    return -1; // not minimal
                }
                pos[0] = p;
                return value;
            }
        }
        return -1;
    }

    // ---- multibase ---------------------------------------------------------------------------

    private static IllegalArgumentException invalid(String cid, String reason) {
        String shown = cid.length() > 80 ? cid.substring(0, 80) + "..." : cid;
        return new IllegalArgumentException("Invalid CID \"" + shown + "\": " + reason);
    }

    private static String encodeBase32(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte d : data) {
            buffer = (buffer << 8) | (d & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return sb.toString();
    }

    /** Decodes the base32 text after the multibase prefix at index 0. */
    private static byte[] decodeBase32(String s) {
        int n = s.length() - 1;
        int rem = n % 8;
        if (rem == 1 || rem == 3 || rem == 6) {
            throw invalid(s, "base32 text of impossible length " + n);
        }
        byte[] out = new byte[n * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int o = 0;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            int v = c < 128 ? BASE32_VALUES[c] : -1;
            if (v < 0) {
                throw invalid(s, "character '" + c + "' at index " + i + " is not in the base32 lower-case alphabet");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[o++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw invalid(s, "non-zero padding bits in base32 text");
        }
        return out;
    }

    private static String encodeBase58(byte[] data) {
        return Base58.encode(data);
    }

    /** Decodes the base58btc text of {@code s} from index {@code from}. */
    private static byte[] decodeBase58(String s, int from) {
        try {
            return Base58.decode(s, from);
        } catch (IllegalArgumentException e) {
            throw invalid(s, e.getMessage());
        }
    }
}
