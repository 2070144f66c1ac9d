package computer.aesthetic.moodsync.pds.sync;

import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FirehoseListener;
import computer.aesthetic.moodsync.sync.FrameCodec;
import computer.aesthetic.moodsync.sync.MalformedEventException;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code com.atproto.sync.subscribeRepos} of one PDS over OkHttp's WebSocket and hands each decoded event
 * to a {@link FirehoseListener}.
 *
 * <ul>
 *   <li>Frames are decoded by {@link FrameCodec}; frames larger than {@link Builder#maxFrameBytes} (default
 *       {@value FrameCodec#DEFAULT_MAX_FRAME_BYTES} bytes) are refused: the socket is closed with 1009 and the
 *       source reconnects. (OkHttp reassembles a message before handing it over, so the bound caps what is
 *       decoded, not what OkHttp buffers.) A frame that does not decode drops the connection too.</li>
 *   <li>Pings every 10 seconds (the reference client's interval); a missing pong fails the connection.</li>
 *   <li>Reconnects after any failure or close with exponential backoff (1 s doubling to 60 s by default, with
 *       jitter), reset once an event arrives.</li>
 *   <li>Cursor: each connection sends {@link Builder#cursor(Supplier)} when set (a follower's durable cursor,
 *       the last seq it applied contiguously), else the seq of the last event {@link FirehoseListener#onEvent}
 *       returned from, else nothing (live only). {@code FutureCursor}: the cursor is forgotten, the listener is
 *       told ({@link FirehoseListener#onCursorReset}) and the source reconnects live. {@code ConsumerTooSlow}:
 *       reconnect from the cursor, so nothing is lost. {@code #info OutdatedCursor} goes to the listener, which
 *       resyncs; the stream continues with the oldest events kept.</li>
 * </ul>
 *
 * <p>The listener runs on OkHttp's reader thread, one call at a time; a slow listener slows reading, and the
 * server answers with {@code ConsumerTooSlow} once its buffer is full. Thread-safe; {@link #close} stops it.
 */
public final class WebSocketFirehose implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketFirehose.class);
    /** WebSocket close code for "message too big" (RFC 6455). */
    static final int MESSAGE_TOO_BIG = 1009;

    private final HttpUrl endpoint;
    private final OkHttpClient client;
    private final FirehoseListener listener;
    private final Supplier<OptionalLong> cursorSource;
    private final int maxFrameBytes;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    private final Object lock = new Object();
    private final AtomicLong lastSeq = new AtomicLong(-1);
    private final AtomicLong framesRead = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private WebSocket socket;
    private boolean started;
    private boolean closed;
    private int failures;
    private boolean cursorReset;

    private WebSocketFirehose(Builder b) {
        this.endpoint = b.pds.newBuilder().encodedPath("/xrpc/com.atproto.sync.subscribeRepos").query(null).build();
        this.client = b.httpClient.newBuilder().pingInterval(b.pingInterval).readTimeout(Duration.ZERO).build();
        this.listener = b.listener;
        this.cursorSource = b.cursor;
        this.maxFrameBytes = b.maxFrameBytes;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.ownScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mood-sync-firehose");
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

    /**
     * Connects (once; later calls do nothing).
     *
     * @throws IllegalStateException if closed
     */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the firehose source is closed");
            }
            if (started) {
                return;
            }
            started = true;
            connect();
        }
    }

    /**
     * Returns the seq of the last event the listener returned from.
     *
     * @return the seq, or empty before the first
     */
    public OptionalLong lastSeq() {
        long s = lastSeq.get();
        return s < 0 ? OptionalLong.empty() : OptionalLong.of(s);
    }

    /**
     * Returns how many frames were read since start.
     *
     * @return the count
     */
    public long framesRead() {
        return framesRead.get();
    }

    /**
     * Returns how many times the source reconnected.
     *
     * @return the count
     */
    public long reconnects() {
        return reconnects.get();
    }

    /** Stops the source: closes the socket (1000) and cancels pending reconnects. Idempotent. */
    @Override
    public void close() {
        WebSocket s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = socket;
            socket = null;
        }
        if (s != null) {
            s.close(1000, "closing");
            s.cancel();
        }
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
    }

    /** Under {@code lock}. */
    private void connect() {
        OptionalLong cursor = cursor();
        HttpUrl url = cursor.isPresent()
                ? endpoint.newBuilder().addQueryParameter("cursor", Long.toString(cursor.getAsLong())).build()
                : endpoint;
        Connection connection = new Connection(cursor);
        socket = client.newWebSocket(new Request.Builder().url(url).build(), connection);
    }

    private OptionalLong cursor() {
        if (cursorReset) {
            cursorReset = false;
            lastSeq.set(-1);
            return OptionalLong.empty();
        }
        if (cursorSource != null) {
            OptionalLong c = cursorSource.get();
            if (c.isPresent()) {
                return c;
            }
        }
        return lastSeq();
    }

    /** Drops {@code ws} (if it is still current) and schedules a reconnect. */
    private void retry(WebSocket ws, String reason) {
        Duration delay;
        synchronized (lock) {
            if (closed || socket != ws) {
                return;
            }
            socket = null;
            failures++;
            long base = minBackoff.toMillis() << Math.min(20, failures - 1);
            long capped = Math.min(maxBackoff.toMillis(), base);
            delay = Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
            reconnects.incrementAndGet();
            scheduler.schedule(() -> {
                synchronized (lock) {
                    if (!closed && socket == null) {
                        connect();
                    }
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
        ws.cancel();
        LOG.info("firehose {}: disconnected ({}), reconnecting in {} ms", endpoint.host(), reason, delay.toMillis());
        try {
            listener.onDisconnected(reason, delay);
        } catch (RuntimeException e) {
            LOG.warn("firehose listener failed in onDisconnected", e);
        }
    }

    private final class Connection extends WebSocketListener {
        private final OptionalLong cursor;

        Connection(OptionalLong cursor) {
            this.cursor = cursor;
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            LOG.info("firehose {}: connected, cursor {}", endpoint.host(),
                    cursor.isPresent() ? cursor.getAsLong() : "none (live)");
            listener.onConnected(cursor);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            retry(webSocket, "unexpected text frame");
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            synchronized (lock) {
                if (socket != webSocket) {
                    return; // a frame of a connection already dropped
                }
            }
            framesRead.incrementAndGet();
            if (bytes.size() > maxFrameBytes) {
                webSocket.close(MESSAGE_TOO_BIG, "frame too large");
                retry(webSocket, "frame of " + bytes.size() + " bytes exceeds the limit of " + maxFrameBytes);
                return;
            }
            FirehoseEvent event;
            try {
                event = FrameCodec.decode(bytes.toByteArray());
            } catch (MalformedEventException e) {
                LOG.warn("firehose {}: malformed frame: {}", endpoint.host(), e.getMessage());
                listener.onMalformedFrame(e);
                retry(webSocket, "malformed frame");
                return;
            }
            if (event instanceof FirehoseEvent.ErrorFrame error) {
                onError(webSocket, error);
                return;
            }
            if (event instanceof FirehoseEvent.Unknown) {
                return;
            }
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("firehose {}: listener failed on {}, reconnecting to replay it", endpoint.host(),
                        event.getClass().getSimpleName(), e);
                retry(webSocket, "listener failed: " + e.getClass().getSimpleName());
                return;
            }
            event.sequence().ifPresent(lastSeq::set);
            synchronized (lock) {
                failures = 0;
            }
        }

        private void onError(WebSocket webSocket, FirehoseEvent.ErrorFrame error) {
            LOG.warn("firehose {}: error frame {} {}", endpoint.host(), error.error(), error.message().orElse(""));
            listener.onErrorFrame(error);
            if (error.error().equals(FirehoseEvent.ErrorFrame.FUTURE_CURSOR)) {
                synchronized (lock) {
                    cursorReset = true;
                }
                cursor.ifPresent(listener::onCursorReset);
            }
            retry(webSocket, "error frame " + error.error());
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(1000, null);
            retry(webSocket, "server closed (" + code + ")");
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            retry(webSocket, "closed (" + code + ")");
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            retry(webSocket, t.getClass().getSimpleName()
                    + (response != null ? " (HTTP " + response.code() + ")" : ""));
        }
    }

    /**
     * Describes the source.
     *
     * @return the endpoint and the last seq
     */
    @Override
    public String toString() {
        return "WebSocketFirehose[" + endpoint + ", lastSeq=" + lastSeq.get() + "]";
    }

    /** Builds a {@link WebSocketFirehose}. Not thread-safe. */
    public static final class Builder {
        private HttpUrl pds;
        private OkHttpClient httpClient;
        private FirehoseListener listener;
        private Supplier<OptionalLong> cursor;
        private OptionalLong startCursor = OptionalLong.empty();
        private int maxFrameBytes = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
        private Duration pingInterval = Duration.ofSeconds(10);
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private ScheduledExecutorService scheduler;

        private Builder() {
        }

        /**
         * Sets the PDS (required), for example {@code https://pds.example.com}; its path is replaced.
         *
         * @param pds the PDS base URL
         * @return this builder
         */
        public Builder pds(HttpUrl pds) {
            this.pds = Objects.requireNonNull(pds, "pds");
            return this;
        }

        /**
         * Sets the host's HTTP client (required); the source derives its own with {@link OkHttpClient#newBuilder()},
         * sharing the connection pool and dispatcher.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(OkHttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Sets the listener (required).
         *
         * @param listener receives events
         * @return this builder
         */
        public Builder listener(FirehoseListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets where each connection's cursor comes from (a follower's durable cursor). When it gives empty, the
         * last seq delivered is used, then none.
         *
         * @param cursor consulted at each (re)connect
         * @return this builder
         */
        public Builder cursor(Supplier<OptionalLong> cursor) {
            this.cursor = Objects.requireNonNull(cursor, "cursor");
            return this;
        }

        /**
         * Sets the cursor of the first connection (default none: live only). Ignored when {@link #cursor(Supplier)}
         * gives one.
         *
         * @param seq the last seq already seen
         * @return this builder
         */
        public Builder startCursor(long seq) {
            if (seq < 0) {
                throw new IllegalArgumentException("startCursor must not be negative, found " + seq);
            }
            this.startCursor = OptionalLong.of(seq);
            return this;
        }

        /**
         * Sets the largest frame decoded (default {@value FrameCodec#DEFAULT_MAX_FRAME_BYTES}).
         *
         * @param bytes the bound
         * @return this builder
         */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * Sets the ping interval (default 10 s).
         *
         * @param interval the interval
         * @return this builder
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Sets the reconnect backoff: the first delay and the cap (defaults 1 s and 60 s); each delay is jittered
         * between half and all of its value.
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
         * Sets the scheduler of reconnects (default: a daemon thread of the source's own, stopped by
         * {@link WebSocketFirehose#close()}); a host's scheduler is not shut down.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Builds the source (not yet connected: call {@link WebSocketFirehose#start()}).
         *
         * @return the source
         * @throws IllegalArgumentException naming a missing or invalid property
         */
        public WebSocketFirehose build() {
            if (pds == null) {
                throw new IllegalArgumentException("pds is required");
            }
            if (httpClient == null) {
                throw new IllegalArgumentException("httpClient is required");
            }
            if (listener == null) {
                throw new IllegalArgumentException("listener is required");
            }
            if (maxFrameBytes <= 0) {
                throw new IllegalArgumentException("maxFrameBytes must be positive, found " + maxFrameBytes);
            }
            if (pingInterval.isNegative() || pingInterval.isZero()) {
                throw new IllegalArgumentException("pingInterval must be positive");
            }
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("backoff must satisfy 0 < min <= max");
            }
            WebSocketFirehose source = new WebSocketFirehose(this);
            startCursor.ifPresent(source.lastSeq::set);
            return source;
        }
    }
}
