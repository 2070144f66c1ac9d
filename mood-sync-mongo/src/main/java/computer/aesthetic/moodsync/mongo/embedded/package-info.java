/**
 * An in-memory MongoDB-compatible server for tests and demos ({@link
 * computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo}), needing the optional {@code mongo-java-server}
 * dependency.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.mongo.embedded;
