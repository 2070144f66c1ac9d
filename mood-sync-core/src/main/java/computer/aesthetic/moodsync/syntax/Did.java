package computer.aesthetic.moodsync.syntax;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A decentralized identifier (DID) following the ATProto DID syntax, for example
 * {@code did:plc:z72i7hdynmk6r22z27h6tvur}.
 *
 * <p>The syntax is {@code did:METHOD:IDENTIFIER}: the method is lower-case ASCII letters, the
 * identifier uses {@code [a-zA-Z0-9._:%-]} and does not end in {@code :} or {@code %}; the whole
 * DID is at most {@value #MAX_LENGTH} characters. Only the generic syntax is checked, not the
 * method (so {@code did:web:} and unknown methods are accepted).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param value the DID, exactly as given
 */
public record Did(String value) implements AtIdentifier {

    /** Maximum length of a DID in characters. */
    public static final int MAX_LENGTH = 2048;

    private static final Pattern SYNTAX =
            Pattern.compile("did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]");

    /**
     * Validates the DID.
     *
     * @param value the DID
     * @throws IllegalArgumentException if {@code value} is null or not a valid DID
     */
    public Did {
        if (value == null) {
            throw Syntax.invalid("DID", "input is null", null);
        }
        if (value.length() > MAX_LENGTH) {
            throw Syntax.invalid("DID of at most " + MAX_LENGTH + " chars",
                    "it is " + value.length() + " chars", value);
        }
        if (!SYNTAX.matcher(value).matches()) {
            throw Syntax.invalid("DID matching did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]",
                    "syntax mismatch", value);
        }
    }

    /**
     * Parses a DID.
     *
     * @param value the DID
     * @return the DID
     * @throws IllegalArgumentException if {@code value} is null or not a valid DID
     */
    public static Did parse(String value) {
        return new Did(value);
    }

    /**
     * Parses a DID, returning empty instead of throwing.
     *
     * @param value the DID, may be null
     * @return the DID, or empty if {@code value} is null or invalid
     */
    public static Optional<Did> tryParse(String value) {
        return Syntax.tryParse(value, Did::new);
    }

    /**
     * Returns the DID method, for example {@code plc} or {@code web}.
     *
     * @return the method name
     */
    public String method() {
        return value.substring(4, value.indexOf(':', 4));
    }

    /**
     * Returns the DID.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
