package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of a DID document that ATProto uses. Immutable and thread-safe.
 *
 * @param id the DID the document describes
 * @param alsoKnownAs the {@code alsoKnownAs} entries, such as {@code at://alice.example.com}
 * @param pdsEndpoint the {@code #atproto_pds} service endpoint as written in the document, not yet checked (see
 *     {@link IdentityResolver#resolvePds})
 * @param atprotoKey the {@code #atproto} verification method (the repository's signing key), when the document
 *     has one whose {@code type} and {@code publicKeyMultibase} are strings; the key itself is not yet decoded
 */
public record DidDocument(Did id, List<String> alsoKnownAs, Optional<URI> pdsEndpoint,
        Optional<VerificationMethod> atprotoKey) {
    /** Validates presence and copies the list. */
    public DidDocument {
        Objects.requireNonNull(id, "id");
        alsoKnownAs = List.copyOf(alsoKnownAs);
        Objects.requireNonNull(pdsEndpoint, "pdsEndpoint");
        Objects.requireNonNull(atprotoKey, "atprotoKey");
    }

    /**
     * Creates a document without an {@code #atproto} key.
     *
     * @param id the DID
     * @param alsoKnownAs the {@code alsoKnownAs} entries
     * @param pdsEndpoint the {@code #atproto_pds} endpoint
     */
    public DidDocument(Did id, List<String> alsoKnownAs, Optional<URI> pdsEndpoint) {
        this(id, alsoKnownAs, pdsEndpoint, Optional.empty());
    }

    /**
     * A verification method of a DID document, as written (public key material, never secret).
     *
     * @param id its {@code id}, {@code #atproto} or {@code <did>#atproto}
     * @param type its {@code type}, such as {@code Multikey}
     * @param publicKeyMultibase its {@code publicKeyMultibase}
     */
    public record VerificationMethod(String id, String type, String publicKeyMultibase) {
        /** Validates presence. */
        public VerificationMethod {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(publicKeyMultibase, "publicKeyMultibase");
        }
    }

    /**
     * Returns the handle the document claims (the first {@code at://} entry of {@code alsoKnownAs}). The claim is
     * verified only when the handle resolves back to this DID.
     *
     * @return the claimed handle, or empty
     */
    public Optional<Handle> handle() {
        return alsoKnownAs.stream()
                .filter(a -> a.startsWith("at://"))
                .map(a -> Handle.tryParse(a.substring(5)))
                .flatMap(Optional::stream)
                .findFirst();
    }
}
