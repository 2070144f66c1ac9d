package computer.aesthetic.moodsync.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Carries a data-model error up the recursion, collecting the path on the way; converted to an
 * {@link IllegalArgumentException} at the public boundary. Not thread-safe; never escapes.
 */
final class DataModelPathException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Path segments, innermost first: {@code String} keys and {@code Integer} indexes. */
    private final transient List<Object> segments = new ArrayList<>(4);

    DataModelPathException(String message) {
        super(message, null, false, false);
    }

    DataModelPathException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    DataModelPathException key(String key) {
        segments.add(key);
        return this;
    }

    DataModelPathException index(int index) {
        segments.add(index);
        return this;
    }

    /** The JSONPath-like location, e.g. {@code $.a[2]} or {@code $["odd key"]}. */
    String path() {
        StringBuilder sb = new StringBuilder("$");
        for (int i = segments.size() - 1; i >= 0; i--) {
            appendSegment(sb, segments.get(i));
        }
        return sb.toString();
    }

    static void appendSegment(StringBuilder sb, Object segment) {
        if (segment instanceof Integer index) {
            sb.append('[').append(index).append(']');
            return;
        }
        String key = (String) segment;
        if (isSimpleKey(key)) {
            sb.append('.').append(key);
            return;
        }
        sb.append("[\"");
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append("\"]");
    }

    private static boolean isSimpleKey(String key) {
        if (key.isEmpty() || key.length() > 64) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'
                    || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The public form of this error. */
    IllegalArgumentException toIllegalArgument() {
        return new IllegalArgumentException(path() + ": " + getMessage(), getCause());
    }
}
