package computer.aesthetic.moodsync.reconcile;

/**
 * The kinds of drift between a user's moods and the records of their {@code computer.aesthetic.mood} collection.
 * {@link Reconciler} puts every mood and every record into exactly one item of one kind: a mood together with the
 * record that mirrors it makes one item; every further record is an item of its own.
 */
public enum DriftKind {
    /** The mood and its record agree (a deleted mood with no record is in sync too). Counted, not listed. */
    IN_SYNC,
    /** A mood that is not deleted has no record at all. Repair: create it at {@code rkeyFor(id)}. */
    MISSING_ON_PDS,
    /**
     * A record mirrors the mood (found at {@code rkeyFor(id)}, or by its {@code ref}/{@code mongoId}) but the store
     * links no record, or another one. Repair: relink in the store; if the content differs too
     * ({@link DriftItem#contentDiffers()}), the content drift policy applies as well.
     */
    UNLINKED,
    /**
     * The store links a record key where there is no record, and no other record refers to the mood. Repair:
     * recreate the record at the same key.
     */
    DANGLING_LINK,
    /**
     * A further record of a mood that already has one: the copy the store links is kept, else the one at
     * {@code rkeyFor(id)}, else the oldest (smallest record key). Repair: delete this one.
     */
    DUPLICATE,
    /** A record whose {@code ref} names no mood at all, or that has no {@code ref}. Repair: by policy. */
    ORPHAN,
    /**
     * A record whose {@code ref} names a mood of another user. Never linked, imported, overwritten or deleted:
     * reported only.
     */
    FOREIGN_REF,
    /** A record of a mood deleted in the store. Repair: delete the record. */
    DELETED_BUT_ON_PDS,
    /**
     * The record's text differs from the mood's, or its {@code when} differs by more than the tolerance. Repair: by
     * policy.
     */
    CONTENT_DRIFT,
    /**
     * A record that breaks the lexicon (bad shape, {@code mood} not a string, text over 5000 bytes...). When the
     * record is a mood's (the store links it, it sits at {@code rkeyFor(id)}, or its {@code ref}/{@code mongoId}
     * names the mood) it is the mood's record, one item with the mood ({@link DriftItem#mood()} present). Repair:
     * rewritten in place from the store, conditional on its CID, whatever the policy (never deleted, never a second
     * record beside it; left alone when the mood's own text cannot be a record). A record that belongs to no mood:
     * by policy.
     */
    INVALID_RECORD,
    /**
     * A record whose {@code ref}/{@code mongoId} names a document the store holds but cannot read as a mood
     * ({@link computer.aesthetic.moodsync.spi.MoodStore#findMalformed}). A known mood, never an orphan: never
     * deleted, imported or overwritten, whatever the policy. Fix the document, then reconcile again.
     */
    UNREADABLE_MOOD,
    /**
     * A record in the repository of a user fenced for erasure (a tombstone:
     * {@link computer.aesthetic.moodsync.spi.MoodStore#fencedSince}), whatever it would be otherwise: nothing of an
     * erased user is kept. A write frozen past an erasure (a create stalled beyond its lease cannot be fenced by
     * {@code swapRecord}) can land after it; the next reconcile of the user finds it here. Records that name another
     * user's mood stay {@link #FOREIGN_REF}, never touched. Repair: delete it, conditional on the CID reconcile saw,
     * whatever the policy (within {@code maxDeletes}).
     */
    ERASED_USER_RECORD
}
