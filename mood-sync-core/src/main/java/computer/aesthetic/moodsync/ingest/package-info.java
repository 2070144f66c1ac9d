/**
 * Live ingest: the {@link computer.aesthetic.moodsync.ingest.Follower} that follows one PDS's
 * {@code subscribeRepos} stream and applies changes made by other clients to MongoDB, with its
 * {@link computer.aesthetic.moodsync.ingest.IngestPolicy policy}, its
 * {@link computer.aesthetic.moodsync.ingest.EventSource event source} interface and what it reports
 * ({@link computer.aesthetic.moodsync.ingest.IngestListener}, {@link computer.aesthetic.moodsync.ingest.FollowerStats}).
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.ingest;
