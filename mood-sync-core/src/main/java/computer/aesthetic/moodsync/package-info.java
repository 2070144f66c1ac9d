/**
 * The mood-sync API: the {@code MoodSyncService} facade, the mood model ({@link computer.aesthetic.moodsync.Mood},
 * {@link computer.aesthetic.moodsync.MoodId}, {@link computer.aesthetic.moodsync.UserId}), listeners and the
 * exception hierarchy rooted in {@link computer.aesthetic.moodsync.MoodSyncException}.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync;
