package computer.aesthetic.moodsync.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of {@code listRecords}.
 *
 * @param records the records of this page, in the requested order
 * @param cursor the opaque cursor for the next page, or empty at the end
 */
public record RecordPage(List<RepoRecord> records, Optional<String> cursor) {
    /** Copies the list. */
    public RecordPage {
        records = List.copyOf(records);
        Objects.requireNonNull(cursor, "cursor");
    }
}
