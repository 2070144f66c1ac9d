package computer.aesthetic.moodsync;

import java.util.List;
import java.util.Objects;

/**
 * A mood's text or a record value does not satisfy the {@code computer.aesthetic.mood} lexicon. Every problem
 * found is reported at once in {@link #problems()}, each naming the field, what was expected and what was found.
 */
public class InvalidRecordException extends MoodSyncException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    /**
     * Creates the exception.
     *
     * @param problems one or more problems, each a complete sentence
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    public InvalidRecordException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(List<String> problems) {
        Objects.requireNonNull(problems, "problems");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an InvalidRecordException needs at least one problem");
        }
        return problems.size() == 1
                ? "invalid mood record: " + problems.get(0)
                : "invalid mood record (" + problems.size() + " problems): " + String.join("; ", problems);
    }

    /**
     * Returns every problem found.
     *
     * @return the problems, never empty
     */
    public List<String> problems() {
        return problems;
    }
}
