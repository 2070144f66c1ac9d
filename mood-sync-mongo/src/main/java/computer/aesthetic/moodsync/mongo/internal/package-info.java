/**
 * Implementation details of the MongoDB adapter: document mapping, cursor streams and error translation. Not API:
 * anything here may change without notice.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.mongo.internal;
