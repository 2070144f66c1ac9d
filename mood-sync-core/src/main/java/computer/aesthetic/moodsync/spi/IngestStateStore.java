package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.syntax.Did;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Where a follower keeps what it must not forget: per event source (one PDS's {@code subscribeRepos}) the cursor
 * and the lease that makes one follower active across app instances, and per repository its
 * {@link RepoSyncState}. A {@code source} is any stable name of the stream, such as the PDS's host name.
 *
 * <p>Contract, checked by {@code IngestStateStoreContract}:
 * <ul>
 *   <li>Implementations are thread-safe, and safe to share between app instances on one database; every method is
 *       atomic on one source or one repository.</li>
 *   <li>The cursor only moves forward, and only for the lease holder: {@link #saveCursor} by another owner, or
 *       with a smaller seq, changes nothing.</li>
 *   <li>The lease is judged without clocks: {@link #acquire} is a compare-and-swap on
 *       {@link FollowerLease#version()}, and every acquire, renewal and release increments the version.</li>
 *   <li>Failures are {@link computer.aesthetic.moodsync.StoreException}s naming the operation.</li>
 * </ul>
 */
public interface IngestStateStore {
    /**
     * Returns the saved cursor of a source: the seq of the last event whose effects are stored.
     *
     * @param source the event source
     * @return the cursor, or empty before the first save
     */
    OptionalLong cursor(String source);

    /**
     * Saves the cursor, if {@code owner} holds the source's lease and {@code seq} is greater than the saved one.
     *
     * @param source the event source
     * @param owner the follower saving
     * @param seq the seq of the last event whose effects are stored, every earlier one included
     * @return true when {@code owner} holds the lease (the cursor is then at least {@code seq}); false when it does
     *     not, and nothing was saved
     */
    boolean saveCursor(String source, String owner, long seq);

    /**
     * Reads the state of one repository.
     *
     * @param source the event source
     * @param did the repository
     * @return the state, or empty when never saved
     */
    Optional<RepoSyncState> repo(String source, Did did);

    /**
     * Saves the state of one repository, replacing any.
     *
     * @param source the event source
     * @param state the state
     */
    void saveRepo(String source, RepoSyncState state);

    /**
     * Streams the saved states of a source's repositories, in DID order.
     *
     * @param source the event source
     * @return the states; close the stream
     */
    Stream<RepoSyncState> repos(String source);

    /**
     * Reads a source's lease.
     *
     * @param source the event source
     * @return the lease ({@code version} 0 and no owner when the source never had one)
     */
    FollowerLease lease(String source);

    /**
     * Takes the lease if it is still at {@code expectedVersion} (the version the caller read and judged free or
     * dead), incrementing the version.
     *
     * @param source the event source
     * @param owner the follower taking it
     * @param expectedVersion the version read before
     * @return true when {@code owner} now holds the lease
     */
    boolean acquire(String source, String owner, long expectedVersion);

    /**
     * Renews the lease {@code owner} holds, incrementing the version.
     *
     * @param source the event source
     * @param owner the holder
     * @return true when renewed; false when {@code owner} no longer holds it (another follower took over)
     */
    boolean renew(String source, String owner);

    /**
     * Releases the lease if {@code owner} holds it, incrementing the version, so a standby takes over at once.
     *
     * @param source the event source
     * @param owner the holder
     */
    void release(String source, String owner);
}
