package computer.aesthetic.moodsync;

import java.util.Objects;
import java.util.Optional;

/**
 * The host application's id of a user, opaque to mood-sync, such as {@code auth0|63a1...}.
 *
 * <p>Any non-blank string of at most 1024 characters without control characters. Immutable and thread-safe.
 *
 * @param value the host's id, kept exactly as given
 */
public record UserId(String value) implements Comparable<UserId> {
    /** The longest id accepted. */
    public static final int MAX_LENGTH = 1024;

    /**
     * Validates the id.
     *
     * @throws IllegalArgumentException if the id is blank, longer than 1024 characters or has control characters
     */
    public UserId {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a user id must not be blank, found " + Quote.of(value));
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "a user id has at most " + MAX_LENGTH + " characters, found " + value.length());
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("a user id must not contain control characters, found "
                        + Quote.of(value));
            }
        }
    }

    /**
     * Parses a user id.
     *
     * @param text the host's id
     * @return the id
     * @throws IllegalArgumentException if the text is not a valid user id
     */
    public static UserId parse(String text) {
        return new UserId(text);
    }

    /**
     * Parses a user id, or returns empty when {@code text} is null or invalid.
     *
     * @param text the candidate, possibly null
     * @return the id, or empty
     */
    public static Optional<UserId> tryParse(String text) {
        try {
            return text == null ? Optional.empty() : Optional.of(new UserId(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public int compareTo(UserId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
