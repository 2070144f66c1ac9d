package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.cidOf;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static computer.aesthetic.moodsync.pds.MockPds.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every fault a PDS or the network can produce, and what the client makes of it. */
class PdsFaultsTest {
    private MockWebServer server;
    private MockPds.Directory directory;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        directory = new MockPds.Directory().with(DID, PASSWORD);
        repo = MockPds.fastRepo(server, directory).build();
        server.enqueue(session(ACCESS1, REFRESH1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorsAreRetriedUntilSuccess(int status) {
        server.enqueue(error(status, "InternalServerError", "boom"));
        server.enqueue(error(status, "InternalServerError", "boom"));
        server.enqueue(putOk(mood("x"), true));

        assertThat(repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()).changed()).isTrue();
        assertThat(server.getRequestCount()).isEqualTo(4);
    }

    @Test
    void serverErrorsAreRetriedAtMostMaxRetriesTimes() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(error(503, "ServiceUnavailable", "down"));
        }
        assertThatThrownBy(() -> repo.getRecord(DID, MOOD, RKEY))
                .isExactlyInstanceOf(PdsException.class)
                .satisfies(e -> {
                    PdsException p = (PdsException) e;
                    assertThat(p.httpStatus()).isEqualTo(503);
                    assertThat(p.isRetryable()).isTrue();
                });
        assertThat(server.getRequestCount()).isEqualTo(1 + 4);
    }

    @Test
    void notImplementedIsNotRetried() {
        server.enqueue(error(501, "MethodNotImplemented", "no"));
        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsException.class)
                .satisfies(e -> {
                    PdsException p = (PdsException) e;
                    assertThat(p.httpStatus()).isEqualTo(501);
                    assertThat(p.isRetryable()).isFalse();
                    assertThat(p.errorName()).contains("MethodNotImplemented");
                });
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void tooManyRequestsWaitsForRetryAfterThenSucceeds() {
        server.enqueue(new MockResponse.Builder(error(429, "RateLimitExceeded", "slow down"))
                .addHeader("Retry-After", "1").build());
        server.enqueue(putOk(mood("x"), true));

        long start = System.nanoTime();
        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void tooManyRequestsWaitsForRateLimitResetThenSucceeds() throws Exception {
        // the clock stands 200 ms before the reset second
        Instant now = Instant.ofEpochSecond(1_800_000_000L).minusMillis(200);
        PdsAtprotoRepo timed = MockPds.fastRepo(server, directory).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        server.enqueue(new MockResponse.Builder(error(429, "RateLimitExceeded", "slow down"))
                .addHeader("RateLimit-Limit", "3000").addHeader("RateLimit-Remaining", "0")
                .addHeader("RateLimit-Reset", "1800000000").addHeader("RateLimit-Policy", "3000;w=300").build());
        server.enqueue(putOk(mood("x"), true));

        long start = System.nanoTime();
        timed.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void tooManyRequestsBeyondTheMaximumWaitIsARateLimitedException() {
        server.enqueue(new MockResponse.Builder(error(429, "RateLimitExceeded", "slow down"))
                .addHeader("Retry-After", "3600").build());

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(RateLimitedException.class)
                .satisfies(e -> {
                    RateLimitedException r = (RateLimitedException) e;
                    assertThat(r.httpStatus()).isEqualTo(429);
                    assertThat(r.isRetryable()).isTrue();
                    assertThat(r.retryAt()).isPresent();
                    assertThat(r.retryAt().get()).isAfter(Instant.now().plusSeconds(3000));
                });
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void readTimeoutsAreRetriedForIdempotentCallsThenReportedAsUnavailable() {
        PdsAtprotoRepo impatient = MockPds.fastRepo(server, directory).readTimeout(Duration.ofMillis(100))
                .maxRetries(1).build();
        // the login answers at once; both getRecord attempts stall
        for (int i = 0; i < 2; i++) {
            server.enqueue(new MockResponse.Builder(json(200, "{}")).headersDelay(1, TimeUnit.SECONDS).build());
        }
        assertThatThrownBy(() -> impatient.getRecord(DID, MOOD, RKEY))
                .isInstanceOf(PdsUnavailableException.class)
                .hasMessageContaining("timed out")
                .satisfies(e -> assertThat(((PdsException) e).isRetryable()).isTrue());
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void aConnectionResetIsRetriedForAnIdempotentCall() {
        server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        server.enqueue(putOk(mood("x"), true));

        assertThat(repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()).changed()).isTrue();
    }

    @Test
    void aConnectionResetOnABatchWithCreatesIsNotRetriedAndSaysItMayHaveBeenApplied() {
        server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        server.enqueue(json(200, "{}"));

        assertThatThrownBy(() -> repo.applyWrites(DID, List.of(new RepoWrite.Create(MOOD, RKEY, mood("x")))))
                .isInstanceOf(PdsUnavailableException.class)
                .hasMessageContaining("may or may not have been applied");
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void aServerErrorOnABatchWithCreatesExplainsTheExistingRecordCase() {
        server.enqueue(error(500, "InternalServerError", "Internal Server Error"));

        assertThatThrownBy(() -> repo.applyWrites(DID, List.of(new RepoWrite.Create(MOOD, RKEY, mood("x")))))
                .isInstanceOf(PdsException.class)
                .hasMessageContaining("HTTP 500")
                .hasMessageContaining("create targets an existing record");
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void aBatchOfUpdatesIsRetriedAfterAServerError() {
        server.enqueue(error(502, "BadGateway", "x"));
        server.enqueue(json(200, "{}"));

        assertThat(repo.applyWrites(DID, List.of(new RepoWrite.Update(MOOD, RKEY, mood("x"))))).hasSize(1);
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void anHtmlErrorPageIsAPdsExceptionThatSaysWhatCame() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse.Builder().code(502).addHeader("Content-Type", "text/html")
                    .body("<html><body><h1>502 Bad Gateway</h1></body></html>").build());
        }
        assertThatThrownBy(() -> repo.getRecord(DID, MOOD, RKEY))
                .isExactlyInstanceOf(PdsException.class)
                .hasMessageContaining("HTTP 502")
                .hasMessageContaining("text/html")
                .satisfies(e -> assertThat(((PdsException) e).errorName()).isEmpty());
    }

    @Test
    void truncatedJsonIsAPdsExceptionNotAJacksonOne() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(json(200, "{\"records\":[{\"uri\":\"at://"));
        }
        assertThatThrownBy(() -> repo.listRecords(DID, MOOD, 10, Optional.empty(), false))
                .isExactlyInstanceOf(PdsException.class)
                .hasMessageContaining("not well-formed JSON")
                .hasNoCause();
    }

    @Test
    void aBodyCutShortByTheServerIsUnavailability() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse.Builder(json(200, "{\"records\":[]}"))
                    .onResponseBody(new SocketEffect.CloseSocket()).build());
        }
        assertThatThrownBy(() -> repo.listRecords(DID, MOOD, 10, Optional.empty(), false))
                .isInstanceOf(PdsException.class);
    }

    @Test
    void aTenMegabyteAnswerIsRead() {
        String big = "x".repeat(10 * 1024 * 1024);
        Map<String, Object> value = mood(big);
        server.enqueue(json(200, "{\"uri\":\"" + uri(RKEY) + "\",\"cid\":\"" + cidOf(mood("small"))
                + "\",\"value\":{\"$type\":\"computer.aesthetic.mood\",\"mood\":\"" + big + "\"}}"));

        Optional<RepoRecord> record = repo.getRecord(DID, MOOD, RKEY);

        assertThat(record).isPresent();
        assertThat((String) record.get().value().get("mood")).hasSize(((String) value.get("mood")).length());
    }

    @Test
    void anAnswerLargerThanTheCapIsAPdsException() {
        PdsAtprotoRepo capped = MockPds.fastRepo(server, directory).maxResponseBytes(1024 * 1024).build();
        String big = "x".repeat(10 * 1024 * 1024);
        server.enqueue(json(200, "{\"records\":[],\"pad\":\"" + big + "\"}"));
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .chunkedBody("{\"records\":[],\"pad\":\"" + big + "\"}", 64 * 1024).build());

        assertThatThrownBy(() -> capped.listRecords(DID, MOOD, 10, Optional.empty(), false))
                .isExactlyInstanceOf(PdsException.class).hasMessageContaining("at most 1048576 bytes");
        assertThatThrownBy(() -> capped.listRecords(DID, MOOD, 10, Optional.empty(), false))
                .isExactlyInstanceOf(PdsException.class).hasMessageContaining("more than 1048576 bytes");
    }

    @Test
    void aCursorThatRepeatsEndsTheListingWithAnError() {
        server.enqueue(json(200, "{\"cursor\":\"same\",\"records\":[]}"));
        server.enqueue(json(200, "{\"cursor\":\"same\",\"records\":[]}"));

        assertThatThrownBy(() -> repo.listAll(DID, MOOD).toList())
                .isInstanceOf(PdsException.class).hasMessageContaining("returned the cursor it was given");
    }

    @Test
    void aCursorThatNeverEndsHitsThePageBound() {
        PdsAtprotoRepo bounded = MockPds.fastRepo(server, directory).maxListPages(5).build();
        AtomicInteger n = new AtomicInteger();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getUrl().encodedPath().endsWith("createSession")) {
                    return session(ACCESS1, REFRESH1);
                }
                return json(200, "{\"cursor\":\"c" + n.incrementAndGet() + "\",\"records\":[]}");
            }
        });

        assertThatThrownBy(() -> bounded.listAll(DID, MOOD).toList())
                .isInstanceOf(PdsException.class).hasMessageContaining("did not end after 5 pages");
        assertThat(n).hasValue(5);
    }

    @Test
    void theCircuitOpensAfterRepeatedOutagesAndFailsFast() {
        PdsAtprotoRepo fragile = MockPds.fastRepo(server, directory).maxRetries(0)
                .circuitBreaker(2, Duration.ofMinutes(1)).build();
        server.enqueue(error(503, "Unavailable", "down")); // after the login
        server.enqueue(error(503, "Unavailable", "down"));

        assertThatThrownBy(() -> fragile.getRecord(DID, MOOD, RKEY)).isExactlyInstanceOf(PdsException.class);
        assertThatThrownBy(() -> fragile.getRecord(DID, MOOD, RKEY)).isExactlyInstanceOf(PdsException.class);
        int before = server.getRequestCount();
        assertThatThrownBy(() -> fragile.getRecord(DID, MOOD, RKEY))
                .isInstanceOf(PdsUnavailableException.class)
                .hasMessageContaining("circuit breaker is open")
                .satisfies(e -> assertThat(((PdsException) e).retryAt()).isPresent());
        assertThat(server.getRequestCount()).isEqualTo(before);
    }

    @Test
    void theWriteBudgetComesFromTheHeadersAndAnOverrunIsNotSent() {
        long reset = Instant.now().plusSeconds(3600).getEpochSecond();
        server.enqueue(new MockResponse.Builder(putOk(mood("x"), true))
                .addHeader("RateLimit-Limit", "5000").addHeader("RateLimit-Remaining", "2")
                .addHeader("RateLimit-Reset", Long.toString(reset)).addHeader("RateLimit-Policy", "5000;w=3600")
                .build());

        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(repo.writeBudget(DID)).contains(new WriteBudget(5000, 2, Instant.ofEpochSecond(reset)));
        int before = server.getRequestCount();
        assertThatThrownBy(() -> repo.applyWrites(DID, List.of(new RepoWrite.Create(MOOD, RKEY, mood("y")))))
                .isInstanceOf(RateLimitedException.class)
                .hasMessageContaining("write budget of " + DID + " exhausted until " + Instant.ofEpochSecond(reset))
                .satisfies(e -> {
                    RateLimitedException r = (RateLimitedException) e;
                    assertThat(r.httpStatus()).isZero();
                    assertThat(r.errorName()).contains("WriteBudgetExhausted");
                    assertThat(r.retryAt()).contains(Instant.ofEpochSecond(reset));
                });
        assertThat(server.getRequestCount()).as("nothing sent").isEqualTo(before);
        // a delete costs 1 point and still fits
        server.enqueue(json(200, "{}"));
        repo.deleteRecord(DID, MOOD, RKEY, SwapRecord.any());
        assertThat(repo.writeBudget(DID).orElseThrow().remaining()).isEqualTo(1);
    }

    @Test
    void aShortBudgetWaitsForANearReset() {
        Instant now = Instant.ofEpochSecond(1_800_000_000L).minusMillis(200);
        PdsAtprotoRepo timed = MockPds.fastRepo(server, directory).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        server.enqueue(new MockResponse.Builder(putOk(mood("x"), true))
                .addHeader("RateLimit-Limit", "5000").addHeader("RateLimit-Remaining", "0")
                .addHeader("RateLimit-Reset", "1800000000").build());
        server.enqueue(putOk(mood("x"), true));

        timed.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());
        long start = System.nanoTime();
        timed.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void aRetriedSwapPutWhoseFirstAttemptLandedIsASuccess() {
        Map<String, Object> value = mood("landed");
        server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        server.enqueue(error(400, "InvalidSwap", "Record was at " + cidOf(value)));
        server.enqueue(json(200, "{\"uri\":\"" + uri(RKEY) + "\",\"cid\":\"" + cidOf(value) + "\",\"value\":"
                + MockPds.JSON.writeValueAsString(value) + "}"));

        assertThat(repo.putRecord(DID, MOOD, RKEY, value, SwapRecord.absent()).cid().orElseThrow().toString())
                .isEqualTo(cidOf(value));
    }

    @Test
    void aPageWithOnlyUnreadableRecordsDoesNotEndTheListing() {
        Map<String, Object> v = mood("ok");
        server.enqueue(json(200, "{\"cursor\":\"a\",\"records\":[{\"uri\":\"nope\",\"cid\":\"x\",\"value\":{}}]}"));
        server.enqueue(json(200, "{\"cursor\":\"b\",\"records\":[{\"uri\":\"" + uri(RKEY) + "\",\"cid\":\""
                + cidOf(v) + "\",\"value\":" + MockPds.JSON.writeValueAsString(v) + "}]}"));
        server.enqueue(json(200, "{\"records\":[]}"));

        assertThat(repo.listAll(DID, MOOD).toList()).extracting(RepoRecord::rkey).containsExactly(RKEY);
    }
}
