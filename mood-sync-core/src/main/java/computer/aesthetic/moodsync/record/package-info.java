/**
 * The {@code computer.aesthetic.mood} record: the codec between a mood and its ATProto record, lexicon
 * validation, and the deterministic record key of a mood ({@link computer.aesthetic.moodsync.record.MoodRecords#rkeyFor}).
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.record;
