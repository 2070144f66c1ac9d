package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.syntax.Did;

/**
 * Deletes an ATProto account, as {@link Repairer#erase} does on request (the PDS admin API's
 * {@code com.atproto.admin.deleteAccount}). Implementations must be thread-safe and idempotent: deleting an account
 * that is gone succeeds.
 */
@FunctionalInterface
public interface AccountDeleter {
    /**
     * Deletes the account.
     *
     * @param did the account's DID
     * @throws computer.aesthetic.moodsync.MoodSyncException if it could not be deleted
     */
    void deleteAccount(Did did);
}
