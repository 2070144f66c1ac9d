/**
 * The runnable demo, the quick start quoted in the README, and the helpers they use. Not API: never deployed.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.examples;
