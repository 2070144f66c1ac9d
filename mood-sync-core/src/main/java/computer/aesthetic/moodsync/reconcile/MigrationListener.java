package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.UserId;

/**
 * Progress events of {@link Migrator}: override what you need, every method has a no-op default.
 *
 * <p>Calls are made from the migration's worker threads but never concurrently: a listener needs no locking of its
 * own, and sees the events of one run in a consistent order (a user's {@code userStarted} before its
 * {@code userFinished}, {@code started} first and {@code finished} last). Keep them quick: workers wait for each
 * other while a listener runs. An exception thrown by a listener is ignored; it never stops the migration.
 */
public interface MigrationListener {
    /** A listener that does nothing. */
    MigrationListener NONE = new MigrationListener() {
    };

    /**
     * A run starts.
     *
     * @param users how many users it will go through
     * @param dryRun true for {@link Migrator#dryRun} (nothing is written)
     */
    default void started(int users, boolean dryRun) {
    }

    /**
     * A worker starts on a user.
     *
     * @param user the user
     */
    default void userStarted(UserId user) {
    }

    /**
     * A user is done, whatever the outcome.
     *
     * @param result what happened for the user
     * @param progress the run's progress, this user included
     */
    default void userFinished(MigrationReport.UserResult result, MigrationProgress progress) {
    }

    /**
     * The run ended (completely, or interrupted).
     *
     * @param report the final report
     */
    default void finished(MigrationReport report) {
    }
}
