package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.Optional;

/**
 * Tells which ATProto account belongs to which host user, and with which credentials to write to it.
 *
 * <p>Contract: both look-ups are read-only and side-effect free; a user (or DID) without an account yields empty,
 * never an error. A store failure is a {@link computer.aesthetic.moodsync.StoreException}. Implementations must
 * be thread-safe; they may cache, but must reflect a changed password eventually ({@link #cached} adds a cache).
 */
public interface AccountDirectory {
    /**
     * Finds the account of a host user.
     *
     * @param user the host's user id
     * @return the account, or empty when the user has none
     */
    Optional<Account> findByUser(UserId user);

    /**
     * Finds an account by its DID, for the PDS client that needs the credentials of a repository.
     *
     * @param did the repository's DID
     * @return the account, or empty when no user has this DID
     */
    Optional<Account> findByDid(Did did);

    /**
     * Finds the host user who owns a DID.
     *
     * @param did the repository's DID
     * @return the user, or empty when none
     */
    Optional<UserId> userOf(Did did);

    /**
     * Drops anything remembered about a DID's account, so the next look-up reads it afresh. Clients call it when the
     * PDS refuses the account's credentials (the password may have just changed). Does nothing unless the directory
     * caches.
     *
     * @param did the account's DID
     */
    default void forget(Did did) {
    }

    /**
     * Wraps a directory so that found accounts are remembered for {@code ttl} (accounts not found are always looked
     * up again). A changed password is seen after at most {@code ttl}. The service and the PDS client wrap their
     * directories this way unless told otherwise.
     *
     * @param directory the directory to cache
     * @param ttl how long a found account is remembered, positive
     * @param clock the clock for expiry
     * @return the caching directory
     */
    static AccountDirectory cached(AccountDirectory directory, java.time.Duration ttl, java.time.Clock clock) {
        return new CachingAccountDirectory(directory, ttl, clock);
    }
}
