/**
 * MongoDB implementations of the mood-sync SPIs on the origin system's schema:
 * {@link computer.aesthetic.moodsync.mongo.MongoMoodStore} and
 * {@link computer.aesthetic.moodsync.mongo.MongoAccountDirectory}, built on the host's own {@code MongoDatabase}.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.mongo;
