/**
 * In-memory fakes for hosts' tests: {@link computer.aesthetic.moodsync.testing.InMemoryMoodStore} (a
 * {@link computer.aesthetic.moodsync.spi.MoodStore}), {@link computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo}
 * (an {@link computer.aesthetic.moodsync.spi.AtprotoRepo} that behaves like the reference PDS) and
 * {@link computer.aesthetic.moodsync.testing.InMemoryAccountDirectory}. They pass the same contract tests as the
 * real adapters, can inject faults (failures, latency, rate limits, an unreachable PDS) and count calls, so a host
 * can test its use of mood-sync without MongoDB or a PDS. They keep everything in memory: not for production.
 * {@link computer.aesthetic.moodsync.testing.IncidentFixture} seeds a known drift incident through the SPI, on the
 * fakes or on a real store and PDS, for reconcile and repair tests.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.testing;
