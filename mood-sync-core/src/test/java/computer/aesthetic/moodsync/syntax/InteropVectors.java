package computer.aesthetic.moodsync.syntax;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/** Reads the ATProto interop test vectors from {@code /interop/syntax/}. */
final class InteropVectors {

    private InteropVectors() {
    }

    /**
     * Returns the values in a vector file: every line that is neither empty nor a {@code #}
     * comment, verbatim (leading and trailing whitespace is significant).
     */
    static List<String> values(String file) {
        String resource = "/interop/syntax/" + file;
        try (InputStream in = InteropVectors.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing test resource " + resource);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> values = new ArrayList<>();
            for (String line : text.split("\n", -1)) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    values.add(line);
                }
            }
            if (values.isEmpty()) {
                throw new IllegalStateException("No vectors in " + resource);
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The values of a vector file as named JUnit arguments (names show whitespace and length). */
    static Stream<Arguments> arguments(String file) {
        return values(file).stream().map(v -> Arguments.of(Named.of(display(v), v)));
    }

    private static String display(String value) {
        String shown = value.length() > 80
                ? value.substring(0, 80) + "...(" + value.length() + " chars)"
                : value;
        return "[" + shown + "]";
    }
}
