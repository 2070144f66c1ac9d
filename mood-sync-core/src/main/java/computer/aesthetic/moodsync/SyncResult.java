package computer.aesthetic.moodsync;

import java.util.Objects;
import java.util.Optional;

/**
 * What happened to the PDS side of a post, edit, delete or undelete. The store side has always succeeded when a
 * result is returned (a store failure is thrown instead).
 *
 * @param moodId the mood
 * @param outcome whether the PDS has the change
 * @param reason why it is pending, when {@code outcome} is {@link Outcome#PENDING}
 * @param detail the PDS error's description (no secrets), when there was one
 */
public record SyncResult(MoodId moodId, Outcome outcome, Optional<PendingReason> reason, Optional<String> detail) {
    /** The outcome of the PDS side. */
    public enum Outcome {
        /** The PDS has the change. */
        SYNCED,
        /** The change is stored with a pending marker; the worker will retry it. */
        PENDING,
        /** The user has no ATProto account: the change is stored only. */
        NO_ACCOUNT
    }

    /** Validates that exactly a pending result has a reason. */
    public SyncResult {
        Objects.requireNonNull(moodId, "moodId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        if ((outcome == Outcome.PENDING) != reason.isPresent()) {
            throw new IllegalArgumentException("exactly a PENDING result has a reason");
        }
    }

    static SyncResult synced(MoodId id) {
        return new SyncResult(id, Outcome.SYNCED, Optional.empty(), Optional.empty());
    }

    static SyncResult noAccount(MoodId id) {
        return new SyncResult(id, Outcome.NO_ACCOUNT, Optional.empty(), Optional.empty());
    }

    static SyncResult pending(MoodId id, PendingReason reason, String detail) {
        return new SyncResult(id, Outcome.PENDING, Optional.of(reason), Optional.ofNullable(detail));
    }

    /**
     * Tells whether the PDS has the change.
     *
     * @return true for {@link Outcome#SYNCED}
     */
    public boolean isSynced() {
        return outcome == Outcome.SYNCED;
    }
}
