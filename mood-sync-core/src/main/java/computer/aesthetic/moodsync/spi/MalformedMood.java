package computer.aesthetic.moodsync.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * A stored document that could not be read as a {@link computer.aesthetic.moodsync.Mood} (its {@code user} is
 * missing, its {@code mood} is not a string, its {@code _id} is not an ObjectId...). Listings skip such documents
 * and report them here instead of failing.
 *
 * @param id the document's id as text
 * @param user the document's user field as text, when it has one
 * @param problem what is wrong, naming the field, what was expected and what was found
 */
public record MalformedMood(String id, Optional<String> user, String problem) {
    /** Validates presence. */
    public MalformedMood {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(problem, "problem");
    }
}
