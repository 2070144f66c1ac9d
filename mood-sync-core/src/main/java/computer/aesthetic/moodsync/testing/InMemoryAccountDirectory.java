package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link AccountDirectory} in memory, for hosts' tests: {@link #put} an account for a user, {@link #remove} it
 * again. Changes show in the next look-up.
 *
 * <p>One DID belongs to at most one user: putting an account whose DID another user holds is refused, as a DID
 * names exactly one repository.
 *
 * <p>Thread-safe: every method runs under one lock.
 */
public final class InMemoryAccountDirectory implements AccountDirectory {
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final Map<UserId, Account> byUser = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private final Map<Did, UserId> byDid = new HashMap<>();

    private InMemoryAccountDirectory() {
    }

    /**
     * Creates an empty directory.
     *
     * @return the directory
     */
    public static InMemoryAccountDirectory create() {
        return new InMemoryAccountDirectory();
    }

    /**
     * Gives a user an account, replacing the user's previous one (a changed password, a new DID).
     *
     * @param user the host's user id
     * @param account the account
     * @return this directory, for chaining
     * @throws IllegalArgumentException if another user already has an account with this DID
     */
    public InMemoryAccountDirectory put(UserId user, Account account) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(account, "account");
        synchronized (lock) {
            UserId holder = byDid.get(account.did());
            if (holder != null && !holder.equals(user)) {
                throw new IllegalArgumentException("DID " + account.did() + " already belongs to user " + holder
                        + ", so it cannot be given to user " + user);
            }
            Account previous = byUser.put(user, account);
            if (previous != null) {
                byDid.remove(previous.did());
            }
            byDid.put(account.did(), user);
        }
        return this;
    }

    /**
     * Removes a user's account; afterwards the user has none.
     *
     * @param user the host's user id
     * @return the removed account, or empty when the user had none
     */
    public Optional<Account> remove(UserId user) {
        Objects.requireNonNull(user, "user");
        synchronized (lock) {
            Account previous = byUser.remove(user);
            if (previous != null) {
                byDid.remove(previous.did());
            }
            return Optional.ofNullable(previous);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Account> findByUser(UserId user) {
        Objects.requireNonNull(user, "user");
        synchronized (lock) {
            return Optional.ofNullable(byUser.get(user));
        }
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Account> findByDid(Did did) {
        Objects.requireNonNull(did, "did");
        synchronized (lock) {
            return Optional.ofNullable(byDid.get(did)).map(byUser::get);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Optional<UserId> userOf(Did did) {
        Objects.requireNonNull(did, "did");
        synchronized (lock) {
            return Optional.ofNullable(byDid.get(did));
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "InMemoryAccountDirectory[accounts=" + byUser.size() + "]";
        }
    }
}
