package computer.aesthetic.moodsync.reconcile;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a {@link Migrator} run's progress, as passed to {@link MigrationListener#userFinished}. Counts cover
 * the users finished so far. Immutable and thread-safe.
 *
 * @param usersTotal how many users the run goes through
 * @param usersDone how many are finished, whatever their outcome
 * @param usersFailed how many of those failed ({@link MigrationReport.Outcome#FAILED})
 * @param usersWithoutAccount how many of those have no ATProto account ({@link MigrationReport.Outcome#NO_ACCOUNT})
 * @param moodsSeen the moods of the finished users, deleted ones included
 * @param recordsWritten records created or rewritten on the PDS
 * @param recordsDeleted records deleted on the PDS
 * @param pointsSpent write budget points spent (create 3, update 2, delete 1)
 * @param elapsed time since the run started
 * @param eta the estimated time left, from the mean time per finished user; empty until a user is finished
 */
public record MigrationProgress(int usersTotal, int usersDone, int usersFailed, int usersWithoutAccount,
        long moodsSeen, long recordsWritten, long recordsDeleted, long pointsSpent, Duration elapsed,
        Optional<Duration> eta) {

    /**
     * Validates the snapshot.
     *
     * @throws IllegalArgumentException if a count is negative or more users are done than there are
     */
    public MigrationProgress {
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(eta, "eta");
        if (usersTotal < 0 || usersDone < 0 || usersDone > usersTotal || usersFailed < 0 || usersWithoutAccount < 0
                || moodsSeen < 0 || recordsWritten < 0 || recordsDeleted < 0 || pointsSpent < 0) {
            throw new IllegalArgumentException("counts must be >= 0 and usersDone <= usersTotal, found usersDone="
                    + usersDone + ", usersTotal=" + usersTotal);
        }
    }

    /**
     * Returns the share of users finished.
     *
     * @return 0.0 to 1.0 (1.0 for a run without users)
     */
    public double fraction() {
        return usersTotal == 0 ? 1.0 : (double) usersDone / usersTotal;
    }

    /**
     * Estimates the time left from the time per finished user so far.
     *
     * @param usersTotal the users of the run
     * @param usersDone the users finished
     * @param elapsed the time since the start
     * @return the estimate, empty when no user is finished yet
     */
    static Optional<Duration> estimate(int usersTotal, int usersDone, Duration elapsed) {
        if (usersDone == 0) {
            return Optional.empty();
        }
        return Optional.of(elapsed.multipliedBy(usersTotal - usersDone).dividedBy(usersDone));
    }

    /**
     * Returns one line, such as {@code users 12/30 (40%), 1 failed, 4 without account; moods 1234; records written
     * 456, deleted 12; points 1380; elapsed 0:01:02, ETA 0:01:33}.
     *
     * @return the line
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("users ").append(usersDone).append('/').append(usersTotal)
                .append(" (").append(Math.round(fraction() * 100)).append("%)");
        if (usersFailed > 0) {
            b.append(", ").append(usersFailed).append(" failed");
        }
        if (usersWithoutAccount > 0) {
            b.append(", ").append(usersWithoutAccount).append(" without account");
        }
        b.append("; moods ").append(moodsSeen).append("; records written ").append(recordsWritten)
                .append(", deleted ").append(recordsDeleted).append("; points ").append(pointsSpent)
                .append("; elapsed ").append(clock(elapsed));
        eta.ifPresent(e -> b.append(", ETA ").append(clock(e)));
        return b.toString();
    }

    /** Formats a duration as {@code H:MM:SS}. */
    static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
