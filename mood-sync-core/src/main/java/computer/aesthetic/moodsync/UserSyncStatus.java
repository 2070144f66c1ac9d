package computer.aesthetic.moodsync;

import java.util.Objects;

/**
 * How one user's moods stand with the PDS, counted from the store ({@link MoodSyncService#status}). Every mood is
 * counted exactly once: a deleted mood counts as {@code deleted} (or pending/failed while its delete is pending),
 * never as synced, so {@code synced + pending + failed + deleted + unsynced == total}.
 *
 * @param user the user
 * @param hasAccount whether the user has an ATProto account
 * @param total all moods, deleted ones included
 * @param synced live moods linked to a record with nothing pending
 * @param pending moods with a pending write
 * @param failed moods whose write was parked
 * @param deleted deleted moods with nothing pending
 * @param unsynced live moods neither linked nor pending (never migrated, or no account)
 * @param malformed documents of the user the store cannot read as moods (not in {@code total})
 * @param accountHold present when the account is not active on its PDS and the user's writes are held
 */
public record UserSyncStatus(UserId user, boolean hasAccount, long total, long synced, long pending, long failed,
        long deleted, long unsynced, long malformed,
        java.util.Optional<computer.aesthetic.moodsync.spi.AccountHold> accountHold) {
    /** Validates presence. */
    public UserSyncStatus {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(accountHold, "accountHold");
    }
}
