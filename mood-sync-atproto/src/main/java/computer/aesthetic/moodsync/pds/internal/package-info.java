/**
 * Internals of the PDS adapter (XRPC transport, JSON mapping, sessions, resilience, write budgets). Not API: these
 * types may change in any release.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.pds.internal;
