package computer.aesthetic.moodsync;

/** What a pending sync must do to the mood's record on the PDS. */
public enum SyncOp {
    /** Create the record of a new mood; the record is known not to exist yet unless a try was made. */
    CREATE,
    /** Put the mood's current content at its record key (after an edit or an undelete, or when unsure). */
    UPDATE,
    /** Make sure the mood's record is gone (after a delete). */
    DELETE
}
