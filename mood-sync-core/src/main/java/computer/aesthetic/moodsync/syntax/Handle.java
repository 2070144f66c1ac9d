package computer.aesthetic.moodsync.syntax;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An ATProto handle: a DNS domain name such as {@code alice.bsky.social}, normalised to lower case.
 *
 * <p>The syntax is at least two labels separated by {@code .}; each label is 1-63 ASCII letters,
 * digits or hyphens, neither starting nor ending with a hyphen; the last label (the TLD) starts
 * with a letter; the whole handle is at most {@value #MAX_LENGTH} characters. The spec's
 * disallowed TLDs ({@code .local}, {@code .arpa}, {@code .invalid}, ...) are syntactically valid
 * and therefore accepted here; deciding whether to resolve them is up to the caller.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param value the handle, in lower case
 */
public record Handle(String value) implements AtIdentifier {

    /** Maximum length of a handle in characters. */
    public static final int MAX_LENGTH = 253;

    private static final Pattern SYNTAX = Pattern.compile(
            "([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?");

    /**
     * Validates the handle and normalises it to lower case.
     *
     * @param value the handle, in any case
     * @throws IllegalArgumentException if {@code value} is null or not a valid handle
     */
    public Handle {
        if (value == null) {
            throw Syntax.invalid("handle", "input is null", null);
        }
        if (value.length() > MAX_LENGTH) {
            throw Syntax.invalid("handle of at most " + MAX_LENGTH + " chars",
                    "it is " + value.length() + " chars", value);
        }
        if (!SYNTAX.matcher(value).matches()) {
            throw Syntax.invalid("handle (a domain name of two or more labels of [a-zA-Z0-9-], "
                    + "1-63 chars each, TLD starting with a letter)", "syntax mismatch", value);
        }
        value = value.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a handle and normalises it to lower case.
     *
     * @param value the handle
     * @return the handle
     * @throws IllegalArgumentException if {@code value} is null or not a valid handle
     */
    public static Handle parse(String value) {
        return new Handle(value);
    }

    /**
     * Parses a handle, returning empty instead of throwing.
     *
     * @param value the handle, may be null
     * @return the handle, or empty if {@code value} is null or invalid
     */
    public static Optional<Handle> tryParse(String value) {
        return Syntax.tryParse(value, Handle::new);
    }

    /**
     * Returns the lower-case handle.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
