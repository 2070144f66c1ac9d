package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.AtUri;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Map;
import java.util.Objects;

/**
 * A record read from a repository: where it is, its CID as the PDS reported it, and its value.
 *
 * <p>The value is the record in the Java form of the ATProto data model (see
 * {@link computer.aesthetic.moodsync.data.DataModel}). It comes from a server and is untrusted: it is whatever the
 * PDS sent, so it may also hold JSON values outside the data model ({@code Double}, {@code BigDecimal},
 * {@code BigInteger}) and a codec must validate it before use. Immutable when built from immutable maps.
 *
 * @param uri the record's AT-URI, with collection and record key
 * @param cid the record's CID
 * @param value the record value
 */
public record RepoRecord(AtUri uri, Cid cid, Map<String, Object> value) {
    /** Validates that the URI names a record. */
    public RepoRecord {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(cid, "cid");
        Objects.requireNonNull(value, "value");
        if (uri.rkey().isEmpty()) {
            throw new IllegalArgumentException("a record's URI needs a collection and a record key, found " + uri);
        }
    }

    /**
     * Returns the record key from the URI.
     *
     * @return the record key
     */
    public RecordKey rkey() {
        return uri.rkey().orElseThrow();
    }
}
