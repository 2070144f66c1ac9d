package computer.aesthetic.moodsync.syntax;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A record key (rkey) naming a record within a repository collection, for example a TID such as
 * {@code 3jzfcijpj2z2a} or the literal {@code self}.
 *
 * <p>The syntax is 1-{@value #MAX_LENGTH} characters of {@code [a-zA-Z0-9_~.:-]}, and neither
 * {@code .} nor {@code ..}.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param value the record key, exactly as given
 */
public record RecordKey(String value) {

    /** Maximum length of a record key in characters. */
    public static final int MAX_LENGTH = 512;

    private static final Pattern SYNTAX = Pattern.compile("[a-zA-Z0-9_~.:-]{1,512}");

    /**
     * Validates the record key.
     *
     * @param value the record key
     * @throws IllegalArgumentException if {@code value} is null or not a valid record key
     */
    public RecordKey {
        if (value == null) {
            throw Syntax.invalid("record key", "input is null", null);
        }
        if (value.length() > MAX_LENGTH) {
            throw Syntax.invalid("record key of at most " + MAX_LENGTH + " chars",
                    "it is " + value.length() + " chars", value);
        }
        if (!SYNTAX.matcher(value).matches()) {
            throw Syntax.invalid("record key of 1-512 chars of [a-zA-Z0-9_~.:-]",
                    "syntax mismatch", value);
        }
        if (value.equals(".") || value.equals("..")) {
            throw Syntax.invalid("record key", "\".\" and \"..\" are not allowed", value);
        }
    }

    /**
     * Parses a record key.
     *
     * @param value the record key
     * @return the record key
     * @throws IllegalArgumentException if {@code value} is null or not a valid record key
     */
    public static RecordKey parse(String value) {
        return new RecordKey(value);
    }

    /**
     * Parses a record key, returning empty instead of throwing.
     *
     * @param value the record key, may be null
     * @return the record key, or empty if {@code value} is null or invalid
     */
    public static Optional<RecordKey> tryParse(String value) {
        return Syntax.tryParse(value, RecordKey::new);
    }

    /**
     * Returns the record key.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
