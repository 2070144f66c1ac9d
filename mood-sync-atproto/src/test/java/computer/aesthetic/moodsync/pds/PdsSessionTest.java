package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.ACCESS2;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH2;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.assertLogin;
import static computer.aesthetic.moodsync.pds.MockPds.cidOf;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static computer.aesthetic.moodsync.pds.MockPds.take;
import static computer.aesthetic.moodsync.pds.MockPds.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Logins, refreshes and their failures. */
class PdsSessionTest {
    private MockWebServer server;
    private MockPds.Directory directory;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        directory = new MockPds.Directory().with(DID, PASSWORD);
        repo = MockPds.fastRepo(server, directory).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theSessionIsReusedAcrossCalls() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        for (int i = 0; i < 5; i++) {
            server.enqueue(putOk(mood("x"), true));
        }
        for (int i = 0; i < 5; i++) {
            repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());
        }
        assertLogin(take(server));
        for (int i = 0; i < 5; i++) {
            assertThat(take(server).getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.repo.putRecord");
        }
    }

    @Test
    void expiredTokenIsRefreshedAndTheCallRepeatedOnce() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "ExpiredToken", "Token has expired"));
        server.enqueue(session(ACCESS2, REFRESH2));
        server.enqueue(putOk(mood("x"), true));

        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertLogin(take(server));
        assertThat(take(server).getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS1);
        RecordedRequest refresh = take(server);
        assertThat(refresh.getMethod()).isEqualTo("POST");
        assertThat(refresh.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.server.refreshSession");
        assertThat(refresh.getHeaders().get("Authorization")).isEqualTo("Bearer " + REFRESH1);
        assertThat(refresh.getBodySize()).isZero();
        assertThat(take(server).getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS2);
    }

    @Test
    void aRefusedRefreshLogsInAgain() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "ExpiredToken", "Token has expired"));
        server.enqueue(error(400, "ExpiredToken", "Refresh token has expired"));
        server.enqueue(session(ACCESS2, REFRESH2));
        server.enqueue(putOk(mood("x"), true));

        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertLogin(take(server));
        take(server);
        assertThat(take(server).getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.server.refreshSession");
        assertLogin(take(server));
        assertThat(take(server).getHeaders().get("Authorization")).isEqualTo("Bearer " + ACCESS2);
    }

    @Test
    void invalidTokenIsRenewedOnceThenReportedAsAnAuthenticationFailure() throws Exception {
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "InvalidToken", "Token could not be verified"));
        server.enqueue(session(ACCESS2, REFRESH2));
        server.enqueue(error(400, "InvalidToken", "Token could not be verified"));

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class)
                .hasMessageContaining("freshly renewed session")
                .satisfies(e -> assertThat(((PdsAuthenticationException) e).errorName()).contains("InvalidToken"));
        assertThat(server.getRequestCount()).as("login, call, refresh, call: no loop").isEqualTo(4);
    }

    @Test
    void aRefusedPasswordIsAnAuthenticationFailureAndNotTriedAgainSoon() throws Exception {
        server.enqueue(error(401, "AuthenticationRequired", "Invalid identifier or password"));

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class)
                .satisfies(e -> {
                    PdsAuthenticationException p = (PdsAuthenticationException) e;
                    assertThat(p.httpStatus()).isEqualTo(401);
                    assertThat(p.errorName()).contains("AuthenticationRequired");
                    assertThat(p.isRetryable()).isFalse();
                    assertThat(p.getMessage()).doesNotContain(PASSWORD);
                });
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class).hasMessageContaining("not trying the same password");
        assertThat(server.getRequestCount()).isEqualTo(1);

        // a changed password is tried at once
        directory.with(DID, "a-new-password");
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(putOk(mood("x"), true));
        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void anAccountWithoutPasswordCannotWrite() {
        directory.with(DID, null);
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class).hasMessageContaining("no password");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void expiredTokenMidStreamOfALongListingIsRefreshedAndTheListingContinues() throws Exception {
        int pages = 5;
        AtomicInteger refreshes = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                String auth = request.getHeaders().get("Authorization");
                if (path.endsWith("createSession")) {
                    return session(ACCESS1, REFRESH1);
                }
                if (path.endsWith("refreshSession")) {
                    refreshes.incrementAndGet();
                    return ("Bearer " + REFRESH1).equals(auth) ? session(ACCESS2, REFRESH2)
                            : error(400, "ExpiredToken", "bad refresh");
                }
                String cursor = request.getUrl().queryParameter("cursor");
                int page = cursor == null ? 0 : Integer.parseInt(cursor.substring(1));
                if (page >= 3 && !("Bearer " + ACCESS2).equals(auth)) {
                    return error(400, "ExpiredToken", "Token has expired");
                }
                if (page == pages) {
                    return json(200, "{\"records\":[]}");
                }
                StringBuilder sb = new StringBuilder("{\"cursor\":\"p" + (page + 1) + "\",\"records\":[");
                for (int i = 0; i < 100; i++) {
                    RecordKey k = Tid.of(1_700_000_000_000_000L + page * 100L + i, 0).toRecordKey();
                    Map<String, Object> v = mood("m" + (page * 100 + i));
                    sb.append(i == 0 ? "" : ",").append("{\"uri\":\"").append(uri(k)).append("\",\"cid\":\"")
                            .append(cidOf(v)).append("\",\"value\":").append(MockPds.JSON.writeValueAsString(v))
                            .append('}');
                }
                return json(200, sb.append("]}").toString());
            }
        });

        List<RepoRecord> all = repo.listAll(DID, MOOD).toList();

        assertThat(all).hasSize(pages * 100);
        assertThat(all.get(499).value()).containsEntry("mood", "m499");
        assertThat(refreshes).hasValue(1);
    }

    @Test
    void eightThreadsHittingAnExpiredTokenTriggerOneRefresh() throws Exception {
        AtomicInteger logins = new AtomicInteger();
        AtomicInteger refreshes = new AtomicInteger();
        AtomicBoolean expired = new AtomicBoolean();
        CountDownLatch eight = new CountDownLatch(8);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                String path = request.getUrl().encodedPath();
                String auth = request.getHeaders().get("Authorization");
                if (path.endsWith("createSession")) {
                    logins.incrementAndGet();
                    return session(ACCESS1, REFRESH1);
                }
                if (path.endsWith("refreshSession")) {
                    refreshes.incrementAndGet();
                    Thread.sleep(100); // let late threads pile up behind the refresh
                    return session(ACCESS2, REFRESH2);
                }
                if (("Bearer " + ACCESS2).equals(auth) || !expired.get()) {
                    return putOk(mood("x"), true);
                }
                eight.countDown();
                eight.await(5, TimeUnit.SECONDS); // all eight calls carry the expired token
                return error(400, "ExpiredToken", "Token has expired");
            }
        });
        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()); // logs in
        expired.set(true);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any())));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(eight.getCount()).as("all eight calls met the expired token").isZero();
        assertThat(refreshes).as("one refresh for eight threads").hasValue(1);
        assertThat(logins).as("no new login").hasValue(1);
    }
}
