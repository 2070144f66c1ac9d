package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.InvalidRecordException;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Turns a report into a plan; see {@link RepairPlan} for the rules. Stateless. */
final class Planner {
    private Planner() {
    }

    static RepairPlan plan(ReconcileReport report, RepairPolicy policy, Instant now) {
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(policy, "policy");
        if (report.status() == ReconcileReport.Status.NO_ACCOUNT) {
            return new RepairPlan(report.user(), Optional.empty(), policy, List.of(), List.of(), 0, now,
                    "NO_ACCOUNT: the user has no ATProto account; nothing to repair");
        }
        Builder b = new Builder(report.user(), policy, report.erasureFencedSince().isPresent());
        for (DriftItem item : report.items()) {
            b.add(item);
        }
        return new RepairPlan(report.user(), report.did(), policy, b.actions, b.unrepaired, b.heldBack, now, "");
    }

    private static final class Builder {
        final UserId user;
        final RepairPolicy policy;
        final List<RepairAction> actions = new ArrayList<>();
        final List<RepairPlan.Unrepaired> unrepaired = new ArrayList<>();
        int deletes;
        int heldBack;
        /** The user is fenced for erasure: nothing is written for them, their records are deleted. */
        final boolean erased;

        Builder(UserId user, RepairPolicy policy, boolean erased) {
            this.user = user;
            this.policy = policy;
            this.erased = erased;
        }

        void add(DriftItem item) {
            if (item.kind() == DriftKind.IN_SYNC) {
                return;
            }
            if (item.kind() == DriftKind.ERASED_USER_RECORD) {
                delete(item, "the user is fenced for erasure: nothing of theirs is kept");
                return;
            }
            if (erased) {
                leave(item, "the user is fenced for erasure: nothing is written for them; run erase to finish");
                return;
            }
            if (item.pending()) {
                leave(item, "the mood is pending: the sync worker will write it; reconcile again afterwards");
                return;
            }
            switch (item.kind()) {
                case MISSING_ON_PDS -> {
                    if (item.rkey().isEmpty()) {
                        leave(item, "rkeyFor(id) and all " + MoodRecords.FALLBACK_KEYS + " fallback keys hold other"
                                + " records: no key left to create the record at");
                    } else {
                        create(item, "no record on the PDS: create it at " + item.rkey().get() + " (if still absent)"
                                + " and link it");
                    }
                }
                case DANGLING_LINK -> create(item, "the linked record is gone: recreate it at the same key "
                        + item.rkey().orElseThrow());
                case UNLINKED -> {
                    actions.add(new RepairAction(RepairAction.Type.LINK, item.moodId(), item.rkey().orElseThrow(),
                            item.recordCid(), Optional.empty(), Optional.empty(), item.kind(),
                            "the record mirrors the mood: link it in the store"));
                    if (item.contentDiffers()) {
                        drift(item);
                    }
                }
                case CONTENT_DRIFT -> drift(item);
                case DUPLICATE -> delete(item, "a further copy of the mood's record");
                case DELETED_BUT_ON_PDS -> delete(item, "the mood is deleted in the store");
                case ORPHAN -> orphan(item);
                case FOREIGN_REF -> leave(item, "the record names another user's mood: never touched");
                case UNREADABLE_MOOD -> leave(item, "the record belongs to a mood the store cannot read: never"
                        + " touched; fix the document, then reconcile again");
                case INVALID_RECORD -> {
                    if (item.mood().isPresent()) {
                        // The mood's own record: rewritten in place whatever the policy; never deleted as invalid.
                        Mood mood = item.mood().get();
                        if (!mood.rkey().equals(item.rkey())) {
                            actions.add(new RepairAction(RepairAction.Type.LINK, item.moodId(),
                                    item.rkey().orElseThrow(), item.recordCid(), Optional.empty(), Optional.empty(),
                                    item.kind(), "the invalid record is this mood's: link it in the store"));
                        }
                        put(item, mood, "the mood's record breaks the lexicon: rewrite it in place from the store"
                                + " (only if it still has the CID seen)");
                    } else if (policy.invalidRecords() == RepairPolicy.InvalidRecords.DELETE) {
                        delete(item, "the record breaks the lexicon (policy: delete invalid records)");
                    } else {
                        leave(item, "policy: report invalid records");
                    }
                }
                default -> throw new IllegalStateException("unexpected kind " + item.kind());
            }
        }

        private void create(DriftItem item, String why) {
            Mood mood = item.mood().orElseThrow();
            List<String> problems = MoodRecords.textProblems(mood.text());
            if (!problems.isEmpty()) {
                leave(item, "the mood's text cannot be a record: " + String.join("; ", problems));
                return;
            }
            actions.add(new RepairAction(RepairAction.Type.CREATE_RECORD, item.moodId(), item.rkey().orElseThrow(),
                    Optional.empty(), Optional.of(mood), Optional.empty(), item.kind(), why));
        }

        private void drift(DriftItem item) {
            Mood mood = item.mood().orElseThrow();
            switch (policy.contentDrift()) {
                case REPORT -> leave(item, "policy: report content drift");
                case STORE_WINS -> put(item, mood, "the store wins: write the mood over the record");
                case PDS_WINS -> {
                    if (item.record().isEmpty()) {
                        leave(item, "the record changed or vanished while reconciling: reconcile again");
                        return;
                    }
                    MoodRecord r = item.record().get();
                    if (r.text().equals(mood.text())) {
                        put(item, mood, "the PDS wins but only the time differs, which the store cannot change:"
                                + " write the store's time to the record");
                    } else {
                        actions.add(new RepairAction(RepairAction.Type.UPDATE_MOOD_TEXT, item.moodId(),
                                item.rkey().orElseThrow(), item.recordCid(), Optional.of(mood),
                                Optional.of(r.text()), item.kind(),
                                "the PDS wins: take the record's text into the store, then rewrite the record"));
                    }
                }
                default -> throw new IllegalStateException("unexpected rule " + policy.contentDrift());
            }
        }

        private void put(DriftItem item, Mood mood, String why) {
            List<String> problems = MoodRecords.textProblems(mood.text());
            if (!problems.isEmpty()) {
                leave(item, "the mood's text cannot be a record: " + String.join("; ", problems));
                return;
            }
            actions.add(new RepairAction(RepairAction.Type.PUT_RECORD, item.moodId(), item.rkey().orElseThrow(),
                    item.recordCid(), Optional.of(mood), Optional.empty(), item.kind(), why));
        }

        private void delete(DriftItem item, String why) {
            if (deletes >= policy.maxDeletes()) {
                heldBack++;
                leave(item, "held back: the plan reached maxDeletes=" + policy.maxDeletes());
                return;
            }
            deletes++;
            actions.add(new RepairAction(RepairAction.Type.DELETE_RECORD, item.moodId(), item.rkey().orElseThrow(),
                    item.recordCid(), Optional.empty(), Optional.empty(), item.kind(), why));
        }

        private void orphan(DriftItem item) {
            switch (policy.orphans()) {
                case REPORT -> leave(item, "policy: report orphans");
                case DELETE -> delete(item, "an orphan record (policy: delete orphans)");
                case IMPORT -> importOrphan(item);
                default -> throw new IllegalStateException("unexpected rule " + policy.orphans());
            }
        }

        private void importOrphan(DriftItem item) {
            if (item.record().isEmpty()) {
                leave(item, "the record changed or vanished while reconciling: reconcile again");
                return;
            }
            MoodRecord r = item.record().get();
            Instant when = r.when().instant();
            // The ref names no mood at all (else this would not be an orphan): the mood comes back with its id.
            // Without a ref, a fresh id; the mood is linked to the record, so a re-run finds it by its link.
            MoodId id = item.moodId().orElseGet(() -> freshId(when));
            Mood mood = new Mood(id, user, r.text(), when, false, item.rkey(), Optional.empty());
            actions.add(new RepairAction(RepairAction.Type.IMPORT_MOOD, Optional.of(id), item.rkey().orElseThrow(),
                    item.recordCid(), Optional.of(mood), Optional.empty(), item.kind(),
                    "import the orphan record as mood " + id + (item.moodId().isPresent() ? " (its ref)" : " (fresh id)")
                            + ", linked to it"));
            Optional<Cid> canonical = canonicalCid(mood);
            if (canonical.isPresent() && !canonical.equals(item.recordCid())) {
                actions.add(new RepairAction(RepairAction.Type.PUT_RECORD, Optional.of(id), item.rkey().orElseThrow(),
                        item.recordCid(), Optional.of(mood), Optional.empty(), item.kind(),
                        "rewrite the imported record in the canonical form, with ref " + id));
            }
        }

        private void leave(DriftItem item, String reason) {
            unrepaired.add(new RepairPlan.Unrepaired(item, reason));
        }
    }

    private static MoodId freshId(Instant when) {
        try {
            return MoodId.generate(when);
        } catch (IllegalArgumentException e) {
            return MoodId.generate();
        }
    }

    private static Optional<Cid> canonicalCid(Mood m) {
        try {
            return Optional.of(MoodRecords.cidOf(m));
        } catch (InvalidRecordException e) {
            return Optional.empty();
        }
    }
}
