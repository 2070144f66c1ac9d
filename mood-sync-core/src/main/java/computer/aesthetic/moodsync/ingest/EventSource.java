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

    /**
     * Adapts a source of raw frames (such as {@code InMemoryFirehose.subscribe} or a WebSocket) by decoding each
     * with {@link computer.aesthetic.moodsync.sync.FrameCodec}. A frame that does not decode closes the stream, so
     * the follower reconnects from its cursor (INGEST.md: bad CBOR, drop the connection).
     *
     * @param open opens a connection at a cursor
     * @return the source
     */
    static EventSource decoding(java.util.function.Function<OptionalLong, Frames> open) {
        java.util.Objects.requireNonNull(open, "open");
        return cursor -> {
            Frames frames = open.apply(cursor);
            return new Stream() {
                private volatile boolean broken;

                @Override
                public Optional<FirehoseEvent> next(Duration timeout) throws InterruptedException {
                    if (broken) {
                        throw new IllegalStateException("the stream was closed after a frame that did not decode");
                    }
                    Optional<byte[]> frame = frames.next(timeout);
                    if (frame.isEmpty()) {
                        return Optional.empty();
                    }
                    try {
                        return Optional.of(computer.aesthetic.moodsync.sync.FrameCodec.decode(frame.get()));
                    } catch (computer.aesthetic.moodsync.sync.MalformedEventException e) {
                        broken = true;
                        frames.close();
                        return Optional.empty();
                    }
                }

                @Override
                public boolean isClosed() {
                    return broken || frames.isClosed();
                }

                @Override
                public void close() {
                    frames.close();
                }
            };
        };
    }

    /** One connection's raw frames, as {@link #decoding} reads them. */
    interface Frames extends AutoCloseable {
        /**
         * Waits for the next frame.
         *
         * @param timeout how long to wait
         * @return the frame, or empty when none came in time
         * @throws InterruptedException if interrupted
         */
        Optional<byte[]> next(Duration timeout) throws InterruptedException;

        /**
         * Tells whether the connection ended.
         *
         * @return true once closed
         */
        boolean isClosed();

        /** Closes the connection. */
        @Override
        void close();
    }

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
