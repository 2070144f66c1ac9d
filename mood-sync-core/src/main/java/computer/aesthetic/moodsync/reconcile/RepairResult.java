package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Repairer#apply} did with a plan: actions applied, skipped (the state had changed) and left undone,
 * and why it stopped when it did not finish. Run reconcile, plan and apply again to finish: every action is
 * idempotent.
 *
 * <p>Immutable and thread-safe.
 */
public final class RepairResult {
    /** How the run ended. */
    public enum Status {
        /** Every action was applied or skipped. */
        COMPLETED,
        /** The write budget ran out and would not reset within the maximum wait; {@link #remaining()} is left. */
        BUDGET_EXHAUSTED,
        /** A write failed (or the run was interrupted); {@link #error()} says how, {@link #remaining()} is left. */
        FAILED,
        /** The user has no account (or another one than when planned): nothing was done. */
        NO_ACCOUNT
    }

    /**
     * An action that was not applied because the state had changed since planning.
     *
     * @param action the action
     * @param reason why it was skipped
     */
    public record Skipped(RepairAction action, String reason) {
        /** Validates presence. */
        public Skipped {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String toString() {
            return action + " -- skipped: " + reason;
        }
    }

    private final UserId user;
    private final Optional<Did> did;
    private final Status status;
    private final Map<RepairAction.Type, Long> applied;
    private final List<Skipped> skipped;
    private final List<RepairAction> remaining;
    private final Optional<String> error;
    private final long pointsSpent;
    private final int deletesHeldBack;
    private final Instant startedAt;
    private final Instant finishedAt;

    RepairResult(UserId user, Optional<Did> did, Status status, Map<RepairAction.Type, Long> applied,
            List<Skipped> skipped, List<RepairAction> remaining, Optional<String> error, long pointsSpent,
            int deletesHeldBack, Instant startedAt, Instant finishedAt) {
        this.user = Objects.requireNonNull(user, "user");
        this.did = Objects.requireNonNull(did, "did");
        this.status = Objects.requireNonNull(status, "status");
        Map<RepairAction.Type, Long> a = new EnumMap<>(RepairAction.Type.class);
        for (RepairAction.Type t : RepairAction.Type.values()) {
            a.put(t, applied.getOrDefault(t, 0L));
        }
        this.applied = Collections.unmodifiableMap(a);
        this.skipped = List.copyOf(skipped);
        this.remaining = List.copyOf(remaining);
        this.error = Objects.requireNonNull(error, "error");
        this.pointsSpent = pointsSpent;
        this.deletesHeldBack = deletesHeldBack;
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.finishedAt = Objects.requireNonNull(finishedAt, "finishedAt");
    }

    /**
     * Returns the user.
     *
     * @return the user
     */
    public UserId user() {
        return user;
    }

    /**
     * Returns the repository written, when the user has an account.
     *
     * @return the DID
     */
    public Optional<Did> did() {
        return did;
    }

    /**
     * Returns how the run ended.
     *
     * @return the status
     */
    public Status status() {
        return status;
    }

    /**
     * Tells whether every action was applied or skipped.
     *
     * @return true for {@link Status#COMPLETED}
     */
    public boolean isComplete() {
        return status == Status.COMPLETED;
    }

    /**
     * Returns how many actions of each type took effect (or were found already done), zeros included.
     *
     * @return the counts
     */
    public Map<RepairAction.Type, Long> applied() {
        return applied;
    }

    /**
     * Returns how many actions took effect in all.
     *
     * @return the count
     */
    public long appliedCount() {
        return applied.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Returns the actions skipped because the state had changed since planning.
     *
     * @return the skipped actions with reasons
     */
    public List<Skipped> skipped() {
        return skipped;
    }

    /**
     * Returns the actions not attempted because the run stopped.
     *
     * @return the actions left, empty when complete
     */
    public List<RepairAction> remaining() {
        return remaining;
    }

    /**
     * Returns why the run stopped early, when it did.
     *
     * @return the reason, without secrets
     */
    public Optional<String> error() {
        return error;
    }

    /**
     * Returns the write budget points charged by successful PDS writes.
     *
     * @return the points
     */
    public long pointsSpent() {
        return pointsSpent;
    }

    /**
     * Returns how many deletions the plan held back (see {@link RepairPlan#deletesHeldBack()}).
     *
     * @return the count
     */
    public int deletesHeldBack() {
        return deletesHeldBack;
    }

    /**
     * Returns when the run started.
     *
     * @return the instant
     */
    public Instant startedAt() {
        return startedAt;
    }

    /**
     * Returns when the run ended.
     *
     * @return the instant
     */
    public Instant finishedAt() {
        return finishedAt;
    }

    /**
     * Returns a few lines: status, counts, points, what is left and why.
     *
     * @return the summary
     */
    public String summary() {
        StringBuilder b = new StringBuilder("repair of ").append(user).append(did.map(d -> " (" + d + ")").orElse(""))
                .append(": ").append(status).append("; ").append(Words.count(appliedCount(), "action")).append(" applied, ")
                .append(skipped.size()).append(" skipped, ").append(remaining.size()).append(" left; ")
                .append(Words.count(pointsSpent, "write point")).append(" spent");
        if (deletesHeldBack > 0) {
            b.append("; ").append(deletesHeldBack).append(" deletions were held back by the plan: run again");
        }
        error.ifPresent(e -> b.append("\n  stopped: ").append(e));
        applied.forEach((t, n) -> {
            if (n > 0) {
                b.append("\n  ").append(t).append(": ").append(n);
            }
        });
        return b.toString();
    }

    /**
     * Returns the summary and the skipped actions.
     *
     * @return the printable result
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(summary());
        int shown = 0;
        for (Skipped s : skipped) {
            if (shown++ >= RepairPlan.MAX_LINES) {
                b.append("\n  ... ").append(skipped.size() - RepairPlan.MAX_LINES).append(" more skipped");
                break;
            }
            b.append("\n  ~ ").append(s);
        }
        return b.toString();
    }
}
