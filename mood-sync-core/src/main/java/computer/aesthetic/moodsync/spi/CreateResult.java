package computer.aesthetic.moodsync.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link AtprotoRepo#createIfAbsent}: either the record was created, or one already stood at the
 * key and was left untouched.
 *
 * @param written the new record's URI and CID when created; for an existing record its URI and CID, unchanged
 * @param created true when this call created the record
 * @param existing the record that was already there, when {@code created} is false
 */
public record CreateResult(WriteResult written, boolean created, Optional<RepoRecord> existing) {
    /** Validates that exactly the not-created outcome carries the existing record. */
    public CreateResult {
        Objects.requireNonNull(written, "written");
        Objects.requireNonNull(existing, "existing");
        if (created == existing.isPresent()) {
            throw new IllegalArgumentException("exactly a not-created result carries the existing record");
        }
    }
}
