package computer.aesthetic.moodsync.spi;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The host's database of moods: the source of truth, and the durable home of pending PDS writes.
 *
 * <p>Contract, checked by {@code MoodStoreContract}:
 * <ul>
 *   <li>Implementations are thread-safe and safe to share between app instances on one database: every method is
 *       atomic on one mood (single-document atomicity; no transactions needed).</li>
 *   <li>Methods that take a marker token ({@link #completeSync}, {@link #reschedule}) act only while the mood still
 *       carries that marker, so a finished old write can never clear a newer pending change.</li>
 *   <li>A writer writes a mood to the PDS only while it holds the mood's lease ({@link #claimDue} or
 *       {@link #tryLease}); {@link #change} keeps a held lease, and only completing or rescheduling releases it.
 *       Together this keeps one writer per mood across app instances.</li>
 *   <li>Leases are judged by ONE clock, the store's (the database server's time in MongoDB): a lease taken for a
 *       duration {@code d} runs until the store's time plus {@code d}, and is live while the store's time is before
 *       that, whatever the callers' clocks say. So app instances whose clocks disagree never take each other's live
 *       leases. The times callers pass ({@code now}) only decide which work is due ({@code nextAttemptAt <= now});
 *       the {@code leaseUntil} of a returned marker is in the store's time, so callers must not compare it with
 *       their own clocks.</li>
 *   <li>Record keys are unique across moods: linking a second mood to the same {@code rkey} is a
 *       {@link computer.aesthetic.moodsync.StoreConflictException}.</li>
 *   <li>Failures are {@link computer.aesthetic.moodsync.StoreException}s naming the operation.</li>
 *   <li>Streams hold database cursors: close them (try-with-resources). They do not load everything into memory.</li>
 * </ul>
 */
public interface MoodStore {
    /**
     * Inserts a new mood, with its pending marker, in one write.
     *
     * @param mood the mood
     * @throws computer.aesthetic.moodsync.StoreConflictException if a mood with this id exists, or its rkey is
     *     linked to another mood
     */
    void insert(Mood mood);

    /**
     * Inserts a mood unless one with its id exists (rebuilding the store from records).
     *
     * @param mood the mood
     * @return true when inserted, false when a mood with this id existed (it is left untouched)
     * @throws computer.aesthetic.moodsync.StoreConflictException if its rkey is linked to another mood
     */
    boolean insertIfAbsent(Mood mood);

    /**
     * Finds a mood by id, deleted or not.
     *
     * @param id the id
     * @return the mood, or empty
     */
    Optional<Mood> find(MoodId id);

    /**
     * Finds several moods at once (one round trip where the store allows), deleted or not; ids without a mood (or
     * with a malformed document) are absent from the result.
     *
     * @param ids the ids
     * @return the moods found, by id
     */
    default java.util.Map<MoodId, Mood> findAll(java.util.Collection<MoodId> ids) {
        java.util.Map<MoodId, Mood> found = new java.util.HashMap<>();
        for (MoodId id : ids) {
            find(id).ifPresent(m -> found.put(id, m));
        }
        return found;
    }

    /**
     * Finds a stored document with this id that cannot be read as a mood (see {@link #listMalformed}), whatever its
     * user. Reconcile uses it so that a record naming such a document is known to belong to a mood and is never
     * taken for an orphan.
     *
     * <p>The default implementation scans {@link #listMalformed} for all users; implementations should look the id
     * up directly.
     *
     * @param id the id
     * @return the malformed document, or empty when there is none (no document, or one that reads as a mood)
     */
    default Optional<MalformedMood> findMalformed(MoodId id) {
        try (Stream<MalformedMood> all = listMalformed(Optional.empty())) {
            return all.filter(m -> m.id().equals(id.toString())).findFirst();
        }
    }

    /**
     * Finds the mood linked to a record key.
     *
     * @param user the mood's user
     * @param rkey the record key
     * @return the mood, or empty
     */
    Optional<Mood> findByRkey(UserId user, RecordKey rkey);

    /**
     * Streams a user's moods in ascending id order, deleted ones included. Malformed documents are skipped
     * (see {@link #listMalformed}).
     *
     * @param user the user
     * @return the moods; close the stream
     */
    Stream<Mood> listByUser(UserId user);

    /**
     * Streams the distinct users who have moods, in ascending order.
     *
     * @return the users; close the stream
     */
    Stream<UserId> listUsers();

    /**
     * Streams the documents that cannot be read as moods.
     *
     * @param user only this user's documents, or empty for all
     * @return the malformed documents; close the stream
     */
    Stream<MalformedMood> listMalformed(Optional<UserId> user);

    /**
     * Streams every mood with a pending marker (parked ones included), oldest due first.
     *
     * @param user only this user's, or empty for all
     * @return the moods; close the stream
     */
    Stream<Mood> listPending(Optional<UserId> user);

    /**
     * Applies a change and replaces the pending marker, atomically. The new marker's op, token, attempts, due time,
     * last error and parked flag replace the old ones, but a lease held on the old marker is kept: a writer whose
     * PDS call is in flight keeps the mood until it reports back through {@link #completeSync} or
     * {@link #reschedule}, which release it, so two writes of one mood never race.
     *
     * @param id the mood
     * @param change the change (its marker's lease fields are ignored)
     * @return the mood after the change
     * @throws computer.aesthetic.moodsync.NoSuchMoodException if there is no such mood
     */
    Mood change(MoodId id, MoodChange change);

    /**
     * Takes the lease on a mood's marker for an immediate write, whether or not the work is due: succeeds when the
     * mood has a marker that is not parked and whose lease is free, expired, or already {@code owner}'s. Expiry is
     * judged, and the new lease's expiry set, by the store's clock: the lease runs {@code until - now} from the
     * store's time.
     *
     * @param id the mood
     * @param owner the writer's id
     * @param now the current time by the caller's clock
     * @param until the lease's expiry by the caller's clock (only {@code until - now}, the length, is used)
     * @return the mood with the lease, or empty when there is no marker or another writer holds it
     */
    Optional<Mood> tryLease(MoodId id, String owner, Instant now, Instant until);

    /**
     * Records that the PDS write of marker {@code token} succeeded: links {@code rkey} when given, removes the
     * marker if (and only if) it still has {@code token}, and otherwise releases {@code owner}'s lease on the newer
     * marker so that work becomes claimable. The link is set even when the marker has moved on, because the
     * record does exist. When the marker is removed, the recorded CID ({@link Mood#recordCid()}) is forgotten, since
     * this form does not say what was written; the write path uses the fenced
     * {@link #completeSync(MoodId, long, String, Optional, Optional, Instant)}.
     *
     * @param id the mood
     * @param token the marker's token
     * @param owner the writer that made the write
     * @param rkey the record key now holding the mood's record, or empty to leave the link as it is
     * @return true when the marker was removed
     */
    boolean completeSync(MoodId id, long token, String owner, Optional<RecordKey> rkey);

    /**
     * Records that the PDS write of marker {@code token} succeeded, and the CID of the record it left: the fenced
     * form of {@link #completeSync(MoodId, long, String, Optional)}, which the write path uses.
     * <ul>
     *   <li>While the mood still carries marker {@code token}: links {@code rkey} when given, records {@code cid}
     *       as the record's CID ({@link Mood#recordCid()}; removed when empty, after a delete), removes the marker
     *       and returns true.</li>
     *   <li>Otherwise the write was superseded: links {@code rkey} when given (the record exists), leaves the
     *       recorded CID alone, and returns false. When a newer marker exists, {@code owner}'s lease on it is
     *       released; when the mood has no marker at all (a newer write already completed, so this write may have
     *       landed after it), a fresh marker due at {@code now} is put back ({@link SyncOp#DELETE} for a deleted
     *       mood, else {@link SyncOp#UPDATE}), so the mood's current state is written again. A superseded write
     *       never leaves the PDS behind the store for good.</li>
     * </ul>
     * Implementations should do each case in one atomic update. The default delegates to
     * {@link #completeSync(MoodId, long, String, Optional)}, does not record the CID (so every update learns it
     * from the PDS first), and puts the marker back in a second step.
     *
     * @param id the mood
     * @param token the marker's token
     * @param owner the writer that made the write
     * @param rkey the record key now holding the mood's record, or empty to leave the link as it is
     * @param cid the CID of the record at the linked key after the write, or empty when the write deleted it
     * @param now the due time of a marker put back
     * @return true when the marker was removed; false when the write was superseded (never report it as synced)
     */
    default boolean completeSync(MoodId id, long token, String owner, Optional<RecordKey> rkey,
            Optional<computer.aesthetic.moodsync.data.Cid> cid, Instant now) {
        if (completeSync(id, token, owner, rkey)) {
            return true;
        }
        find(id).filter(m -> m.pending().isEmpty()).ifPresent(m -> setPending(id,
                computer.aesthetic.moodsync.PendingSync.start(m.deleted() ? computer.aesthetic.moodsync.SyncOp.DELETE
                        : computer.aesthetic.moodsync.SyncOp.UPDATE, now)));
        return false;
    }

    /**
     * Records several successful PDS writes at once (a worker's batch), with exactly the effect of the fenced
     * {@link #completeSync(MoodId, long, String, Optional, Optional, Instant)} on each: a write whose marker moved
     * on is never reported as done, and a marker is put back where none is left. An implementation may, when some
     * of the writes were superseded, report as not done a write it did record (its mood then gets a marker back and
     * is written once more); it never reports as done a write it did not record. The default calls
     * {@code completeSync} for each.
     *
     * @param writes the writes, at most one per mood
     * @param owner the writer that made them
     * @param now the due time of a marker put back
     * @return the moods done (marker removed), and those whose completion failed with the failure (a
     *     {@link computer.aesthetic.moodsync.StoreException} for a store failure); the rest were superseded
     */
    default Completion.Results completeSyncAll(List<Completion> writes, String owner, Instant now) {
        java.util.Set<MoodId> done = new java.util.HashSet<>();
        java.util.Map<MoodId, RuntimeException> failed = new java.util.HashMap<>();
        for (Completion c : writes) {
            try {
                if (completeSync(c.id(), c.token(), owner, c.rkey(), c.cid(), now)) {
                    done.add(c.id());
                }
            } catch (RuntimeException e) {
                failed.put(c.id(), e);
            }
        }
        return new Completion.Results(done, failed);
    }

    /**
     * Records a failed attempt of marker {@code token}: sets attempts, next attempt time and last error, releases
     * the lease, and parks the work when {@code park} is true. Acts only while the marker still has {@code token}
     * and its lease is {@code owner}'s or free: a writer that reports after its lease expired and another took
     * the work over changes nothing. Otherwise only releases {@code owner}'s lease, if it holds one.
     *
     * @param id the mood
     * @param token the marker's token
     * @param owner the writer that made the attempt
     * @param attempts the failed attempts so far
     * @param nextAttemptAt when to try again
     * @param lastError the failure, without secrets
     * @param park true to park the mood as failed
     * @return true when the marker (still {@code token}) was updated
     */
    boolean reschedule(MoodId id, long token, String owner, int attempts, Instant nextAttemptAt, String lastError,
            boolean park);

    /**
     * Puts a new marker on a mood, replacing any (used to retry parked work, or to schedule a repair). As with
     * {@link #change}, a lease held on the previous marker is kept (the new marker's lease fields are ignored).
     *
     * @param id the mood
     * @param marker the new marker
     * @return the mood after the change
     * @throws computer.aesthetic.moodsync.NoSuchMoodException if there is no such mood
     */
    Mood setPending(MoodId id, computer.aesthetic.moodsync.PendingSync marker);

    /**
     * Claims due work with a lease: moods whose marker is due ({@code nextAttemptAt <= claim.now()}, not parked, no
     * lease live by the store's clock), oldest due first, each claimed atomically so two workers never get the same
     * mood; the lease runs {@code claim.lease()} from the store's time. When {@code claim.user()} is empty and
     * {@code claim.maxUsers()} is 1, the first mood found decides the user and the rest of the claim is taken from
     * that user's work only; with {@code maxUsers} above 1 up to that many users are chosen by their oldest due work
     * and their due moods taken, oldest first (a store may take fewer users, down to one: every answer of the
     * one-user form is valid).
     *
     * @param claim the request
     * @return the claimed moods (with the lease in their marker), at most {@code claim.max()}, of at most
     *     {@code claim.maxUsers()} users
     */
    List<Mood> claimDue(Claim claim);

    /**
     * Sets or removes a mood's link to its record, leaving the marker alone (reconcile's relink and unlink).
     *
     * @param id the mood
     * @param rkey the record key, or empty to unlink
     * @throws computer.aesthetic.moodsync.NoSuchMoodException if there is no such mood
     * @throws computer.aesthetic.moodsync.StoreConflictException if another mood is linked to {@code rkey}
     */
    void setLink(MoodId id, Optional<RecordKey> rkey);

    /**
     * Sets several links at once, as {@link #setLink} would one by one (one round trip where the store allows).
     *
     * @param links the record key to link, by mood
     * @return the links that could not be set, with the reason (no such mood, or the key linked to another mood);
     *     empty when all were set
     */
    default java.util.Map<MoodId, String> setLinks(java.util.Map<MoodId, RecordKey> links) {
        java.util.Map<MoodId, String> failed = new java.util.HashMap<>();
        links.forEach((id, rkey) -> {
            try {
                setLink(id, Optional.of(rkey));
            } catch (computer.aesthetic.moodsync.StoreConflictException
                    | computer.aesthetic.moodsync.NoSuchMoodException e) {
                failed.put(id, e.getMessage());
            }
        });
        return failed;
    }

    /**
     * Applies a change that came from the PDS (live ingest), only if the mood is exactly as the caller last read it
     * and no write of it is pending: text equal to {@code expectedText}, deleted flag equal to
     * {@code expectedDeleted}, no marker. Sets the text, the deleted flag and the recorded CID in one atomic update
     * and leaves the link and everything else alone; it adds no marker, since the PDS already has the change. A mood the app
     * changed in between (it then carries a marker) is left alone, so ingest never overwrites a newer local change.
     *
     * @param id the mood
     * @param expectedText the text the caller read
     * @param expectedDeleted the deleted flag the caller read
     * @param text the new text
     * @param deleted the new deleted flag
     * @param recordCid the CID of the record now at the mood's key ({@link Mood#recordCid()}), or empty when the
     *     record was deleted; ignored for a mood without a key
     * @return true when applied; false when the mood changed, has a marker, or does not exist
     */
    boolean applyIngested(MoodId id, String expectedText, boolean expectedDeleted, String text, boolean deleted,
            Optional<computer.aesthetic.moodsync.data.Cid> recordCid);

    /**
     * Removes every mood of a user for good (erasure), deleted ones included.
     *
     * @param user the user
     * @return how many documents were removed
     */
    long deleteAllOf(UserId user);

    // ---- erasure fence (tombstones) ------------------------------------------------------------------------------

    /**
     * Fences a user for erasure: places a tombstone (kept if one is there, with its first time) that the sync service
     * checks before and after every post and change of the user's moods, refusing them with
     * {@link computer.aesthetic.moodsync.UserErasedException}; and removes the pending marker of every mood of the
     * user whose lease is free or expired (by the store's clock), so no writer can claim it any more. Markers whose lease is
     * live are left: their writer is still at work. Idempotent: call it again until it reports no live lease.
     *
     * <p>The default implementation throws {@link UnsupportedOperationException}: a store without tombstones cannot
     * make an erasure final (erase then says so in its receipt).
     *
     * @param user the user
     * @param now the current time by the caller's clock (the tombstone's time; leases are judged by the store's)
     * @return the latest expiry of the live leases left on the user's moods (in the store's time), or empty when no
     *     writer holds one
     * @throws UnsupportedOperationException if the store has no tombstones
     */
    default Optional<Instant> fenceUser(UserId user, Instant now) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot fence users for erasure");
    }

    /**
     * Tells whether a user is fenced for erasure, and since when.
     *
     * <p>The default implementation returns empty (stores without tombstones fence nobody).
     *
     * @param user the user
     * @return when the tombstone was placed, or empty when the user is not fenced
     */
    default Optional<Instant> fencedSince(UserId user) {
        return Optional.empty();
    }

    /**
     * Reads what gates a user's writes at once: the erasure tombstone ({@link #fencedSince}) and the account hold
     * ({@link #accountHold}). The service calls it once per post and per change, right after the store write, as
     * the fence against an erasure racing that write, and once per batch the worker claims: so it should be one
     * round trip ({@code MongoMoodStore} keeps both in one document per user).
     *
     * <p>The default implementation calls {@link #fencedSince} and then {@link #accountHold}.
     *
     * @param user the user
     * @return the user's state
     */
    default UserState userState(UserId user) {
        return new UserState(fencedSince(user), accountHold(user));
    }

    /**
     * Removes a user's tombstone, so the user may post again (for example an account re-created on purpose). Moods
     * are not brought back.
     *
     * <p>The default implementation returns false.
     *
     * @param user the user
     * @return true when a tombstone was removed
     */
    default boolean unfenceUser(UserId user) {
        return false;
    }

    // ---- account holds (an account not active on its PDS) --------------------------------------------------------

    /**
     * Holds a user's PDS writes because the account is not active on its PDS ({@code #account} event, or a write
     * answered {@code AccountDeactivated}, {@code RepoTakendown}...). Keeps the first time of a hold already placed
     * and updates its status. Moods are untouched.
     *
     * <p>The default implementation throws {@link UnsupportedOperationException}: the service then cannot stop
     * writes durably and only reports the status.
     *
     * @param user the user
     * @param status the account's status as the PDS names it
     * @param now the current time
     * @return true when the user was not held before
     * @throws UnsupportedOperationException if the store cannot hold accounts
     */
    default boolean holdAccount(UserId user, String status, Instant now) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot hold accounts");
    }

    /**
     * Tells whether a user's PDS writes are held.
     *
     * <p>The default implementation returns empty.
     *
     * @param user the user
     * @return the hold, or empty when the account is active (as far as the store knows)
     */
    default Optional<AccountHold> accountHold(UserId user) {
        return Optional.empty();
    }

    /**
     * Releases a user's hold (the account is active again). Pending moods are not made due here: the service does
     * that ({@link computer.aesthetic.moodsync.MoodSyncService#resumeAccount}).
     *
     * <p>The default implementation returns false.
     *
     * @param user the user
     * @return true when a hold was removed
     */
    default boolean releaseAccount(UserId user) {
        return false;
    }

    /**
     * Makes a user's held writes due: every pending marker of the user that is not parked and that no writer holds
     * gets {@code nextAttemptAt = now}, its token and attempts unchanged (an account active again: the service's
     * {@code resumeAccount} and a follower's {@code #account active=true} call it after {@link #releaseAccount}).
     * A marker a writer holds is left to that writer.
     *
     * <p>The default implementation lists the user's pending moods and, for each, takes its lease for
     * {@code owner} and reschedules it ({@link #tryLease}, {@link #reschedule}): two calls per mood, each
     * conditional, so a marker taken in between is skipped.
     *
     * @param user the user
     * @param owner the caller, as lease owner (the default implementation's leases are released at once)
     * @param now the time the writes become due
     * @return how many writes were made due
     */
    default int makeDue(UserId user, String owner, Instant now) {
        List<Mood> waiting;
        try (Stream<Mood> pending = listPending(Optional.of(user))) {
            waiting = pending.filter(m -> m.pending().isPresent() && !m.pending().get().failed()).toList();
        }
        int due = 0;
        for (Mood m : waiting) {
            Optional<Mood> leased = tryLease(m.id(), owner, now, now.plusSeconds(60));
            if (leased.isPresent() && reschedule(m.id(), leased.get().pending().orElseThrow().token(), owner,
                    leased.get().pending().get().attempts(), now, "the account is active again", false)) {
                due++;
            }
        }
        return due;
    }
}
