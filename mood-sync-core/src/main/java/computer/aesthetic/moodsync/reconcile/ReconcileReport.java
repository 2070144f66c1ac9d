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
 * What {@link Reconciler#reconcile} found for one user: a count per {@link DriftKind} and the items.
 *
 * <p>Items: every item that is not {@link DriftKind#IN_SYNC} is listed; in-sync ones are only counted unless the
 * reconciler was built with {@code keepInSyncItems(true)}. Counts include the items of pending moods (moods with a
 * marker, whose drift is expected because the sync worker will write them); {@link #pendingCount()} says how many
 * of them there are, and {@link #isInSync()} does not count them as drift.
 *
 * <p>Immutable and thread-safe.
 */
public final class ReconcileReport {
    /** How far the reconciliation got. */
    public enum Status {
        /** Both sides were read and compared. */
        RECONCILED,
        /** The user has no ATProto account: nothing to compare; the moods are kept and counted. */
        NO_ACCOUNT
    }

    /** How many item lines {@link #toString()} shows at most. */
    public static final int MAX_LINES = 1000;

    private final UserId user;
    private final Optional<Did> did;
    private final Status status;
    private final Map<DriftKind, Long> counts;
    private final List<DriftItem> items;
    private final long moods;
    private final long records;
    private final long pendingCount;
    private final boolean inSyncItemsKept;
    private final Duration whenTolerance;
    private final Instant startedAt;
    private final Instant finishedAt;
    private final Optional<Instant> erasureFencedSince;

    ReconcileReport(UserId user, Optional<Did> did, Status status, Map<DriftKind, Long> counts, List<DriftItem> items,
            long moods, long records, long pendingCount, boolean inSyncItemsKept, Duration whenTolerance,
            Instant startedAt, Instant finishedAt, Optional<Instant> erasureFencedSince) {
        this.user = Objects.requireNonNull(user, "user");
        this.did = Objects.requireNonNull(did, "did");
        this.status = Objects.requireNonNull(status, "status");
        EnumMap<DriftKind, Long> c = new EnumMap<>(DriftKind.class);
        for (DriftKind k : DriftKind.values()) {
            c.put(k, counts.getOrDefault(k, 0L));
        }
        this.counts = Collections.unmodifiableMap(c);
        this.items = List.copyOf(items);
        this.moods = moods;
        this.records = records;
        this.pendingCount = pendingCount;
        this.inSyncItemsKept = inSyncItemsKept;
        this.whenTolerance = Objects.requireNonNull(whenTolerance, "whenTolerance");
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.finishedAt = Objects.requireNonNull(finishedAt, "finishedAt");
        this.erasureFencedSince = Objects.requireNonNull(erasureFencedSince, "erasureFencedSince");
    }

    /**
     * Returns since when the user is fenced for erasure (their tombstone,
     * {@link computer.aesthetic.moodsync.spi.MoodStore#fencedSince}), when they are: then every record of theirs is
     * {@link DriftKind#ERASED_USER_RECORD}, and a plan writes nothing for them, it only deletes those records.
     *
     * @return the tombstone's time, or empty when the user is not fenced
     */
    public Optional<Instant> erasureFencedSince() {
        return erasureFencedSince;
    }

    /**
     * Returns the user reconciled.
     *
     * @return the user
     */
    public UserId user() {
        return user;
    }

    /**
     * Returns the user's repository, when the user has an account.
     *
     * @return the DID, or empty for {@link Status#NO_ACCOUNT}
     */
    public Optional<Did> did() {
        return did;
    }

    /**
     * Returns how far the reconciliation got.
     *
     * @return the status
     */
    public Status status() {
        return status;
    }

    /**
     * Returns how many items of a kind were found (pending moods' items included).
     *
     * @param kind the kind
     * @return the count
     */
    public long count(DriftKind kind) {
        return counts.get(Objects.requireNonNull(kind, "kind"));
    }

    /**
     * Returns the count of every kind, zeros included, in declaration order.
     *
     * @return an unmodifiable map with every kind
     */
    public Map<DriftKind, Long> counts() {
        return counts;
    }

    /**
     * Returns the items: every item not in sync, and the in-sync ones only when kept.
     *
     * @return the items, moods first in id order, then records that belong to no mood
     */
    public List<DriftItem> items() {
        return items;
    }

    /**
     * Returns the items of one kind.
     *
     * @param kind the kind
     * @return those items
     */
    public List<DriftItem> items(DriftKind kind) {
        Objects.requireNonNull(kind, "kind");
        return items.stream().filter(i -> i.kind() == kind).toList();
    }

    /**
     * Returns how many moods the store listed for the user, deleted ones included.
     *
     * @return the count
     */
    public long moodCount() {
        return moods;
    }

    /**
     * Returns how many records the collection held.
     *
     * @return the count, 0 for {@link Status#NO_ACCOUNT}
     */
    public long recordCount() {
        return records;
    }

    /**
     * Returns how many items concern pending moods, whose drift is expected.
     *
     * @return the count
     */
    public long pendingCount() {
        return pendingCount;
    }

    /**
     * Tells whether in-sync items were kept in {@link #items()}.
     *
     * @return true when kept
     */
    public boolean inSyncItemsKept() {
        return inSyncItemsKept;
    }

    /**
     * Returns the tolerance on {@code when} the comparison used.
     *
     * @return the tolerance
     */
    public Duration whenTolerance() {
        return whenTolerance;
    }

    /**
     * Returns when the reconciliation started.
     *
     * @return the instant
     */
    public Instant startedAt() {
        return startedAt;
    }

    /**
     * Returns when the reconciliation finished.
     *
     * @return the instant
     */
    public Instant finishedAt() {
        return finishedAt;
    }

    /**
     * Returns how many items are drift: every item not in sync, except those of pending moods.
     *
     * @return the count
     */
    public long driftCount() {
        return items.stream().filter(i -> i.kind() != DriftKind.IN_SYNC && !i.pending()).count();
    }

    /**
     * Tells whether both sides agree: the user has an account and every item is in sync, apart from the expected
     * drift of pending moods. Report-only findings (a foreign record, an invalid one) make this false.
     *
     * @return true when in sync
     */
    public boolean isInSync() {
        return status == Status.RECONCILED && driftCount() == 0;
    }

    /**
     * Returns a few lines: user, DID, status, sizes and the non-zero counts.
     *
     * @return the summary
     */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append("reconcile ").append(user).append(did.map(d -> " (" + d + ")").orElse("")).append(": ");
        if (status == Status.NO_ACCOUNT) {
            return b.append("NO_ACCOUNT: the user has no ATProto account; ").append(moods)
                    .append(" moods kept in the store, nothing compared").toString();
        }
        b.append(isInSync() ? "in sync" : Words.count(driftCount(), "drift item")).append("; ")
                .append(Words.count(moods, "mood")).append(", ").append(Words.count(records, "record"));
        if (pendingCount > 0) {
            b.append(", ").append(Words.count(pendingCount, "item")).append(" of pending moods (drift expected)");
        }
        b.append(", when tolerance ").append(whenTolerance.toMillis()).append(" ms");
        erasureFencedSince.ifPresent(t -> b.append(", fenced for erasure since ").append(t));
        for (Map.Entry<DriftKind, Long> e : counts.entrySet()) {
            if (e.getValue() > 0) {
                b.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
            }
        }
        return b.toString();
    }

    /**
     * Returns the summary and then one line per item (at most {@value #MAX_LINES}).
     *
     * @return the printable report
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(summary());
        int shown = 0;
        for (DriftItem item : items) {
            if (shown++ == MAX_LINES) {
                b.append("\n  ... ").append(items.size() - MAX_LINES).append(" more items");
                break;
            }
            b.append("\n  - ").append(item);
        }
        return b.toString();
    }
}
