package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Migrator} run did: one {@link UserResult} per user, in the order the users were taken, and the final
 * {@link MigrationProgress}. Users without an ATProto account are listed ({@link Outcome#NO_ACCOUNT}), not failed;
 * a user whose migration failed is {@link Outcome#FAILED} with the error, and the others were migrated all the same.
 * To finish what is left ({@link #isComplete()} false), run the migration again: it resumes by construction.
 *
 * <p>Immutable and thread-safe.
 */
public final class MigrationReport {
    /** How many user lines {@link #toString()} shows at most. */
    public static final int MAX_LINES = 1000;

    /** What happened for one user. */
    public enum Outcome {
        /** The plan was applied completely: the user's records now mirror their moods. */
        MIGRATED,
        /** Nothing to do: already migrated (report-only drift such as foreign or invalid records may remain). */
        IN_SYNC,
        /** Dry run: the plan was made, nothing was written. */
        PLANNED,
        /**
         * Part of the plan was applied: the write budget ran out, or deletions were held back by
         * {@link RepairPolicy#maxDeletes()}. Run again to finish.
         */
        PARTIAL,
        /** The user has no ATProto account: the moods are kept in the store, nothing was compared or written. */
        NO_ACCOUNT,
        /** Reconciling or applying failed (the PDS or the store): {@link UserResult#error()} says how. */
        FAILED,
        /** The run was interrupted before this user was started. */
        NOT_RUN
    }

    /**
     * One user's outcome.
     *
     * @param user the user
     * @param did the user's repository, when the user has an account
     * @param outcome what happened
     * @param moods the user's moods in the store, deleted ones included (0 when not reconciled)
     * @param records the records of the user's collection before the run (0 when not reconciled)
     * @param actions for a dry run, the planned actions by type; otherwise the applied ones (zeros included)
     * @param plannedPoints the write budget points the plan costs at most
     * @param pointsSpent the write budget points spent (0 for a dry run)
     * @param skipped actions skipped because the state changed while migrating (the next run sees them)
     * @param leftAlone drift items the plan does not repair (report-only policies, foreign records, pending moods)
     * @param deletesHeldBack deletions held back by {@link RepairPolicy#maxDeletes()}
     * @param error why the user failed or is partial, when it did
     * @param elapsed how long the user took
     */
    public record UserResult(UserId user, Optional<Did> did, Outcome outcome, long moods, long records,
            Map<RepairAction.Type, Long> actions, long plannedPoints, long pointsSpent, int skipped, int leftAlone,
            int deletesHeldBack, Optional<String> error, Duration elapsed) {

        /** Validates presence and copies the action counts, every type included. */
        public UserResult {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(did, "did");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(actions, "actions");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(elapsed, "elapsed");
            Map<RepairAction.Type, Long> all = new EnumMap<>(RepairAction.Type.class);
            for (RepairAction.Type t : RepairAction.Type.values()) {
                all.put(t, actions.getOrDefault(t, 0L));
            }
            actions = Collections.unmodifiableMap(all);
        }

        /**
         * Returns how many records were created or rewritten (or, for a dry run, would be).
         *
         * @return creates, puts and text updates
         */
        public long recordsWritten() {
            return actions.get(RepairAction.Type.CREATE_RECORD) + actions.get(RepairAction.Type.PUT_RECORD)
                    + actions.get(RepairAction.Type.UPDATE_MOOD_TEXT);
        }

        /**
         * Returns how many records were deleted (or, for a dry run, would be).
         *
         * @return deletes
         */
        public long recordsDeleted() {
            return actions.get(RepairAction.Type.DELETE_RECORD);
        }

        /**
         * Returns how many moods were linked to existing records or imported (or, for a dry run, would be).
         *
         * @return links and imports
         */
        public long linked() {
            return actions.get(RepairAction.Type.LINK) + actions.get(RepairAction.Type.IMPORT_MOOD);
        }

        /**
         * Returns one line: outcome, user, DID, counts and the error.
         *
         * @return the line
         */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(outcome.name()).append(' ').append(user);
            did.ifPresent(d -> b.append(" (").append(d).append(')'));
            b.append(": ").append(moods).append(" moods");
            if (outcome != Outcome.NO_ACCOUNT && outcome != Outcome.NOT_RUN) {
                b.append(", ").append(records).append(" records before");
            }
            if (recordsWritten() + recordsDeleted() + linked() > 0) {
                String verb = outcome == Outcome.PLANNED ? "; would write " : "; wrote ";
                b.append(verb).append(recordsWritten()).append(", delete ").append(recordsDeleted())
                        .append(", link ").append(linked());
            }
            if (outcome == Outcome.PLANNED) {
                b.append("; at most ").append(plannedPoints).append(" points");
            } else if (pointsSpent > 0) {
                b.append("; ").append(pointsSpent).append(" points");
            }
            if (skipped > 0) {
                b.append("; ").append(skipped).append(" skipped (changed meanwhile)");
            }
            if (leftAlone > 0) {
                b.append("; ").append(Words.count(leftAlone, "item")).append(" left alone");
            }
            if (deletesHeldBack > 0) {
                b.append("; ").append(deletesHeldBack).append(" deletions held back");
            }
            error.ifPresent(e -> b.append(" -- ").append(e));
            return b.toString();
        }
    }

    private final boolean dryRun;
    private final List<UserResult> users;
    private final MigrationProgress progress;
    private final Instant startedAt;
    private final Instant finishedAt;

    MigrationReport(boolean dryRun, List<UserResult> users, MigrationProgress progress, Instant startedAt,
            Instant finishedAt) {
        this.dryRun = dryRun;
        this.users = List.copyOf(users);
        this.progress = Objects.requireNonNull(progress, "progress");
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.finishedAt = Objects.requireNonNull(finishedAt, "finishedAt");
    }

    /**
     * Tells whether this was a dry run (nothing written).
     *
     * @return true for {@link Migrator#dryRun}
     */
    public boolean dryRun() {
        return dryRun;
    }

    /**
     * Returns every user's result, in the order the users were taken.
     *
     * @return the results
     */
    public List<UserResult> users() {
        return users;
    }

    /**
     * Returns the results with one outcome.
     *
     * @param outcome the outcome
     * @return those results
     */
    public List<UserResult> users(Outcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        return users.stream().filter(u -> u.outcome() == outcome).toList();
    }

    /**
     * Returns the result of one user.
     *
     * @param user the user
     * @return the result, or empty when the user was not part of the run
     */
    public Optional<UserResult> user(UserId user) {
        Objects.requireNonNull(user, "user");
        return users.stream().filter(u -> u.user().equals(user)).findFirst();
    }

    /**
     * Returns how many users had each outcome, zeros included.
     *
     * @return the counts
     */
    public Map<Outcome, Long> counts() {
        Map<Outcome, Long> m = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            m.put(o, 0L);
        }
        for (UserResult u : users) {
            m.merge(u.outcome(), 1L, Long::sum);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Returns the users without an ATProto account.
     *
     * @return the users
     */
    public List<UserId> usersWithoutAccount() {
        return users(Outcome.NO_ACCOUNT).stream().map(UserResult::user).toList();
    }

    /**
     * Returns the users that failed, with their errors.
     *
     * @return the results
     */
    public List<UserResult> failures() {
        return users(Outcome.FAILED);
    }

    /**
     * Tells whether nothing is left to do: no user failed, is partial or was not run. Users without an account do not
     * count against it; in a dry run, users with a plan do.
     *
     * @return true when complete
     */
    public boolean isComplete() {
        return users.stream().allMatch(u -> u.outcome() == Outcome.MIGRATED || u.outcome() == Outcome.IN_SYNC
                || u.outcome() == Outcome.NO_ACCOUNT);
    }

    /**
     * Returns the final progress: totals of the run.
     *
     * @return the progress
     */
    public MigrationProgress progress() {
        return progress;
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
     * Returns when the run finished.
     *
     * @return the instant
     */
    public Instant finishedAt() {
        return finishedAt;
    }

    /**
     * Returns a few lines: the totals, the counts by outcome, and what to do next.
     *
     * @return the summary
     */
    public String summary() {
        StringBuilder b = new StringBuilder(dryRun ? "migration dry run (nothing written): " : "migration: ")
                .append(progress);
        counts().forEach((o, n) -> {
            if (n > 0) {
                b.append("\n  ").append(o).append(": ").append(n);
            }
        });
        if (dryRun) {
            long points = users.stream().mapToLong(UserResult::plannedPoints).sum();
            b.append("\n  planned: at most ").append(points).append(" write points");
        }
        if (!usersWithoutAccount().isEmpty()) {
            b.append("\n  without an ATProto account (moods kept, not migrated): ").append(usersWithoutAccount());
        }
        if (!dryRun && !isComplete()) {
            b.append("\n  not complete: run the migration again to finish (it resumes where it stopped)");
        }
        return b.toString();
    }

    /**
     * Returns the summary and then one line per user (at most {@value #MAX_LINES}).
     *
     * @return the printable report
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(summary());
        int shown = 0;
        for (UserResult u : users) {
            if (shown++ == MAX_LINES) {
                b.append("\n  ... ").append(users.size() - MAX_LINES).append(" more users");
                break;
            }
            b.append("\n  - ").append(u);
        }
        return b.toString();
    }
}
