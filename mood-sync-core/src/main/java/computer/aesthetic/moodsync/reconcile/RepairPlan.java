package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The repair of one user's drift, as data: actions to review, print and then apply with {@link Repairer#apply},
 * and the items left alone with the reason. Making a plan writes nothing.
 *
 * <p>Rules ({@link Reconciler#plan}):
 * <ul>
 *   <li>{@link DriftKind#ERASED_USER_RECORD}: delete the record (conditional on its CID), whatever the policy; for a
 *       user fenced for erasure ({@link ReconcileReport#erasureFencedSince()}) every other item is left: nothing is
 *       written for them.</li>
 *   <li>Items of pending moods are left to the sync worker.</li>
 *   <li>{@link DriftKind#MISSING_ON_PDS}: create the record at {@code rkeyFor(id)} (or the fresh key the report
 *       names when another record stands there) and link it; {@link DriftKind#DANGLING_LINK}: recreate the record at
 *       the linked key.</li>
 *   <li>{@link DriftKind#UNLINKED}: link the record in the store; when its content differs, the content drift rule
 *       applies as well.</li>
 *   <li>{@link DriftKind#CONTENT_DRIFT}: by {@link RepairPolicy#contentDrift()}.</li>
 *   <li>{@link DriftKind#DUPLICATE}: delete (the report already chose the copy to keep: the one the store links,
 *       else the one at {@code rkeyFor(id)}, else the oldest).</li>
 *   <li>{@link DriftKind#DELETED_BUT_ON_PDS}: delete the record.</li>
 *   <li>{@link DriftKind#ORPHAN} and {@link DriftKind#INVALID_RECORD}: by policy.</li>
 *   <li>{@link DriftKind#FOREIGN_REF}: never touched.</li>
 *   <li>Deletions beyond {@link RepairPolicy#maxDeletes()} are held back ({@link #deletesHeldBack()}): run
 *       reconcile and plan again after applying.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class RepairPlan {
    /** How many action lines {@link #toString()} shows at most. */
    public static final int MAX_LINES = 1000;

    /**
     * An item the plan does not repair, and why.
     *
     * @param item the item
     * @param reason why it is left alone
     */
    public record Unrepaired(DriftItem item, String reason) {
        /** Validates presence. */
        public Unrepaired {
            Objects.requireNonNull(item, "item");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String toString() {
            return item + " -- left alone: " + reason;
        }
    }

    private final UserId user;
    private final Optional<Did> did;
    private final RepairPolicy policy;
    private final List<RepairAction> actions;
    private final List<Unrepaired> unrepaired;
    private final int deletesHeldBack;
    private final Instant plannedAt;
    private final String note;

    RepairPlan(UserId user, Optional<Did> did, RepairPolicy policy, List<RepairAction> actions,
            List<Unrepaired> unrepaired, int deletesHeldBack, Instant plannedAt, String note) {
        this.user = Objects.requireNonNull(user, "user");
        this.did = Objects.requireNonNull(did, "did");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.actions = List.copyOf(actions);
        this.unrepaired = List.copyOf(unrepaired);
        this.deletesHeldBack = deletesHeldBack;
        this.plannedAt = Objects.requireNonNull(plannedAt, "plannedAt");
        this.note = Objects.requireNonNull(note, "note");
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
     * Returns the user's repository, empty when the user has no account (the plan is then empty).
     *
     * @return the DID
     */
    public Optional<Did> did() {
        return did;
    }

    /**
     * Returns the policy the plan follows.
     *
     * @return the policy
     */
    public RepairPolicy policy() {
        return policy;
    }

    /**
     * Returns the actions, in the order they were planned ({@link Repairer} groups them into phases).
     *
     * @return the actions
     */
    public List<RepairAction> actions() {
        return actions;
    }

    /**
     * Returns the actions of one type.
     *
     * @param type the type
     * @return those actions
     */
    public List<RepairAction> actions(RepairAction.Type type) {
        Objects.requireNonNull(type, "type");
        return actions.stream().filter(a -> a.type() == type).toList();
    }

    /**
     * Returns how many actions there are of each type, zeros included.
     *
     * @return the counts
     */
    public Map<RepairAction.Type, Long> counts() {
        Map<RepairAction.Type, Long> m = new EnumMap<>(RepairAction.Type.class);
        for (RepairAction.Type t : RepairAction.Type.values()) {
            m.put(t, 0L);
        }
        for (RepairAction a : actions) {
            m.merge(a.type(), 1L, Long::sum);
        }
        return m;
    }

    /**
     * Returns the items left alone, with the reason (report-only policies, foreign records, pending moods, deletions
     * held back...).
     *
     * @return the items
     */
    public List<Unrepaired> unrepaired() {
        return unrepaired;
    }

    /**
     * Returns how many deletions were held back by {@link RepairPolicy#maxDeletes()}.
     *
     * @return the count
     */
    public int deletesHeldBack() {
        return deletesHeldBack;
    }

    /**
     * Returns the write budget points the plan costs at most.
     *
     * @return the points
     */
    public long points() {
        return actions.stream().mapToLong(RepairAction::points).sum();
    }

    /**
     * Tells whether there is nothing to do.
     *
     * @return true when there are no actions
     */
    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /**
     * Returns when the plan was made.
     *
     * @return the instant
     */
    public Instant plannedAt() {
        return plannedAt;
    }

    /** Returns a plan with only the actions {@code keep} accepts (rebuilds use part of a plan). */
    RepairPlan retain(Predicate<RepairAction> keep, String why) {
        List<RepairAction> kept = new ArrayList<>();
        for (RepairAction a : actions) {
            if (keep.test(a)) {
                kept.add(a);
            }
        }
        // Deletions held back by maxDeletes only count when the part kept deletes at all: a rebuild of the store,
        // which never deletes, has nothing to run again for.
        boolean deletes = kept.stream().anyMatch(a -> a.type() == RepairAction.Type.DELETE_RECORD);
        return new RepairPlan(user, did, policy, kept, unrepaired, deletes ? deletesHeldBack : 0, plannedAt,
                note.isEmpty() ? why : note + "; " + why);
    }

    /**
     * Returns a few lines: user, counts of actions, points, items left alone, deletions held back.
     *
     * @return the summary
     */
    public String summary() {
        StringBuilder b = new StringBuilder("repair plan for ").append(user)
                .append(did.map(d -> " (" + d + ")").orElse("")).append(": ");
        b.append(Words.count(actions.size(), "action")).append(", at most ").append(Words.count(points(), "write point"))
                .append("; ").append(Words.count(unrepaired.size(), "item")).append(" left alone");
        if (deletesHeldBack > 0) {
            b.append("; ").append(deletesHeldBack).append(" deletions held back by maxDeletes=")
                    .append(policy.maxDeletes()).append(" (run again after applying)");
        }
        if (!note.isEmpty()) {
            b.append("; ").append(note);
        }
        b.append("\n  policy: ").append(policy);
        counts().forEach((t, n) -> {
            if (n > 0) {
                b.append("\n  ").append(t).append(": ").append(n);
            }
        });
        return b.toString();
    }

    /**
     * Returns the summary, one line per action and one per item left alone (at most {@value #MAX_LINES} lines).
     *
     * @return the printable plan
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(summary());
        int lines = 0;
        String prefix = did.map(d -> "at://" + d + "/computer.aesthetic.mood/").orElse("");
        for (RepairAction a : actions) {
            if (lines++ >= MAX_LINES) {
                break;
            }
            b.append("\n  - ").append(a.type()).append(' ').append(prefix).append(a.rkey())
                    .append(a.moodId().map(id -> " mood=" + id).orElse("")).append(" (").append(a.cause())
                    .append("): ").append(a.why());
        }
        for (Unrepaired u : unrepaired) {
            if (lines++ >= MAX_LINES) {
                break;
            }
            b.append("\n  = ").append(u);
        }
        if (lines > MAX_LINES) {
            b.append("\n  ... ").append(actions.size() + unrepaired.size() - MAX_LINES).append(" more lines");
        }
        return b.toString();
    }
}
