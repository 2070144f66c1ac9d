package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.spi.SwapRecord;
import java.time.Duration;
import java.time.Instant;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 5: absurd rate-limit headers. All header arithmetic saturates, retry times are at most a day
 * away, and a write budget whose reset is further than that is distrusted rather than obeyed.
 */
class HeaderArithmeticTest {
    private static final Duration DAY = Duration.ofDays(1);
    private MockWebServer server;
    private PdsAtprotoRepo repo;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).maxRetries(0).build();
        server.enqueue(session(ACCESS1, REFRESH1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "100000000000", "86401", "Fri, 31 Dec 9999 23:59:59 GMT",
        "-9223372036854775808"})
    void retryAfterIsCappedAtADay(String retryAfter) {
        server.enqueue(new MockResponse.Builder(error(429, "RateLimitExceeded", "slow down"))
                .addHeader("Retry-After", retryAfter).build());

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(RateLimitedException.class)
                .satisfies(e -> assertThat(((RateLimitedException) e).retryAt().orElseThrow())
                        .isBefore(Instant.now().plus(DAY).plusSeconds(60))
                        .isAfter(Instant.now().minusSeconds(60)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "31556889864403199", "99999999999", "-9223372036854775808"})
    void rateLimitResetIsCappedAtADay(String reset) {
        server.enqueue(new MockResponse.Builder(error(429, "RateLimitExceeded", "slow down"))
                .addHeader("RateLimit-Limit", "5000").addHeader("RateLimit-Remaining", "0")
                .addHeader("RateLimit-Reset", reset).build());

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(RateLimitedException.class)
                .satisfies(e -> assertThat(((RateLimitedException) e).retryAt()).hasValueSatisfying(at ->
                        assertThat(at).isBefore(Instant.now().plus(DAY).plusSeconds(60))));
    }

    @Test
    void aHugePolicyWindowDoesNotOverflow() {
        // a spent budget whose reset has passed: the next write starts a new window of the policy's length
        server.enqueue(new MockResponse.Builder(putOk(mood("x"), true))
                .addHeader("RateLimit-Limit", "5000").addHeader("RateLimit-Remaining", "0")
                .addHeader("RateLimit-Reset", Long.toString(Instant.now().minusSeconds(10).getEpochSecond()))
                .addHeader("RateLimit-Policy", "5000;w=9223372036854775807").build());
        server.enqueue(putOk(mood("x"), true));

        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());
        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(repo.writeBudget(DID).orElseThrow().resetAt()).isBefore(Instant.now().plus(DAY).plusSeconds(60));
    }

    @Test
    void aBudgetWithAnAbsurdResetIsDistrustedNotObeyed() {
        long year3000 = Instant.parse("3000-01-01T00:00:00Z").getEpochSecond();
        server.enqueue(new MockResponse.Builder(putOk(mood("x"), true))
                .addHeader("RateLimit-Limit", "5000").addHeader("RateLimit-Remaining", "0")
                .addHeader("RateLimit-Reset", Long.toString(year3000)).build());
        server.enqueue(putOk(mood("x"), true));

        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());
        // not refused until the year 3000: sent, and the PDS decides
        repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any());

        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(repo.writeBudget(DID)).isEmpty();
    }
}
