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
 */
public record DidDocument(Did id, List<String> alsoKnownAs, Optional<URI> pdsEndpoint) {
    /** Validates presence and copies the list. */
    public DidDocument {
        Objects.requireNonNull(id, "id");
        alsoKnownAs = List.copyOf(alsoKnownAs);
        Objects.requireNonNull(pdsEndpoint, "pdsEndpoint");
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
