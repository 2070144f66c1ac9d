package computer.aesthetic.moodsync.pds.sync;

import computer.aesthetic.moodsync.ingest.EventSource;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FirehoseListener;
import computer.aesthetic.moodsync.sync.FrameCodec;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PDS's {@code com.atproto.sync.subscribeRepos} as the {@link EventSource} of a
 * {@link computer.aesthetic.moodsync.ingest.Follower}: each {@link #open} is one {@link WebSocketFirehose}
 * connection at the follower's durable cursor, whose decoded events wait in a bounded queue for the follower.
 *
 * <ul>
 *   <li>Back-pressure: when the queue is full, the socket's reader waits (up to {@link Builder#overflowAfter}), so
 *       the PDS's own send buffer fills rather than this JVM's heap. If the queue is still full then, the connection
 *       is closed (an overflow, counted in {@link #overflows()}): the follower applies what is queued, then reopens
 *       from its saved cursor, so nothing is lost and memory stays bounded.</li>
 *   <li>Any disconnect (an error frame such as {@code ConsumerTooSlow}, a dropped socket, a bad frame, a frame above
 *       the size bound) ends the stream once its queue is drained; error frames are handed to the follower first.
 *       Reconnects wait with exponential backoff (1 s doubling to 60 s by default, jittered) while connections end
 *       without delivering an event.</li>
 *   <li>{@code FutureCursor} (the PDS's sequence was reset, or the cursor is another PDS's): the follower marks
 *       every repository desynchronized; the next {@code open} at that same cursor connects live instead, so the
 *       follower resyncs and continues rather than being refused forever.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} stops the reconnect scheduler; open streams are closed by the follower.
 */
public final class FirehoseEventSource implements EventSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FirehoseEventSource.class);

    private final HttpUrl pds;
    private final OkHttpClient client;
    private final int capacity;
    private final Duration overflowAfter;
    private final int maxFrameBytes;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration pingInterval;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final java.util.Map<String, AtomicLong> errorFrames = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, AtomicLong> infos = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object lock = new Object();
    private int failures;
    private OptionalLong refusedCursor = OptionalLong.empty();

    private FirehoseEventSource(Builder b) {
        this.pds = b.pds;
        this.client = b.client;
        this.capacity = b.capacity;
        this.overflowAfter = b.overflowAfter;
        this.maxFrameBytes = b.maxFrameBytes;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.pingInterval = b.pingInterval;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mood-sync-firehose-connect");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a builder.
     *
     * @return a builder; not thread-safe
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Stream open(OptionalLong cursor) {
        Objects.requireNonNull(cursor, "cursor");
        long delayMillis;
        OptionalLong from = cursor;
        synchronized (lock) {
            if (cursor.isPresent() && refusedCursor.equals(cursor)) {
                LOG.warn("firehose {}: cursor {} was refused as in the future; following live", pds.host(),
                        cursor.getAsLong());
                from = OptionalLong.empty();
            }
            refusedCursor = OptionalLong.empty();
            if (failures == 0) {
                delayMillis = 0;
            } else {
                long base = minBackoff.toMillis() << Math.min(20, failures - 1);
                long capped = Math.min(maxBackoff.toMillis(), base);
                delayMillis = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
            }
        }
        Connection c = new Connection(from);
        if (delayMillis == 0) {
            c.start();
        } else {
            LOG.info("firehose {}: reconnecting in {} ms", pds.host(), delayMillis);
            scheduler.schedule(c::start, delayMillis, TimeUnit.MILLISECONDS);
        }
        return c;
    }

    /**
     * Returns how many connections were closed because the follower did not keep up with the queue.
     *
     * @return the count
     */
    public long overflows() {
        return overflows.get();
    }

    /**
     * Returns how many connections were opened.
     *
     * @return the count
     */
    public long connections() {
        return connections.get();
    }

    /**
     * Returns how many connections the PDS accepted (WebSocket handshake done).
     *
     * @return the count
     */
    public long opened() {
        return opened.get();
    }

    /**
     * Returns how many error frames of one kind the PDS sent.
     *
     * @param error the error's name, such as {@code ConsumerTooSlow} or {@code FutureCursor}
     * @return the count
     */
    public long errorFrames(String error) {
        AtomicLong n = errorFrames.get(error);
        return n == null ? 0 : n.get();
    }

    /**
     * Returns how many {@code #info} events of one kind the PDS sent.
     *
     * @param name the info's name, such as {@code OutdatedCursor}
     * @return the count
     */
    public long infos(String name) {
        AtomicLong n = infos.get(name);
        return n == null ? 0 : n.get();
    }

    /** Stops the reconnect scheduler. Idempotent. */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    @Override
    public String toString() {
        return "FirehoseEventSource[" + pds + ", connections=" + connections.get() + ", overflows="
                + overflows.get() + "]";
    }

    private void ended(boolean delivered) {
        synchronized (lock) {
            failures = delivered ? 0 : failures + 1;
        }
    }

    /** One connection: a WebSocketFirehose that never reconnects by itself, feeding a bounded queue. */
    private final class Connection implements Stream, FirehoseListener {
        private final BlockingQueue<FirehoseEvent> queue = new ArrayBlockingQueue<>(capacity);
        private final OptionalLong cursor;
        private final WebSocketFirehose firehose;
        private volatile boolean ended;
        private volatile boolean delivered;

        Connection(OptionalLong cursor) {
            this.cursor = cursor;
            WebSocketFirehose.Builder b = WebSocketFirehose.builder().pds(pds).httpClient(client).listener(this)
                    .cursor(() -> cursor).maxFrameBytes(maxFrameBytes).pingInterval(pingInterval)
                    .backoff(maxBackoff, maxBackoff);
            this.firehose = b.build();
        }

        void start() {
            if (ended) {
                return;
            }
            connections.incrementAndGet();
            try {
                firehose.start();
            } catch (IllegalStateException closed) {
                // closed before it connected
            }
        }

        @Override
        public void onEvent(FirehoseEvent event) {
            if (!delivered) {
                delivered = true;
                ended(true);
            }
            if (event instanceof FirehoseEvent.Info info) {
                infos.computeIfAbsent(info.name(), k -> new AtomicLong()).incrementAndGet();
            }
            enqueue(event);
        }

        @Override
        public void onConnected(OptionalLong sent) {
            opened.incrementAndGet();
        }

        @Override
        public void onErrorFrame(FirehoseEvent.ErrorFrame error) {
            errorFrames.computeIfAbsent(error.error(), k -> new AtomicLong()).incrementAndGet();
            if (error.error().equals(FirehoseEvent.ErrorFrame.FUTURE_CURSOR) && cursor.isPresent()) {
                synchronized (lock) {
                    refusedCursor = cursor;
                }
            }
            enqueue(error);
        }

        @Override
        public void onDisconnected(String reason, Duration retryIn) {
            end(reason);
        }

        private void enqueue(FirehoseEvent event) {
            long deadline = System.nanoTime() + overflowAfter.toNanos();
            try {
                while (!ended) {
                    if (queue.offer(event, 100, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        overflows.incrementAndGet();
                        LOG.warn("firehose {}: the follower did not take an event for {} ms with {} queued; closing"
                                + " the connection (it reopens from the follower's cursor)", pds.host(),
                                overflowAfter.toMillis(), capacity);
                        end("queue overflow");
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end("interrupted");
            }
        }

        private void end(String reason) {
            if (ended) {
                return;
            }
            ended = true;
            if (!delivered) {
                ended(false);
            }
            LOG.debug("firehose {}: stream ended ({})", pds.host(), reason);
            firehose.close();
        }

        @Override
        public Optional<FirehoseEvent> next(Duration timeout) throws InterruptedException {
            FirehoseEvent e = queue.poll();
            if (e != null) {
                return Optional.of(e);
            }
            if (ended) {
                throw new IllegalStateException("the firehose connection ended");
            }
            return Optional.ofNullable(queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean isClosed() {
            return ended && queue.isEmpty();
        }

        @Override
        public void close() {
            end("closed by the follower");
            queue.clear();
        }
    }

    /** Builds a {@link FirehoseEventSource}. Not thread-safe. */
    public static final class Builder {
        private HttpUrl pds;
        private OkHttpClient client;
        private int capacity = 1000;
        private Duration overflowAfter = Duration.ofSeconds(10);
        private int maxFrameBytes = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private Duration pingInterval = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * Sets the PDS (required), for example {@code https://pds.example.com}.
         *
         * @param pds the PDS base URL
         * @return this builder
         */
        public Builder pds(HttpUrl pds) {
            this.pds = Objects.requireNonNull(pds, "pds");
            return this;
        }

        /**
         * Sets the host's HTTP client (required); each connection derives its own from it.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(OkHttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Sets how many decoded events may wait for the follower (default 1000).
         *
         * @param events the queue's capacity, positive
         * @return this builder
         */
        public Builder queueCapacity(int events) {
            this.capacity = events;
            return this;
        }

        /**
         * Sets how long the socket's reader waits for room in a full queue before the connection is closed
         * (default 10 s).
         *
         * @param wait the wait, positive
         * @return this builder
         */
        public Builder overflowAfter(Duration wait) {
            this.overflowAfter = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /**
         * Sets the largest frame decoded (default {@value FrameCodec#DEFAULT_MAX_FRAME_BYTES}); a larger one ends
         * the connection.
         *
         * @param bytes the bound, positive
         * @return this builder
         */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * Sets the reconnect backoff after connections that delivered nothing (defaults 1 s and 60 s).
         *
         * @param min the first delay
         * @param max the largest delay
         * @return this builder
         */
        public Builder backoff(Duration min, Duration max) {
            this.minBackoff = Objects.requireNonNull(min, "min");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * Sets the WebSocket ping interval (default 10 s, the reference client's).
         *
         * @param interval the interval, positive
         * @return this builder
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source
         * @throws IllegalArgumentException naming a missing or invalid property
         */
        public FirehoseEventSource build() {
            if (pds == null) {
                throw new IllegalArgumentException("pds is required");
            }
            if (client == null) {
                throw new IllegalArgumentException("httpClient is required");
            }
            if (capacity <= 0) {
                throw new IllegalArgumentException("queueCapacity must be positive, found " + capacity);
            }
            if (overflowAfter.isNegative() || overflowAfter.isZero()) {
                throw new IllegalArgumentException("overflowAfter must be positive");
            }
            if (maxFrameBytes <= 0) {
                throw new IllegalArgumentException("maxFrameBytes must be positive, found " + maxFrameBytes);
            }
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("backoff must satisfy 0 < min <= max");
            }
            if (pingInterval.isNegative() || pingInterval.isZero()) {
                throw new IllegalArgumentException("pingInterval must be positive");
            }
            return new FirehoseEventSource(this);
        }
    }
}
