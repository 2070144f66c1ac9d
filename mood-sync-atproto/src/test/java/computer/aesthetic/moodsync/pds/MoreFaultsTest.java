package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.ACCESS2;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH2;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static computer.aesthetic.moodsync.pds.MockPds.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.spi.SwapRecord;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 12's further fault kinds: 401 on refresh, a 200 of another content type, a trickled body, bad gzip. */
class MoreFaultsTest {
    private MockWebServer server;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).maxRetries(1).build();
        server.enqueue(session(ACCESS1, REFRESH1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void a401OnRefreshLogsInAgain() throws Exception {
        server.enqueue(error(400, "ExpiredToken", "expired"));
        server.enqueue(error(401, "AuthenticationRequired", "refresh token revoked"));
        server.enqueue(session(ACCESS2, REFRESH2));
        server.enqueue(putOk(mood("x"), true));

        assertThat(repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()).changed()).isTrue();
        take(server);
        take(server);
        assertThat(take(server).getUrl().encodedPath()).endsWith("refreshSession");
        assertThat(take(server).getUrl().encodedPath()).endsWith("createSession");
        assertThat(take(server).getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS2);
    }

    @Test
    void a200OfAnotherContentTypeIsRefused() {
        server.enqueue(new MockResponse.Builder(putOk(mood("x"), true)).setHeader("Content-Type", "text/html").build());
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsException.class).hasMessageContaining("text/html");
    }

    @Test
    void aSlowlyTrickledBodyHitsTheCallTimeout() throws Exception {
        server.enqueue(MockPds.json(200, "{\"uri\":\"at://" + DID + "/" + MOOD + "/" + RKEY + "\",\"cid\":\""
                + MockPds.cidOf(mood("x")) + "\",\"value\":" + MockPds.JSON.writeValueAsString(mood("x")) + "}"));
        for (int i = 0; i < 2; i++) {
            server.enqueue(new MockResponse.Builder(putOk(mood("x"), true))
                    .throttleBody(1, 10, TimeUnit.MILLISECONDS).build()); // each byte in time, the whole too slow
        }
        PdsAtprotoRepo impatient = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD))
                .maxRetries(1).readTimeout(Duration.ofMillis(500)).callTimeout(Duration.ofSeconds(1)).build();
        impatient.getRecord(DID, MOOD, RKEY); // logs in (and warms up) before the clock matters
        long start = System.nanoTime();
        assertThatThrownBy(() -> impatient.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsUnavailableException.class).hasMessageContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aBrokenGzipBodyIsAPdsException() {
        for (int i = 0; i < 2; i++) {
            server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                    .addHeader("Content-Encoding", "gzip").body(new Buffer().writeUtf8("not gzip at all")).build());
        }
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsException.class).hasMessageContaining("putRecord");
    }
}
