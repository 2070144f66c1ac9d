package computer.aesthetic.moodsync.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * A password or token that never prints: {@link #toString()} is {@code Secret[***]}, and equality is by content
 * in constant time. Read it with {@link #reveal()} only at the point of use. Immutable and thread-safe.
 */
public final class Secret {
    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    /**
     * Wraps a secret string.
     *
     * @param value the secret, not empty
     * @return the wrapper
     * @throws IllegalArgumentException if {@code value} is empty
     */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        return new Secret(value.toCharArray());
    }

    /**
     * Returns the secret itself. Never log the result.
     *
     * @return the secret
     */
    public String reveal() {
        return new String(value);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Secret other)) {
            return false;
        }
        int diff = value.length ^ other.value.length;
        for (int i = 0; i < Math.min(value.length, other.value.length); i++) {
            diff |= value[i] ^ other.value[i];
        }
        return diff == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    /** Returns {@code Secret[***]}, never the secret. */
    @Override
    public String toString() {
        return "Secret[***]";
    }
}
