package computer.aesthetic.moodsync.syntax;

import java.util.Objects;
import java.util.Optional;

/**
 * An AT URI in the restricted form Lexicon uses: {@code at://AUTHORITY[/COLLECTION[/RKEY]]}, for
 * example {@code at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3jzfcijpj2z2a}.
 *
 * <p>The authority is a {@link Did} or {@link Handle}, the collection an {@link Nsid} and the
 * record key a {@link RecordKey}; a record key requires a collection. There is no query, no
 * fragment and no trailing slash, and the whole URI is at most {@value #MAX_LENGTH} characters.
 * {@link #toString()} gives the canonical string; it equals the parsed input except that a handle
 * authority is lower-cased ({@code at://Alice.test} prints as {@code at://alice.test}).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param authority the repository: a DID or handle
 * @param collection the collection, if any
 * @param rkey the record key, if any; present only together with a collection
 */
public record AtUri(AtIdentifier authority, Optional<Nsid> collection, Optional<RecordKey> rkey) {

    /** Maximum length of an AT URI in characters (8 KiB). */
    public static final int MAX_LENGTH = 8 * 1024;

    private static final String SCHEME = "at://";

    /**
     * Validates the parts.
     *
     * @param authority the repository: a DID or handle
     * @param collection the collection, if any
     * @param rkey the record key, if any
     * @throws NullPointerException if a part is null
     * @throws IllegalArgumentException if a record key is given without a collection, or the URI
     *     would be longer than {@value #MAX_LENGTH} characters
     */
    public AtUri {
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        if (rkey.isPresent() && collection.isEmpty()) {
            throw new IllegalArgumentException("Expected a collection with record key "
                    + Syntax.quote(rkey.get().value()) + " but found none");
        }
        int length = SCHEME.length() + authority.value().length()
                + collection.map(c -> 1 + c.value().length()).orElse(0)
                + rkey.map(r -> 1 + r.value().length()).orElse(0);
        if (length > MAX_LENGTH) {
            throw new IllegalArgumentException("Expected an AT URI of at most " + MAX_LENGTH
                    + " chars but found " + length + " chars");
        }
    }

    /**
     * Builds the AT URI of a record.
     *
     * @param authority the repository
     * @param collection the collection
     * @param rkey the record key
     * @return {@code at://authority/collection/rkey}
     * @throws NullPointerException if an argument is null
     */
    public static AtUri of(AtIdentifier authority, Nsid collection, RecordKey rkey) {
        return new AtUri(authority, Optional.of(collection), Optional.of(rkey));
    }

    /**
     * Builds the AT URI of a collection.
     *
     * @param authority the repository
     * @param collection the collection
     * @return {@code at://authority/collection}
     * @throws NullPointerException if an argument is null
     */
    public static AtUri of(AtIdentifier authority, Nsid collection) {
        return new AtUri(authority, Optional.of(collection), Optional.empty());
    }

    /**
     * Builds the AT URI of a repository.
     *
     * @param authority the repository
     * @return {@code at://authority}
     * @throws NullPointerException if {@code authority} is null
     */
    public static AtUri of(AtIdentifier authority) {
        return new AtUri(authority, Optional.empty(), Optional.empty());
    }

    /**
     * Parses a Lexicon-form AT URI.
     *
     * @param value the URI
     * @return the URI
     * @throws IllegalArgumentException if {@code value} is null or not a valid Lexicon-form AT URI
     */
    public static AtUri parse(String value) {
        if (value == null) {
            throw Syntax.invalid("AT URI", "input is null", null);
        }
        if (value.length() > MAX_LENGTH) {
            throw Syntax.invalid("AT URI of at most " + MAX_LENGTH + " chars",
                    "it is " + value.length() + " chars", value);
        }
        if (!value.startsWith(SCHEME)) {
            throw Syntax.invalid("AT URI starting with \"at://\"", "wrong scheme", value);
        }
        String[] parts = value.substring(SCHEME.length()).split("/", -1);
        if (parts.length > 3) {
            throw Syntax.invalid("AT URI of the form at://AUTHORITY[/COLLECTION[/RKEY]]",
                    "too many path segments", value);
        }
        AtIdentifier authority;
        Optional<Nsid> collection = Optional.empty();
        Optional<RecordKey> rkey = Optional.empty();
        try {
            authority = AtIdentifier.parse(parts[0]);
            if (parts.length > 1) {
                collection = Optional.of(Nsid.parse(parts[1]));
            }
            if (parts.length > 2) {
                rkey = Optional.of(RecordKey.parse(parts[2]));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Expected AT URI of the form "
                    + "at://AUTHORITY[/COLLECTION[/RKEY]] but found " + Syntax.quote(value)
                    + ": " + e.getMessage(), e);
        }
        return new AtUri(authority, collection, rkey);
    }

    /**
     * Parses a Lexicon-form AT URI, returning empty instead of throwing.
     *
     * @param value the URI, may be null
     * @return the URI, or empty if {@code value} is null or invalid
     */
    public static Optional<AtUri> tryParse(String value) {
        return Syntax.tryParse(value, AtUri::parse);
    }

    /**
     * Returns the canonical string form, {@code at://AUTHORITY[/COLLECTION[/RKEY]]}.
     *
     * @return the URI
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(SCHEME).append(authority.value());
        collection.ifPresent(c -> sb.append('/').append(c.value()));
        rkey.ifPresent(r -> sb.append('/').append(r.value()));
        return sb.toString();
    }
}
