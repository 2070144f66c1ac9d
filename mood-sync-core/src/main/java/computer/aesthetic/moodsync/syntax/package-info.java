/**
 * Validated value types for the ATProto string syntaxes (DIDs, handles, NSIDs, record keys, TIDs,
 * AT URIs and datetimes) and a monotonic {@link computer.aesthetic.moodsync.syntax.TidClock}.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.syntax;
