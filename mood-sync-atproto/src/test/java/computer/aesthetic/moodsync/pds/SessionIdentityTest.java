package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.ACCESS2;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.HANDLE;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH2;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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

/**
 * Issue 12, finding 7: a session's DID must equal the repository's, and failed logins and refreshes are single
 * flight and cooled down like successful ones.
 */
class SessionIdentityTest {
    private static final Did OTHER = Did.parse("did:plc:otherotherotherotherothe");
    private MockWebServer server;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aLoginAnswerForAnotherDidIsRefusedAndCooledDown() {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).build();
        server.enqueue(json(200, "{\"did\":\"" + OTHER + "\",\"accessJwt\":\"" + ACCESS1 + "\",\"refreshJwt\":\""
                + REFRESH1 + "\"}"));
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                    .isInstanceOf(PdsAuthenticationException.class);
        }
        assertThat(server.getRequestCount()).as("ten writes, one login").isEqualTo(1);
    }

    @Test
    void aLoginAnswerWithoutADidIsRefused() {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).build();
        server.enqueue(json(200, "{\"accessJwt\":\"" + ACCESS1 + "\",\"refreshJwt\":\"" + REFRESH1 + "\"}"));
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class).hasMessageContaining("did");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aRefreshAnswerForAnotherDidIsRefused() {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).maxRetries(0)
                .build();
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(error(400, "ExpiredToken", "expired"));
        server.enqueue(json(200, "{\"did\":\"" + OTHER + "\",\"accessJwt\":\"" + ACCESS2 + "\",\"refreshJwt\":\""
                + REFRESH2 + "\"}"));
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class);
        assertThat(server.getRequestCount()).as("the other DID's token was never used").isEqualTo(3);
    }

    @Test
    void anAccountForAnotherDidIsNeverUsed() {
        MockPds.Directory directory = new MockPds.Directory();
        directory.accounts.put(DID, new Account(OTHER, Optional.of(HANDLE), Optional.empty(),
                Optional.of(Secret.of(PASSWORD))));
        PdsAtprotoRepo repo = MockPds.fastRepo(server, directory).build();
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsException.class).hasMessageContaining(OTHER.value()).hasMessageContaining(DID.value());
        assertThatThrownBy(() -> repo.getRecord(DID, MOOD, RKEY)).isInstanceOf(PdsException.class);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void eightThreadsWhoseRefreshFailsMakeOneRefresh() throws Exception {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).maxRetries(0)
                .build();
        AtomicInteger logins = new AtomicInteger();
        AtomicInteger refreshes = new AtomicInteger();
        CountDownLatch eight = new CountDownLatch(8);
        AtomicBoolean expired = new AtomicBoolean();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                String path = request.getUrl().encodedPath();
                if (path.endsWith("createSession")) {
                    logins.incrementAndGet();
                    return session(ACCESS1, REFRESH1);
                }
                if (path.endsWith("refreshSession")) {
                    refreshes.incrementAndGet();
                    Thread.sleep(100); // let late threads pile up behind the refresh
                    return error(503, "ServiceUnavailable", "try later");
                }
                if (!expired.get()) {
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
        List<Throwable> failures = new ArrayList<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any())));
            }
            for (Future<?> f : futures) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).hasSize(8).allMatch(e -> e instanceof PdsException p && p.httpStatus() == 503);
        assertThat(refreshes).as("one refresh for eight threads").hasValue(1);
        assertThat(logins).as("no new login").hasValue(1);
    }
}
