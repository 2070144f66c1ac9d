/**
 * Test and demo support: {@link computer.aesthetic.moodsync.pds.testing.ReferencePds} starts the reference PDS
 * from the project's {@code testing/pds} directory (Node.js and npm required) on 127.0.0.1. Not for production.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.pds.testing;
