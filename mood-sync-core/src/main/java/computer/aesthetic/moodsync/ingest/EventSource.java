package computer.aesthetic.moodsync.ingest;

import computer.aesthetic.moodsync.sync.FirehoseEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a {@link Follower} reads events from: one PDS's {@code com.atproto.sync.subscribeRepos}, decoded. The
 * follower pulls, so a slow follower applies back-pressure and never buffers without bound.
 *
 * <p>Implementations must be thread-safe for {@link #open}; each {@link Stream} is used by one thread.
 */
public interface EventSource {
    /**
     * Opens the stream.
     *
     * @param cursor replay events with a seq greater than this, then follow live; empty to follow live only
     * @return the stream
     */
    Stream open(OptionalLong cursor);

    /** One connection's events, in seq order. */
    interface Stream extends AutoCloseable {
        /**
         * Waits for the next event.
         *
         * @param timeout how long to wait
         * @return the event, or empty when none came in time
         * @throws InterruptedException if interrupted while waiting
         * @throws IllegalStateException if the stream is closed (the follower then reopens from its cursor)
         */
        Optional<FirehoseEvent> next(Duration timeout) throws InterruptedException;

        /**
         * Tells whether the connection ended (an error frame, a dropped socket); the follower then reopens.
         *
         * @return true once closed
         */
        boolean isClosed();

        /** Closes the connection. */
        @Override
        void close();
    }
}
