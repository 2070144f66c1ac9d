/**
 * Service-provider interfaces that hosts and adapters implement: {@link computer.aesthetic.moodsync.spi.MoodStore}
 * (the database of moods), {@link computer.aesthetic.moodsync.spi.AtprotoRepo} (a PDS) and
 * {@link computer.aesthetic.moodsync.spi.AccountDirectory} (who owns which ATProto account), with the value types
 * they exchange. Each interface's Javadoc is its contract; the abstract contract tests in the core test-jar check it.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.spi;
