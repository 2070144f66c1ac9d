package computer.aesthetic.moodsync.syntax;

import java.util.Optional;

/**
 * An ATProto account identifier: either a {@link Did} or a {@link Handle}.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface AtIdentifier permits Did, Handle {

    /**
     * Returns the canonical string form of this identifier.
     *
     * @return the DID, or the lower-case handle
     */
    String value();

    /**
     * Parses a DID (if the input starts with {@code did:}) or else a handle.
     *
     * @param value the identifier
     * @return the parsed identifier
     * @throws IllegalArgumentException if {@code value} is null or neither a valid DID nor handle
     */
    static AtIdentifier parse(String value) {
        if (value == null) {
            throw Syntax.invalid("DID or handle", "input is null", null);
        }
        if (value.startsWith("did:")) {
            return Did.parse(value);
        }
        try {
            return Handle.parse(value);
        } catch (IllegalArgumentException e) {
            throw Syntax.invalid("DID or handle", "neither a DID nor a valid handle", value);
        }
    }

    /**
     * Parses a DID or a handle, returning empty instead of throwing.
     *
     * @param value the identifier, may be null
     * @return the parsed identifier, or empty if {@code value} is null or invalid
     */
    static Optional<AtIdentifier> tryParse(String value) {
        return Syntax.tryParse(value, AtIdentifier::parse);
    }
}
