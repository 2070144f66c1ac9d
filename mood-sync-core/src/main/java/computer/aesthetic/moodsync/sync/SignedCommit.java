package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A repository commit object: {@code {did, version: 3, data, rev, prev: null, sig}}. {@code data} is the MST
 * root; {@code sig} signs the DAG-CBOR encoding of the object without {@code sig} ({@link #unsignedBytes()}).
 *
 * <p>Immutable and thread-safe; byte arrays are copied on the way out.
 */
public final class SignedCommit {

    /** The commit version current PDSs write. */
    public static final long VERSION = 3;

    private final Did did;
    private final long version;
    private final Cid data;
    private final String rev;
    private final Optional<Cid> prev;
    private final byte[] sig;
    private final byte[] unsigned;
    private final byte[] bytes;
    private final Cid cid;

    private SignedCommit(Did did, long version, Cid data, String rev, Optional<Cid> prev, byte[] sig, byte[] unsigned,
            byte[] bytes) {
        this.did = did;
        this.version = version;
        this.data = data;
        this.rev = rev;
        this.prev = prev;
        this.sig = sig;
        this.unsigned = unsigned;
        this.bytes = bytes;
        this.cid = Cid.forDagCbor(bytes);
    }

    /**
     * Decodes a commit block. The unsigned bytes are the encoding of every field but {@code sig}, as the
     * reference implementation computes them.
     *
     * @param block the block bytes (already checked against its CID by {@link Car#read})
     * @return the commit
     * @throws MalformedEventException if the block is not canonical DAG-CBOR or lacks a field, or its version
     *     is not 2 or 3
     */
    public static SignedCommit decode(byte[] block) {
        Objects.requireNonNull(block, "block");
        Object o;
        try {
            o = DagCbor.decode(block);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("commit is not canonical DAG-CBOR: " + e.getMessage(), e);
        }
        if (!(o instanceof Map<?, ?> m)) {
            throw new MalformedEventException("commit: expected a map, found " + Car.describe(o));
        }
        if (!(m.get("did") instanceof String didText) || Did.tryParse(didText).isEmpty()) {
            throw new MalformedEventException("commit: expected did to be a DID, found " + Car.describe(m.get("did")));
        }
        if (!(m.get("version") instanceof Long version) || (version != 2 && version != 3)) {
            throw new MalformedEventException("commit: expected version 3 (or 2), found "
                    + Car.describe(m.get("version")));
        }
        if (!(m.get("data") instanceof Cid data)) {
            throw new MalformedEventException("commit: expected data to be a CID, found " + Car.describe(m.get("data")));
        }
        if (!(m.get("rev") instanceof String rev)) {
            throw new MalformedEventException("commit: expected rev to be a string, found " + Car.describe(m.get("rev")));
        }
        Object prev = m.get("prev");
        if (prev != null && !(prev instanceof Cid)) {
            throw new MalformedEventException("commit: expected prev to be a CID or null, found " + Car.describe(prev));
        }
        if (!(m.get("sig") instanceof byte[] sig)) {
            throw new MalformedEventException("commit: expected sig to be bytes, found " + Car.describe(m.get("sig")));
        }
        Map<String, Object> rest = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!"sig".equals(k)) {
                rest.put((String) k, v);
            }
        });
        return new SignedCommit(Did.parse(didText), version, data, rev, Optional.ofNullable((Cid) prev), sig,
                DagCbor.encode(rest), block.clone());
    }

    /**
     * Creates and signs a version-3 commit.
     *
     * @param did the repository
     * @param data the MST root
     * @param rev the revision (a TID greater than the previous commit's)
     * @param signer the repository's signing key
     * @return the signed commit
     */
    public static SignedCommit sign(Did did, Cid data, String rev, CommitSigner signer) {
        Objects.requireNonNull(did, "did");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(rev, "rev");
        Objects.requireNonNull(signer, "signer");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("did", did.value());
        m.put("version", VERSION);
        m.put("data", data);
        m.put("rev", rev);
        m.put("prev", null);
        byte[] unsigned = DagCbor.encode(m);
        byte[] sig = signer.sign(unsigned);
        m.put("sig", sig);
        return new SignedCommit(did, VERSION, data, rev, Optional.empty(), sig, unsigned, DagCbor.encode(m));
    }

    /**
     * Verifies the signature.
     *
     * @param key the repository's {@code #atproto} key
     * @param verifier the verifier
     * @return whether {@link #sig()} is a valid signature of {@link #unsignedBytes()} by {@code key}
     * @throws IllegalArgumentException if the verifier does not support the key's curve
     */
    public boolean verifySignature(DidKey key, SignatureVerifier verifier) {
        return verifier.verify(key, unsigned, sig);
    }

    /**
     * Returns the repository.
     *
     * @return the DID
     */
    public Did did() {
        return did;
    }

    /**
     * Returns the version.
     *
     * @return 3 on current PDSs
     */
    public long version() {
        return version;
    }

    /**
     * Returns the MST root after this commit.
     *
     * @return the root CID
     */
    public Cid data() {
        return data;
    }

    /**
     * Returns the revision.
     *
     * @return the rev (a TID)
     */
    public String rev() {
        return rev;
    }

    /**
     * Returns the previous commit's CID (always absent in version 3).
     *
     * @return the CID, or empty
     */
    public Optional<Cid> prev() {
        return prev;
    }

    /**
     * Returns the signature.
     *
     * @return a copy of the signature bytes
     */
    public byte[] sig() {
        return sig.clone();
    }

    /**
     * Returns the bytes the signature covers.
     *
     * @return a copy of the DAG-CBOR encoding without {@code sig}
     */
    public byte[] unsignedBytes() {
        return unsigned.clone();
    }

    /**
     * Returns the whole block.
     *
     * @return a copy of the encoded commit
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Returns the commit's CID.
     *
     * @return the CID of {@link #bytes()}
     */
    public Cid cid() {
        return cid;
    }

    /**
     * Describes the commit.
     *
     * @return did, rev, data and CID
     */
    @Override
    public String toString() {
        return "SignedCommit[did=" + did + ", rev=" + rev + ", data=" + data + ", cid=" + cid + "]";
    }
}
