package computer.aesthetic.moodsync.reconcile;

import java.time.Duration;

/**
 * Progress events of {@link Repairer}: override what you need, every method has a no-op default. Called on the
 * thread that applies the plan, while it holds the repository's lock: keep them quick, and do not throw (an
 * exception from a listener stops the run like a failed write).
 */
public interface RepairListener {
    /** A listener that does nothing. */
    RepairListener NONE = new RepairListener() {
    };

    /**
     * Applying a plan starts.
     *
     * @param plan the plan
     */
    default void started(RepairPlan plan) {
    }

    /**
     * An action took effect (or was found already done).
     *
     * @param action the action
     */
    default void applied(RepairAction action) {
    }

    /**
     * An action was skipped because the state changed since planning (the next reconcile will see it).
     *
     * @param action the action
     * @param reason why
     */
    default void skipped(RepairAction action, String reason) {
    }

    /**
     * A batch of PDS writes was sent.
     *
     * @param writes how many writes
     * @param points the write budget points charged
     */
    default void batch(int writes, int points) {
    }

    /**
     * The run waits for the write budget to reset.
     *
     * @param wait how long
     * @param reason why
     */
    default void waiting(Duration wait, String reason) {
    }

    /**
     * Applying a plan ended, completely or not.
     *
     * @param result the result
     */
    default void finished(RepairResult result) {
    }
}
