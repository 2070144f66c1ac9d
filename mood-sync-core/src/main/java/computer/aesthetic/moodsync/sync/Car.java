package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.sync.internal.Varint;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A CAR v1 archive held in memory: the root CIDs and the blocks, each verified against its CID.
 *
 * <p>The format: {@code varint(header length)}, a DAG-CBOR header {@code {version: 1, roots: [cid...]}}, then
 * sections of {@code varint(length)}, the binary CID and the block bytes. {@link #read} accepts blocks in any
 * order and repeated (a repeat must be identical, which its hash guarantees); it hashes the raw block bytes
 * with SHA-256 and compares them with the CID's digest, never re-encoding. Only sha2-256 CIDs are accepted
 * (the only hash ATProto uses). Sizes are bounded: at most {@code maxBlocks} distinct blocks of at most
 * {@code maxBlockBytes} each.
 *
 * <p>Instances are immutable and thread-safe; block bytes are copied on the way out.
 */
public final class Car {

    /** Default bound on the number of distinct blocks: generous for an event slice (a commit touches at most 200 records). */
    public static final int DEFAULT_MAX_BLOCKS = 10_000;
    /** Default bound on one block: 2 MiB, twice the largest record a PDS accepts. */
    public static final int DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final List<Cid> roots;
    private final Map<Cid, byte[]> blocks;

    private Car(List<Cid> roots, Map<Cid, byte[]> blocks) {
        this.roots = roots;
        this.blocks = blocks;
    }

    /**
     * Reads a CAR v1 archive with the default bounds.
     *
     * @param car the whole archive
     * @return the archive, every block verified against its CID
     * @throws MalformedEventException on any malformation: truncation, a bad header, a CID that does not parse,
     *     a hash other than sha2-256, a block that does not match its CID, or a bound exceeded
     * @throws NullPointerException if {@code car} is null
     */
    public static Car read(byte[] car) {
        return read(car, DEFAULT_MAX_BLOCKS, DEFAULT_MAX_BLOCK_BYTES);
    }

    /**
     * Reads a CAR v1 archive.
     *
     * @param car the whole archive
     * @param maxBlocks the most distinct blocks accepted
     * @param maxBlockBytes the largest block accepted, in bytes
     * @return the archive, every block verified against its CID
     * @throws MalformedEventException on any malformation, as for {@link #read(byte[])}
     * @throws IllegalArgumentException if a bound is not positive
     */
    public static Car read(byte[] car, int maxBlocks, int maxBlockBytes) {
        Objects.requireNonNull(car, "car");
        if (maxBlocks <= 0 || maxBlockBytes <= 0) {
            throw new IllegalArgumentException("maxBlocks and maxBlockBytes must be positive");
        }
        int[] pos = {0};
        long headerLength = Varint.read(car, pos, car.length);
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > car.length - pos[0]) {
            throw new MalformedEventException("CAR: expected a header length varint between 1 and "
                    + Math.min(MAX_HEADER_BYTES, car.length - pos[0]) + ", found "
                    + (headerLength < 0 ? "a malformed varint" : headerLength) + " (archive of " + car.length + " bytes)");
        }
        List<Cid> roots = header(Arrays.copyOfRange(car, pos[0], pos[0] + (int) headerLength));
        pos[0] += (int) headerLength;
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        MessageDigest sha256 = sha256();
        while (pos[0] < car.length) {
            int sectionStart = pos[0];
            long length = Varint.read(car, pos, car.length);
            if (length <= 0 || length > car.length - pos[0]) {
                throw new MalformedEventException("CAR: section at byte offset " + sectionStart
                        + " has a length " + (length < 0 ? "varint that is malformed" : "of " + length)
                        + "; expected between 1 and the " + (car.length - pos[0]) + " bytes remaining");
            }
            int end = pos[0] + (int) length;
            int cidStart = pos[0];
            int cidEnd = cidEnd(car, cidStart, end);
            Cid cid = Cid.ofBytes(Arrays.copyOfRange(car, cidStart, cidEnd));
            int blockLength = end - cidEnd;
            if (blockLength > maxBlockBytes) {
                throw new MalformedEventException("CAR: block " + cid + " has " + blockLength
                        + " bytes, more than the limit of " + maxBlockBytes);
            }
            sha256.update(car, cidEnd, blockLength);
            byte[] digest = sha256.digest();
            byte[] cidBytes = cid.bytes();
            if (!Arrays.equals(digest, 0, 32, cidBytes, cidBytes.length - 32, cidBytes.length)) {
                throw new MalformedEventException("CAR: block at byte offset " + sectionStart
                        + " does not hash to its CID " + cid);
            }
            if (!blocks.containsKey(cid)) {
                if (blocks.size() == maxBlocks) {
                    throw new MalformedEventException("CAR: more than " + maxBlocks + " blocks");
                }
                blocks.put(cid, Arrays.copyOfRange(car, cidEnd, end));
            }
            pos[0] = end;
        }
        return new Car(roots, Collections.unmodifiableMap(blocks));
    }

    private static List<Cid> header(byte[] bytes) {
        Object decoded;
        try {
            decoded = DagCbor.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("CAR: header is not canonical DAG-CBOR: " + e.getMessage(), e);
        }
        if (!(decoded instanceof Map<?, ?> map)) {
            throw new MalformedEventException("CAR: expected a header map {version, roots}, found "
                    + describe(decoded));
        }
        if (!Long.valueOf(1).equals(map.get("version"))) {
            throw new MalformedEventException("CAR: expected header version 1, found " + describe(map.get("version")));
        }
        if (!(map.get("roots") instanceof List<?> list)) {
            throw new MalformedEventException("CAR: expected header roots to be a list of CIDs, found "
                    + describe(map.get("roots")));
        }
        List<Cid> roots = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof Cid cid)) {
                throw new MalformedEventException("CAR: expected header roots to be CIDs, found " + describe(o));
            }
            roots.add(cid);
        }
        return List.copyOf(roots);
    }

    /** Finds the end of the binary CID at {@code from}; only sha2-256 with a 32-byte digest is accepted. */
    private static int cidEnd(byte[] b, int from, int limit) {
        if (limit - from >= 2 && b[from] == 0x12 && b[from + 1] == 0x20) {
            if (limit - from < 34) {
                throw new MalformedEventException("CAR: truncated CIDv0 at byte offset " + from);
            }
            return from + 34;
        }
        int[] pos = {from};
        long version = Varint.read(b, pos, limit);
        long codec = version == 1 ? Varint.read(b, pos, limit) : -1;
        long hash = codec >= 0 ? Varint.read(b, pos, limit) : -1;
        long digestLength = hash >= 0 ? Varint.read(b, pos, limit) : -1;
        if (digestLength < 0) {
            throw new MalformedEventException("CAR: malformed CID at byte offset " + from);
        }
        if (hash != Cid.SHA2_256 || digestLength != 32) {
            throw new MalformedEventException("CAR: expected a sha2-256 CID at byte offset " + from
                    + ", found multihash 0x" + Long.toHexString(hash) + " of " + digestLength + " bytes");
        }
        if (32 > limit - pos[0]) {
            throw new MalformedEventException("CAR: truncated CID at byte offset " + from);
        }
        return pos[0] + 32;
    }

    static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof String s) {
            return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (o instanceof Long || o instanceof Boolean || o instanceof Cid) {
            return o.toString();
        }
        if (o instanceof byte[] b) {
            return "bytes(" + b.length + ")";
        }
        if (o instanceof List<?>) {
            return "a list";
        }
        if (o instanceof Map<?, ?>) {
            return "a map";
        }
        return o.getClass().getSimpleName();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /**
     * Creates an archive from blocks held in memory, checking each against its CID (for event sources that
     * build slices themselves).
     *
     * @param roots the root CIDs
     * @param blocks the blocks by CID, in the order they are to be written; copied
     * @return the archive
     * @throws IllegalArgumentException if a block does not hash to its CID or a CID is not sha2-256
     */
    public static Car of(List<Cid> roots, Map<Cid, byte[]> blocks) {
        Objects.requireNonNull(roots, "roots");
        Objects.requireNonNull(blocks, "blocks");
        Map<Cid, byte[]> copy = new LinkedHashMap<>();
        MessageDigest sha256 = sha256();
        for (Map.Entry<Cid, byte[]> e : blocks.entrySet()) {
            byte[] cidBytes = e.getKey().bytes();
            byte[] digest = sha256.digest(e.getValue());
            if (cidBytes.length < 34 || cidBytes[cidBytes.length - 33] != 32
                    || !Arrays.equals(digest, 0, 32, cidBytes, cidBytes.length - 32, cidBytes.length)) {
                throw new IllegalArgumentException("block does not hash to its sha2-256 CID " + e.getKey());
            }
            copy.put(e.getKey(), e.getValue().clone());
        }
        return new Car(List.copyOf(roots), Collections.unmodifiableMap(copy));
    }

    /**
     * Writes a CAR v1 archive: the header, then the blocks in the iteration order of {@code blocks}. Block
     * bytes are written as given; callers pass bytes whose CID is the map key.
     *
     * @param roots the root CIDs
     * @param blocks the blocks by CID
     * @return the archive
     */
    public static byte[] write(List<Cid> roots, Map<Cid, byte[]> blocks) {
        Objects.requireNonNull(roots, "roots");
        Objects.requireNonNull(blocks, "blocks");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = DagCbor.encode(Map.of("version", 1L, "roots", List.copyOf(roots)));
        Varint.write(out, header.length);
        out.writeBytes(header);
        for (Map.Entry<Cid, byte[]> e : blocks.entrySet()) {
            byte[] cid = e.getKey().bytes();
            Varint.write(out, (long) cid.length + e.getValue().length);
            out.writeBytes(cid);
            out.writeBytes(e.getValue());
        }
        return out.toByteArray();
    }

    /**
     * Returns the roots named in the header.
     *
     * @return the roots, possibly empty
     */
    public List<Cid> roots() {
        return roots;
    }

    /**
     * Returns the CIDs of the blocks, in order of first appearance.
     *
     * @return the CIDs
     */
    public Set<Cid> cids() {
        return blocks.keySet();
    }

    /**
     * Returns the number of distinct blocks.
     *
     * @return the count
     */
    public int size() {
        return blocks.size();
    }

    /**
     * Returns a block's bytes.
     *
     * @param cid the block's CID
     * @return a copy of the bytes, or empty if the archive has no such block
     */
    public Optional<byte[]> block(Cid cid) {
        byte[] b = blocks.get(cid);
        return b == null ? Optional.empty() : Optional.of(b.clone());
    }

    /** Returns the block map without copying (package use only: callers never modify it). */
    Map<Cid, byte[]> blocksUnsafe() {
        return blocks;
    }

    /**
     * Describes the archive without its content.
     *
     * @return for example {@code Car[roots=[bafy...], blocks=3]}
     */
    @Override
    public String toString() {
        return "Car[roots=" + roots + ", blocks=" + blocks.size() + "]";
    }
}
