/**
 * The ATProto PDS adapter: {@link computer.aesthetic.moodsync.pds.PdsAtprotoRepo} (the
 * {@link computer.aesthetic.moodsync.spi.AtprotoRepo} over XRPC, with sessions, retries, a circuit breaker and the
 * write budget), {@link computer.aesthetic.moodsync.pds.IdentityResolver} (handles, DIDs and their PDS) and
 * {@link computer.aesthetic.moodsync.pds.PdsAdmin} (account erasure with the admin password).
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.pds;
