package computer.aesthetic.moodsync;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The durable marker of a PDS write that has not been confirmed yet, kept on the mood document itself (in
 * MongoDB the {@code atprotoSync} sub-document) and removed in the same update that records success.
 *
 * <p>{@link #token()} identifies one marker: a later change of the mood replaces the marker with a new token, so
 * a worker that finishes an older write cannot clear a newer one by mistake. Immutable and thread-safe.
 *
 * @param op what the PDS must be brought to
 * @param token identifies this marker; a new one is drawn at random whenever the marker is replaced
 * @param attempts how many PDS attempts have failed so far
 * @param nextAttemptAt when the work becomes due (millisecond precision)
 * @param lastError the last failure's description, without secrets, or empty
 * @param leaseOwner the worker holding the lease, or empty
 * @param leaseUntil when that lease expires, or empty
 * @param failed true when the mood was parked after too many attempts; a parked mood is never claimed until
 *     retried through the API
 */
public record PendingSync(SyncOp op, long token, int attempts, Instant nextAttemptAt, Optional<String> lastError,
        Optional<String> leaseOwner, Optional<Instant> leaseUntil, boolean failed) {

    /**
     * Validates the marker.
     *
     * @throws IllegalArgumentException if {@code attempts} is negative or only one of the lease fields is set
     */
    public PendingSync {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(leaseOwner, "leaseOwner");
        Objects.requireNonNull(leaseUntil, "leaseUntil");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, found " + attempts);
        }
        if (leaseOwner.isPresent() != leaseUntil.isPresent()) {
            throw new IllegalArgumentException("a lease needs both an owner and an expiry");
        }
        nextAttemptAt = nextAttemptAt.truncatedTo(ChronoUnit.MILLIS);
        leaseUntil = leaseUntil.map(t -> t.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * Starts a fresh marker with a new random token, no attempts, due at {@code dueAt}.
     *
     * @param op what the PDS must be brought to
     * @param dueAt when the work becomes due
     * @return the marker
     */
    public static PendingSync start(SyncOp op, Instant dueAt) {
        return new PendingSync(op, ThreadLocalRandom.current().nextLong(), 0, dueAt, Optional.empty(),
                Optional.empty(), Optional.empty(), false);
    }

    /**
     * Tells whether a worker holds an unexpired lease on this work at {@code now}.
     *
     * @param now the current time
     * @return true when leased and the lease has not expired
     */
    public boolean isLeased(Instant now) {
        return leaseUntil.isPresent() && leaseUntil.get().isAfter(now);
    }

    /**
     * Tells whether the work may be claimed at {@code now}: not parked, due, and not under a live lease.
     *
     * @param now the current time
     * @return true when claimable
     */
    public boolean isDue(Instant now) {
        return !failed && !nextAttemptAt.isAfter(now) && !isLeased(now);
    }

    /**
     * Returns this marker leased to {@code owner} until {@code until}.
     *
     * @param owner the worker's id
     * @param until the lease's expiry
     * @return the leased marker (same token)
     */
    public PendingSync leasedTo(String owner, Instant until) {
        return new PendingSync(op, token, attempts, nextAttemptAt, lastError, Optional.of(owner), Optional.of(until),
                failed);
    }
}
