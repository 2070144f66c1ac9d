package computer.aesthetic.moodsync.syntax;

import java.util.Optional;
import java.util.function.Function;

/** Package-private helpers shared by the syntax value types. */
final class Syntax {

    /** Longest excerpt of a rejected input quoted in an exception message. */
    static final int MAX_QUOTED = 100;

    private Syntax() {
    }

    /**
     * Quotes {@code input} for an exception message, cut to {@value #MAX_QUOTED} characters.
     *
     * @param input the rejected input, may be null
     * @return the quoted excerpt and, if cut, its full length
     */
    static String quote(String input) {
        if (input == null) {
            return "null";
        }
        if (input.length() <= MAX_QUOTED) {
            return '"' + input + '"';
        }
        return '"' + input.substring(0, MAX_QUOTED) + "\"... (" + input.length() + " chars)";
    }

    /**
     * Builds the exception thrown for an invalid input.
     *
     * @param kind what was expected, e.g. {@code "DID"}
     * @param problem what is wrong with it
     * @param input the rejected input
     * @return the exception to throw
     */
    static IllegalArgumentException invalid(String kind, String problem, String input) {
        return new IllegalArgumentException(
                "Expected " + kind + " but found " + quote(input) + ": " + problem);
    }

    /**
     * Runs {@code parser}, mapping null input and {@link IllegalArgumentException} to empty.
     */
    static <T> Optional<T> tryParse(String input, Function<String, T> parser) {
        if (input == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.apply(input));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
