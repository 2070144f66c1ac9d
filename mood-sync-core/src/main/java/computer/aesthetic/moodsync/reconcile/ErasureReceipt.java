package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Proof of an erasure ({@link Repairer#erase}): what was deleted on both sides, when, and what a fresh read of both
 * sides found afterwards. {@link #verified()} is true only when both were read again and found empty.
 *
 * <p>Immutable and thread-safe.
 *
 * @param user the user erased
 * @param did the user's repository, empty when the user had no account (only the store was erased)
 * @param recordsDeleted records of the {@code computer.aesthetic.mood} collection deleted (duplicates, orphans and
 *     invalid ones included)
 * @param moodsDeleted mood documents removed from the store (deleted moods and malformed documents included)
 * @param startedAt when the erasure started
 * @param finishedAt when it finished
 * @param recordsRemaining records found by the verifying listing, empty when the listing failed (or there is no
 *     account: then 0)
 * @param moodsRemaining moods and malformed documents of the user found by the verifying read of the store
 * @param verified true when both sides were read again and are empty
 * @param accountDeletionRequested true when the account was to be deleted too
 * @param accountDeleted true when the account was deleted
 * @param notes what went wrong or needs attention, empty when nothing did
 */
public record ErasureReceipt(UserId user, Optional<Did> did, long recordsDeleted, long moodsDeleted,
        Instant startedAt, Instant finishedAt, OptionalLong recordsRemaining, long moodsRemaining, boolean verified,
        boolean accountDeletionRequested, boolean accountDeleted, List<String> notes) {

    /** Validates presence and copies the notes. */
    public ErasureReceipt {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(did, "did");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(recordsRemaining, "recordsRemaining");
        notes = List.copyOf(notes);
    }

    /**
     * Returns a printable receipt.
     *
     * @return the receipt
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("erasure of ").append(user).append(did.map(d -> " (" + d + ")")
                .orElse(" (no ATProto account)")).append(": ").append(verified ? "VERIFIED" : "NOT VERIFIED")
                .append("\n  records deleted: ").append(recordsDeleted)
                .append("\n  moods deleted: ").append(moodsDeleted)
                .append("\n  records remaining: ")
                .append(recordsRemaining.isPresent() ? String.valueOf(recordsRemaining.getAsLong()) : "unknown")
                .append("\n  moods remaining: ").append(moodsRemaining)
                .append("\n  account deleted: ").append(accountDeleted ? "yes"
                        : accountDeletionRequested ? "NO (requested)" : "no (not requested)")
                .append("\n  started ").append(startedAt).append(", finished ").append(finishedAt);
        for (String n : notes) {
            b.append("\n  note: ").append(n);
        }
        return b.toString();
    }
}
