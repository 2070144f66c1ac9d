package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Generic ATProto repository operations, for any collection, on the repositories of many accounts.
 *
 * <p>Records are maps in the Java form of the ATProto data model ({@link computer.aesthetic.moodsync.data.DataModel});
 * a value must carry {@code $type} equal to its collection. The mood mapping lives in a codec in core, so one
 * implementation serves any collection.
 *
 * <p>Contract, checked by {@code AtprotoRepoContract}:
 * <ul>
 *   <li>Implementations are thread-safe. They may serialise writes to one repository.</li>
 *   <li>{@link #putRecord} is an upsert: putting identical content again changes nothing and returns the same CID
 *       with {@code changed == false}. Retrying a put is always safe.</li>
 *   <li>{@link #deleteRecord} of a missing record succeeds (idempotent).</li>
 *   <li>{@link #applyWrites} is all or nothing: on an exception no write of the batch is applied.</li>
 *   <li>Failures are {@link computer.aesthetic.moodsync.PdsException}s (or their subclasses); nothing else escapes
 *       except {@link IllegalArgumentException} for arguments that break this contract, and a
 *       {@link computer.aesthetic.moodsync.StoreException} from the {@link AccountDirectory} an implementation
 *       asks for credentials.</li>
 * </ul>
 */
public interface AtprotoRepo {
    /** The most writes one {@link #applyWrites} call may carry. */
    int MAX_WRITES = 200;
    /** The most records one {@link #listRecords} page may carry. */
    int MAX_PAGE = 100;
    /** The most pages {@link #listAll} follows before it fails: 10 million records. */
    int MAX_PAGES = 100_000;

    /**
     * Creates or replaces the record at {@code rkey} ({@code com.atproto.repo.putRecord}).
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @param value the record value
     * @param swap the precondition on the current record
     * @return the record's URI and CID; {@code changed} is false when the content was identical
     * @throws computer.aesthetic.moodsync.SwapConflictException if the precondition does not hold
     * @throws computer.aesthetic.moodsync.PdsException on any other failure
     */
    WriteResult putRecord(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value, SwapRecord swap);

    /**
     * Creates the record at {@code rkey} unless one exists; an existing record is returned untouched. Never
     * overwrites. Safe to retry.
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @param value the record value
     * @return whether it was created, and the existing record otherwise
     * @throws computer.aesthetic.moodsync.PdsException on failure
     */
    CreateResult createIfAbsent(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value);

    /**
     * Deletes the record at {@code rkey}; deleting a missing record succeeds.
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @param swap the precondition on the current record ({@link SwapRecord#any()} for none)
     * @throws computer.aesthetic.moodsync.SwapConflictException if the precondition does not hold
     * @throws computer.aesthetic.moodsync.PdsException on any other failure
     */
    void deleteRecord(Did repo, Nsid collection, RecordKey rkey, SwapRecord swap);

    /**
     * Reads one record.
     *
     * @param repo the repository
     * @param collection the collection
     * @param rkey the record key
     * @return the record, or empty when there is none
     * @throws computer.aesthetic.moodsync.PdsException on failure
     */
    Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey);

    /**
     * Reads one page of a collection ({@code com.atproto.repo.listRecords}).
     *
     * @param repo the repository
     * @param collection the collection
     * @param limit page size; values outside 1..100 are clamped into that range
     * @param cursor the cursor of the previous page, or empty for the first page
     * @param reverse false for newest record key first (the PDS default), true for oldest first
     * @return the page
     * @throws computer.aesthetic.moodsync.PdsException on failure
     */
    RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse);

    /**
     * Streams every record of a collection, oldest record key first, following cursors to the end (the listing
     * ends when a page carries no cursor; an empty page with a cursor is followed). Pages are
     * fetched lazily as the stream is consumed. A cursor that repeats, or a listing longer than {@link #MAX_PAGES} pages, is a
     * {@link PdsException}, not an endless loop.
     *
     * @param repo the repository
     * @param collection the collection
     * @return the records; exceptions surface while the stream is consumed
     */
    default Stream<RepoRecord> listAll(Did repo, Nsid collection) {
        return followCursors(this, repo, collection, MAX_PAGES);
    }

    /**
     * Streams every record of a collection through {@code source}'s {@link #listRecords}, oldest record key first,
     * fetching pages of {@link #MAX_PAGE} lazily and following cursors until a page carries none. A cursor seen
     * anywhere earlier in the walk (a cycle such as A, B, A), or more than {@code maxPages} pages, is a
     * {@link PdsException} instead of an endless listing.
     * Implementations of {@link #listAll} use it with their own bound.
     *
     * @param source the repository client to page through
     * @param repo the repository
     * @param collection the collection
     * @param maxPages the most pages to follow, at least 1
     * @return the records; exceptions surface while the stream is consumed
     */
    static Stream<RepoRecord> followCursors(AtprotoRepo source, Did repo, Nsid collection, int maxPages) {
        java.util.Objects.requireNonNull(source, "source");
        java.util.Objects.requireNonNull(repo, "repo");
        java.util.Objects.requireNonNull(collection, "collection");
        if (maxPages < 1) {
            throw new IllegalArgumentException("maxPages must be >= 1, found " + maxPages);
        }
        Iterator<RepoRecord> it = new Iterator<>() {
            private Iterator<RepoRecord> page = List.<RepoRecord>of().iterator();
            private Optional<String> cursor = Optional.empty();
            private boolean done;
            private int pages;
            private final java.util.Set<String> seen = new java.util.HashSet<>();

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !done) {
                    if (++pages > maxPages) {
                        throw new PdsException(0, null, "listRecords of " + repo + "/" + collection
                                + " did not end after " + maxPages + " pages (the cursor kept changing)", false, null,
                                null);
                    }
                    RecordPage p = source.listRecords(repo, collection, MAX_PAGE, cursor, true);
                    page = p.records().iterator();
                    Optional<String> next = p.cursor();
                    if (next.isPresent() && next.equals(cursor)) {
                        throw new PdsException(0, null, "listRecords of " + repo + "/" + collection
                                + " returned the cursor it was given; the listing would never end", false, null, null);
                    }
                    if (next.isPresent() && !seen.add(next.get())) {
                        throw new PdsException(0, null, "listRecords of " + repo + "/" + collection
                                + " returned a cursor it had returned before (a cycle); the listing would never end",
                                false, null, null);
                    }
                    done = next.isEmpty();
                    cursor = next;
                }
                return page.hasNext();
            }

            @Override
            public RepoRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    /**
     * Applies up to {@link #MAX_WRITES} writes in one commit ({@code com.atproto.repo.applyWrites}), all or
     * nothing. A create of an existing record, or an update or delete of a missing one, fails the whole batch.
     * Implementations given more writes split them into several calls, each all or nothing.
     *
     * @param repo the repository
     * @param writes the writes, in order
     * @return one result per write, in order
     * @throws computer.aesthetic.moodsync.PdsException on failure
     */
    List<WriteResult> applyWrites(Did repo, List<RepoWrite> writes);

    /**
     * Returns what is left of the repository's write budget, as last reported by the PDS.
     *
     * @param repo the repository
     * @return the budget, or empty when unknown or unlimited
     */
    default Optional<WriteBudget> writeBudget(Did repo) {
        return Optional.empty();
    }

    /**
     * Tells whether calls for a repository are known to fail right now without being tried (a client-side circuit
     * breaker is open after repeated outages), and until when. Lets callers skip a doomed call entirely.
     *
     * @param repo the repository
     * @return when calls may go through again, or empty when they may be tried now
     */
    default Optional<java.time.Instant> unavailableUntil(Did repo) {
        return Optional.empty();
    }
}
