/**
 * Micrometer binding: {@link computer.aesthetic.moodsync.micrometer.MoodSyncMetrics} publishes what
 * {@code MoodSyncService.stats()} counts, the write budget left and the circuit state, and
 * {@link computer.aesthetic.moodsync.micrometer.MeteredAtprotoRepo} times every PDS call.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.micrometer;
