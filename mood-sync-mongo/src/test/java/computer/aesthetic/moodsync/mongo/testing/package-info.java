/**
 * Test support published in the mood-sync-mongo test-jar: {@link
 * computer.aesthetic.moodsync.mongo.testing.MongoTestExtension} runs tests against an embedded server or a real
 * MongoDB, one fresh database per test.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.mongo.testing;
