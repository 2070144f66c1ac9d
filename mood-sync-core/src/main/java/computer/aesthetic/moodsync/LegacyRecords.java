package computer.aesthetic.moodsync;

import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The records of one repository that name a mood (issue 11, schedule 2): the origin may have written an unlinked
 * mood's record at a key the PDS chose and crashed before storing the link, so before writing such a mood the
 * writer looks its record up here and adopts it rather than writing a second one. The repository is listed lazily,
 * at most once per instance (one per worker pass and user, one per inline write), and only when a mood that may have
 * such a record ({@link #mayHave}) is written. Matching follows reconcile: a record belongs to the mood its
 * {@code ref} (or, without one, {@code mongoId}) names ({@link MoodRecords#namedMood}); a record naming two moods is
 * nobody's. Not thread-safe.
 */
final class LegacyRecords {
    private final AtprotoRepo repo;
    private final Did did;
    private Map<MoodId, List<RepoRecord>> byMood;
    private RuntimeException failure;

    LegacyRecords(AtprotoRepo repo, Did did) {
        this.repo = repo;
        this.did = did;
    }

    /**
     * Tells whether an unlinked mood may have a record written by someone else (the origin): true unless the mood
     * was posted through this library and is still in its first write ({@link SyncOp#CREATE} marker), whose only
     * possible records are at its own deterministic keys. Exact in the direction that matters: a CREATE marker is
     * put only by {@link MoodSyncService#post}, so every mood the origin wrote is looked up; a mood posted here and
     * changed before its first sync is looked up too (one listing, no harm).
     */
    static boolean mayHave(Mood mood) {
        return mood.rkey().isEmpty() && mood.pending().map(p -> p.op() != SyncOp.CREATE).orElse(true);
    }

    /**
     * Finds the record to adopt for a mood: among the records naming it and not linked to another mood in the
     * store, the one at {@link MoodRecords#rkeyFor}, else at its first fallback key, else the one with the least key.
     *
     * @throws computer.aesthetic.moodsync.PdsException if listing the repository failed (remembered for the pass)
     */
    Optional<RepoRecord> find(Mood mood, MoodStore store) {
        if (failure != null) {
            throw failure;
        }
        if (byMood == null) {
            Map<MoodId, List<RepoRecord>> index = new HashMap<>();
            try (Stream<RepoRecord> all = repo.listAll(did, MoodRecords.COLLECTION)) {
                all.forEach(r -> MoodRecords.namedMood(r.value())
                        .filter(id -> DefaultMoodSyncService.refersTo(r, id))
                        .ifPresent(id -> index.computeIfAbsent(id, k -> new ArrayList<>(1)).add(r)));
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
            byMood = index;
        }
        List<RepoRecord> candidates = byMood.getOrDefault(mood.id(), List.of());
        RepoRecord best = null;
        int bestRank = Integer.MAX_VALUE;
        for (RepoRecord r : candidates) {
            Optional<Mood> linked = store.findByRkey(mood.user(), r.rkey());
            if (linked.isPresent() && !linked.get().id().equals(mood.id())) {
                continue; // another mood claims the key: reconcile's to sort out, never written over here
            }
            int rank = rank(mood.id(), r.rkey());
            if (best == null || rank < bestRank
                    || rank == bestRank && r.rkey().value().compareTo(best.rkey().value()) < 0) {
                best = r;
                bestRank = rank;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int rank(MoodId id, RecordKey key) {
        for (int n = 0; n <= MoodRecords.FALLBACK_KEYS; n++) {
            if (MoodRecords.fallbackKey(id, n).equals(key)) {
                return n;
            }
        }
        return MoodRecords.FALLBACK_KEYS + 1;
    }
}
