package computer.aesthetic.moodsync.pds.sync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.FirehoseEvent;
import computer.aesthetic.moodsync.sync.FirehoseListener;
import computer.aesthetic.moodsync.sync.FrameCodec;
import computer.aesthetic.moodsync.sync.MalformedEventException;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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
 * {@link WebSocketFirehose} against a scripted WebSocket server (MockWebServer): every event kind, error frames,
 * unknown kinds, corrupted blocks, bad CBOR, a huge frame, a failing listener; each with its defined outcome and
 * the cursor of the next connection.
 */
class WebSocketFirehoseTest {

    private static final Did ALICE = Did.parse("did:plc:alice000000000000000000");
    private static final String TIME = "2026-01-01T00:00:00Z";

    private MockWebServer server;
    private WebSocketFirehose source;
    private final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
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

    /** A connection that sends the frames, then (if {@code thenClose}) closes normally. */
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

    private void start(WebSocketFirehose.Builder b) {
        source = b.pds(server.url("/")).httpClient(client).backoff(Duration.ofMillis(20), Duration.ofMillis(100))
                .listener(new FirehoseListener() {
                    @Override
                    public void onEvent(FirehoseEvent event) {
                        seen.add(event);
                    }

                    @Override
                    public void onErrorFrame(FirehoseEvent.ErrorFrame error) {
                        seen.add(error);
                    }

                    @Override
                    public void onCursorReset(long refused) {
                        seen.add("reset " + refused);
                    }

                    @Override
                    public void onMalformedFrame(MalformedEventException error) {
                        seen.add("malformed");
                    }
                }).build();
        source.start();
    }

    private Object next() throws InterruptedException {
        Object o = seen.poll(10, TimeUnit.SECONDS);
        assertThat(o).as("nothing arrived within 10 s").isNotNull();
        return o;
    }

    private static byte[] identity(long seq) {
        return FrameCodec.encode(new FirehoseEvent.Identity(seq, ALICE, TIME, Optional.empty()));
    }

    private RecordedRequest take() throws InterruptedException {
        RecordedRequest r = server.takeRequest(10, TimeUnit.SECONDS);
        assertThat(r).as("no connection within 10 s").isNotNull();
        return r;
    }

    private static String cursorOf(RecordedRequest r) {
        return r.getUrl().queryParameter("cursor");
    }

    @Test
    void deliversEveryEventKindInOrderAndIgnoresUnknownKinds() throws Exception {
        InMemoryFirehose hose = InMemoryFirehose.create();
        hose.commit(ALICE, List.of(InMemoryFirehose.Write.put("computer.aesthetic.mood/3kaaaaaaaaaa2",
                Map.of("$type", "computer.aesthetic.mood", "mood", "hi"))));
        List<FirehoseEvent> real = hose.events(0); // #sync, #commit (seq 1, 2)
        script(false,
                FrameCodec.encode(new FirehoseEvent.Info("OutdatedCursor", Optional.empty())),
                FrameCodec.encode(real.get(0)), FrameCodec.encode(real.get(1)),
                FrameCodec.encode(new FirehoseEvent.Unknown(1, Optional.of("#labels"))),
                identity(3),
                FrameCodec.encode(new FirehoseEvent.Account(4, ALICE, TIME, false, Optional.of("takendown"))));
        start(WebSocketFirehose.builder().startCursor(0));
        assertThat(cursorOf(take())).isEqualTo("0");
        assertThat(next()).isInstanceOf(FirehoseEvent.Info.class);
        assertThat(next()).isInstanceOf(FirehoseEvent.Sync.class);
        FirehoseEvent.Commit commit = (FirehoseEvent.Commit) next();
        assertThat(CommitVerifier.of(BouncyCastleSignatureVerifier.create()).verify(commit, hose.key(ALICE))
                .inverted()).isTrue();
        assertThat(next()).isInstanceOf(FirehoseEvent.Identity.class);
        assertThat(next()).isInstanceOf(FirehoseEvent.Account.class);
        assertThat(source.lastSeq()).hasValue(4);
        assertThat(source.framesRead()).isEqualTo(6);
    }

    @Test
    void consumerTooSlowReconnectsFromTheLastEventDelivered() throws Exception {
        script(true, identity(10), identity(11),
                FrameCodec.encode(new FirehoseEvent.ErrorFrame("ConsumerTooSlow", Optional.of("Stream consumer too slow"))));
        script(false, identity(12));
        start(WebSocketFirehose.builder());
        assertThat(cursorOf(take())).isNull(); // live only
        assertThat(next()).isInstanceOf(FirehoseEvent.Identity.class);
        assertThat(next()).isInstanceOf(FirehoseEvent.Identity.class);
        assertThat(next()).isInstanceOfSatisfying(FirehoseEvent.ErrorFrame.class,
                e -> assertThat(e.error()).isEqualTo("ConsumerTooSlow"));
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(12);
        assertThat(cursorOf(take())).isEqualTo("11");
        assertThat(source.reconnects()).isPositive();
    }

    @Test
    void futureCursorForgetsTheCursorAndReconnectsLive() throws Exception {
        script(true, FrameCodec.encode(new FirehoseEvent.ErrorFrame("FutureCursor", Optional.of("Cursor in the future."))));
        script(false, identity(3));
        start(WebSocketFirehose.builder().startCursor(999));
        assertThat(cursorOf(take())).isEqualTo("999");
        assertThat(next()).isInstanceOf(FirehoseEvent.ErrorFrame.class);
        assertThat(next()).isEqualTo("reset 999");
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(3);
        assertThat(cursorOf(take())).isNull();
    }

    @Test
    void badCborAndCorruptedBlocksDropTheConnectionAndResumeFromTheLastGoodEvent() throws Exception {
        InMemoryFirehose hose = InMemoryFirehose.create();
        hose.commit(ALICE, List.of(InMemoryFirehose.Write.put("computer.aesthetic.mood/3kaaaaaaaaaa2",
                Map.of("$type", "computer.aesthetic.mood", "mood", "corrupt me"))));
        byte[] commit = FrameCodec.encode(hose.events(0).get(1));
        byte[] corrupted = commit.clone();
        for (int i = corrupted.length - 1; i > 0; i--) {
            if (corrupted[i] == 'c' && corrupted[i + 1] == 'o' && corrupted[i + 2] == 'r') {
                corrupted[i] = 'C';
                break;
            }
        }
        byte[] badCbor = {(byte) 0xa2, 0x61, 0x74, 0x68, '#'};
        script(false, identity(5), badCbor, identity(99));
        script(false, corrupted, identity(98));
        script(false, identity(6));
        start(WebSocketFirehose.builder());
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(5);
        assertThat(next()).isEqualTo("malformed");
        assertThat(next()).isEqualTo("malformed");
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(6);
        List<String> cursors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            cursors.add(cursorOf(take()));
        }
        assertThat(cursors).containsExactly(null, "5", "5");
        assertThat(seen).isEmpty(); // 99 and 98 came after the bad frame on dropped connections
    }

    @Test
    void aHugeFrameIsRefusedAndTheSourceReconnects() throws Exception {
        byte[] huge = FrameCodec.encode(new FirehoseEvent.Info("Huge", Optional.of("x".repeat(5000))));
        script(false, identity(1), huge, identity(2));
        script(false, identity(3));
        start(WebSocketFirehose.builder().maxFrameBytes(4096));
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(1);
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(3);
        take();
        assertThat(cursorOf(take())).isEqualTo("1");
    }

    @Test
    void aListenerFailureReplaysTheEventAfterReconnecting() throws Exception {
        script(false, identity(1), identity(2));
        script(false, identity(2), identity(3));
        int[] calls = {0};
        source = WebSocketFirehose.builder().pds(server.url("/")).httpClient(client)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).listener(event -> {
                    if (++calls[0] == 2) {
                        throw new IllegalStateException("listener failure");
                    }
                    seen.add(event);
                }).build();
        source.start();
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(((FirehoseEvent.Identity) next()).seq());
        }
        assertThat(got).containsExactly(1L, 2L, 3L);
        take();
        assertThat(cursorOf(take())).isEqualTo("1");
    }

    @Test
    void anHttpErrorAtConnectIsRetriedWithBackoff() throws Exception {
        server.enqueue(new MockResponse.Builder().code(502).build());
        script(false, identity(7));
        start(WebSocketFirehose.builder().cursor(() -> OptionalLong.of(6)));
        assertThat(((FirehoseEvent.Identity) next()).seq()).isEqualTo(7);
        RecordedRequest first = take();
        assertThat(first.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.sync.subscribeRepos");
        assertThat(cursorOf(first)).isEqualTo("6");
        assertThat(cursorOf(take())).isEqualTo("6");
    }

    @Test
    void closeStopsReconnecting() throws Exception {
        script(true, identity(1));
        start(WebSocketFirehose.builder());
        next();
        source.close();
        Thread.sleep(300);
        assertThat(server.getRequestCount()).isLessThanOrEqualTo(2);
    }
}
