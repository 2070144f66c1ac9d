package computer.aesthetic.moodsync.pds.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.ingest.EventSource;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FrameCodec;
import computer.aesthetic.moodsync.syntax.Did;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FirehoseEventSource} against a scripted WebSocket server: events in order and the cursor sent; a follower
 * that does not take events overflows the bounded queue, which closes the connection after handing over what was
 * queued; an error frame reaches the follower before the stream ends; a cursor refused as {@code FutureCursor} is
 * reopened live.
 */
class FirehoseEventSourceTest {
    private static final Did ALICE = Did.parse("did:plc:alice000000000000000000");
    private static final String TIME = "2026-01-01T00:00:00Z";

    private MockWebServer server;
    private FirehoseEventSource source;
    private final OkHttpClient client = new OkHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (source != null) {
            source.close();
        }
        server.close();
    }

    private void script(boolean thenClose, byte[]... frames) {
        server.enqueue(new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
                for (byte[] f : frames) {
                    webSocket.send(ByteString.of(f));
                }
                if (thenClose) {
                    webSocket.close(1000, "bye");
                }
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
                webSocket.close(1000, null);
            }
        }).build());
    }

    private static byte[] identity(long seq) {
        return FrameCodec.encode(new FirehoseEvent.Identity(seq, ALICE, TIME, Optional.empty()));
    }

    private FirehoseEventSource.Builder builder() {
        return FirehoseEventSource.builder().pds(server.url("/")).httpClient(client)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50));
    }

    private String cursorOf() throws InterruptedException {
        RecordedRequest r = server.takeRequest(10, TimeUnit.SECONDS);
        assertThat(r).as("a connection within 10 s").isNotNull();
        return r.getUrl().queryParameter("cursor");
    }

    /** Reads until the stream ends (or 10 s pass). */
    private static List<FirehoseEvent> drain(EventSource.Stream s) throws InterruptedException {
        List<FirehoseEvent> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                s.next(Duration.ofMillis(100)).ifPresent(got::add);
            } catch (IllegalStateException ended) {
                return got;
            }
        }
        throw new AssertionError("the stream did not end; got " + got);
    }

    @Test
    void sendsTheCursorAndDeliversEventsInOrderThenEndsWhenTheServerCloses() throws Exception {
        script(true, identity(8), identity(9), identity(10));
        source = builder().build();
        EventSource.Stream s = source.open(OptionalLong.of(7));
        List<FirehoseEvent> got = drain(s);
        assertThat(cursorOf()).isEqualTo("7");
        assertThat(got).extracting(e -> e.sequence().getAsLong()).containsExactly(8L, 9L, 10L);
        assertThat(s.isClosed()).isTrue();
        assertThatThrownBy(() -> s.next(Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFollowerThatFallsBehindOverflowsTheQueueWhichClosesTheConnectionAfterWhatWasQueued() throws Exception {
        byte[][] frames = new byte[50][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = identity(i + 1);
        }
        script(false, frames);
        source = builder().queueCapacity(5).overflowAfter(Duration.ofMillis(300)).build();
        EventSource.Stream s = source.open(OptionalLong.empty());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.overflows() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // the follower is busy elsewhere: nothing is taken
        }
        assertThat(source.overflows()).as("the queue overflowed").isEqualTo(1);
        assertThat(s.isClosed()).as("the queued events are still to be taken").isFalse();
        List<FirehoseEvent> got = drain(s);
        assertThat(got).as("what was queued, in order, and nothing after the overflow")
                .extracting(e -> e.sequence().getAsLong()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(s.isClosed()).isTrue();
    }

    @Test
    void anErrorFrameReachesTheFollowerThenTheStreamEnds() throws Exception {
        script(true, identity(3),
                FrameCodec.encode(new FirehoseEvent.ErrorFrame("ConsumerTooSlow", Optional.of("too slow"))));
        source = builder().build();
        List<FirehoseEvent> got = drain(source.open(OptionalLong.of(2)));
        assertThat(got).hasSize(2);
        assertThat(got.get(1)).isInstanceOfSatisfying(FirehoseEvent.ErrorFrame.class,
                e -> assertThat(e.error()).isEqualTo("ConsumerTooSlow"));
        assertThat(source.errorFrames("ConsumerTooSlow")).isEqualTo(1);
    }

    @Test
    void aCursorRefusedAsInTheFutureIsReopenedLive() throws Exception {
        script(true, FrameCodec.encode(new FirehoseEvent.ErrorFrame("FutureCursor", Optional.of("Cursor in the future."))));
        script(true, identity(1));
        source = builder().build();
        List<FirehoseEvent> first = drain(source.open(OptionalLong.of(99)));
        assertThat(cursorOf()).isEqualTo("99");
        assertThat(first).singleElement().isInstanceOf(FirehoseEvent.ErrorFrame.class);
        // The follower reopens from its saved cursor, which the PDS refused: this connection is live.
        List<FirehoseEvent> second = drain(source.open(OptionalLong.of(99)));
        assertThat(cursorOf()).as("no cursor: live").isNull();
        assertThat(second).extracting(e -> e.sequence().getAsLong()).containsExactly(1L);
    }
}
