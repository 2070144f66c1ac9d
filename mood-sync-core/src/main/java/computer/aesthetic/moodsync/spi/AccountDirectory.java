package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.Optional;

/**
 * Tells which ATProto account belongs to which host user, and with which credentials to write to it.
 *
 * <p>Contract: both look-ups are read-only and side-effect free; a user (or DID) without an account yields empty,
 * never an error. A store failure is a {@link computer.aesthetic.moodsync.StoreException}. Implementations must
 * be thread-safe; they may cache, but must reflect a changed password eventually.
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
}
