package computer.aesthetic.moodsync.ingest;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A snapshot of a {@link Follower}'s counters since it was built.
 *
 * @param events events handled (every kind)
 * @param applied changes applied to the store (edits, soft-deletes, imports)
 * @param echoes record operations skipped as our own writes, content the store already had, or superseded by a
 *     later commit
 * @param inFlight record operations left to a pending write of the mood
 * @param reported record operations only reported (by policy, invalid, another user's ref)
 * @param resyncs repositories resynced
 * @param cursor the last seq whose effects are stored, when any
 * @param lag the time from the PDS sequencing the last handled event to its handling, when known
 */
public record FollowerStats(long events, long applied, long echoes, long inFlight, long reported, long resyncs,
        OptionalLong cursor, Optional<Duration> lag) {
    /** Validates presence. */
    public FollowerStats {
        Objects.requireNonNull(cursor, "cursor");
        Objects.requireNonNull(lag, "lag");
    }
}
