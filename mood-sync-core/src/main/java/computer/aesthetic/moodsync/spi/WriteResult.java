package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.AtUri;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one record write.
 *
 * @param uri the record's AT-URI
 * @param cid the record's CID after the write, or empty for a delete
 * @param changed false when the write changed nothing (a put of identical content, a delete of a missing record)
 */
public record WriteResult(AtUri uri, Optional<Cid> cid, boolean changed) {
    /** Validates presence. */
    public WriteResult {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(cid, "cid");
    }
}
