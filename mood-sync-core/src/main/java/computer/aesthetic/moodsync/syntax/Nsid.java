package computer.aesthetic.moodsync.syntax;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A namespaced identifier (NSID) naming a Lexicon schema or record collection, for example
 * {@code app.bsky.feed.post}.
 *
 * <p>The syntax is a reversed domain authority of at least two segments followed by a name
 * segment: segments are separated by {@code .}; authority segments are 1-63 ASCII letters, digits
 * or hyphens, neither starting nor ending with a hyphen, the first starting with a letter; the name
 * is 1-63 ASCII letters or digits starting with a letter; the whole NSID is at most
 * {@value #MAX_LENGTH} characters. The value is kept exactly as written (case is significant in
 * the name).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param value the NSID, exactly as given
 */
public record Nsid(String value) {

    /** Maximum length of an NSID in characters. */
    public static final int MAX_LENGTH = 317;

    private static final Pattern SYNTAX = Pattern.compile(
            "[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                    + "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
                    + "\\.[a-zA-Z][a-zA-Z0-9]{0,62}");

    /**
     * Validates the NSID.
     *
     * @param value the NSID
     * @throws IllegalArgumentException if {@code value} is null or not a valid NSID
     */
    public Nsid {
        if (value == null) {
            throw Syntax.invalid("NSID", "input is null", null);
        }
        if (value.length() > MAX_LENGTH) {
            throw Syntax.invalid("NSID of at most " + MAX_LENGTH + " chars",
                    "it is " + value.length() + " chars", value);
        }
        if (!SYNTAX.matcher(value).matches()) {
            throw Syntax.invalid("NSID (domain authority of 2+ segments, then a name of "
                    + "[a-zA-Z][a-zA-Z0-9]*)", "syntax mismatch", value);
        }
    }

    /**
     * Parses an NSID.
     *
     * @param value the NSID
     * @return the NSID
     * @throws IllegalArgumentException if {@code value} is null or not a valid NSID
     */
    public static Nsid parse(String value) {
        return new Nsid(value);
    }

    /**
     * Parses an NSID, returning empty instead of throwing.
     *
     * @param value the NSID, may be null
     * @return the NSID, or empty if {@code value} is null or invalid
     */
    public static Optional<Nsid> tryParse(String value) {
        return Syntax.tryParse(value, Nsid::new);
    }

    /**
     * Returns the domain authority part, as written: everything before the last {@code .}
     * (for {@code app.bsky.feed.post}, {@code app.bsky.feed}).
     *
     * @return the reversed-domain authority
     */
    public String authority() {
        return value.substring(0, value.lastIndexOf('.'));
    }

    /**
     * Returns the name segment: everything after the last {@code .}
     * (for {@code app.bsky.feed.post}, {@code post}).
     *
     * @return the name
     */
    public String name() {
        return value.substring(value.lastIndexOf('.') + 1);
    }

    /**
     * Returns the NSID.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
