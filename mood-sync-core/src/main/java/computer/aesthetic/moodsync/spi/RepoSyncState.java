package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.Objects;
import java.util.Optional;

/**
 * What a follower knows of one repository it follows: the last commit it applied, whether it trusts that
 * knowledge, and the account's hosting status. Stored by an {@link IngestStateStore}. Immutable and thread-safe.
 *
 * @param did the repository
 * @param rev the revision of the last commit applied (or the commit a resync caught up to); empty before the first
 * @param data the MST root of that commit; empty when unknown
 * @param status whether the events applied so far are a complete chain
 * @param accountStatus the account's hosting status from its last {@code #account} event ({@code takendown},
 *     {@code deleted}, ...); empty while the account is active
 */
public record RepoSyncState(Did did, Optional<String> rev, Optional<Cid> data, Status status,
        Optional<String> accountStatus) {

    /** Whether a follower's view of a repository can be trusted. */
    public enum Status {
        /** Every commit since the stored revision was applied; the next commit must follow on from it. */
        SYNCHRONIZED,
        /** Events were missed or failed verification; the repository must be resynced before events apply. */
        DESYNCHRONIZED
    }

    /** Validates presence of every component. */
    public RepoSyncState {
        Objects.requireNonNull(did, "did");
        Objects.requireNonNull(rev, "rev");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(accountStatus, "accountStatus");
    }

    /**
     * Returns the state of a repository seen for the first time: no revision, desynchronized (it must be listed
     * once before events are trusted), account active.
     *
     * @param did the repository
     * @return the state
     */
    public static RepoSyncState unknown(Did did) {
        return new RepoSyncState(did, Optional.empty(), Optional.empty(), Status.DESYNCHRONIZED, Optional.empty());
    }

    /**
     * Returns a copy at another commit, synchronized.
     *
     * @param newRev the commit's revision
     * @param newData the commit's MST root, when known
     * @return the copy
     */
    public RepoSyncState at(String newRev, Optional<Cid> newData) {
        return new RepoSyncState(did, Optional.of(newRev), newData, Status.SYNCHRONIZED, accountStatus);
    }

    /**
     * Returns a copy marked desynchronized, revision kept.
     *
     * @return the copy
     */
    public RepoSyncState desynchronized() {
        return new RepoSyncState(did, rev, data, Status.DESYNCHRONIZED, accountStatus);
    }

    /**
     * Returns a copy with another account status.
     *
     * @param newStatus the status, or empty when active
     * @return the copy
     */
    public RepoSyncState withAccountStatus(Optional<String> newStatus) {
        return new RepoSyncState(did, rev, data, status, newStatus);
    }
}
