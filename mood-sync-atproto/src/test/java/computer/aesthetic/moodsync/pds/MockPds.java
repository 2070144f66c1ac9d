package computer.aesthetic.moodsync.pds;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Helpers for tests against MockWebServer playing a PDS. */
final class MockPds {
    static final ObjectMapper JSON = JsonMapper.builder().build();
    static final Did DID = Did.parse("did:plc:abcdefghijklmnopqrstuvwx");
    static final Handle HANDLE = Handle.parse("alice.test");
    static final Nsid MOOD = Nsid.parse("computer.aesthetic.mood");
    static final RecordKey RKEY = RecordKey.parse("3l2abcdefgh22");
    static final String PASSWORD = "hunter2-very-secret-password";
    static final String ACCESS1 = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFjY2VzcyIsIm4iOjF9.c2lnbmF0dXJlLWFjY2Vzcy0x";
    static final String REFRESH1 = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6InJlZnJlc2giLCJuIjoxfQ.c2lnbmF0dXJlLXJlZnJlc2gtMQ";
    static final String ACCESS2 = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFjY2VzcyIsIm4iOjJ9.c2lnbmF0dXJlLWFjY2Vzcy0y";
    static final String REFRESH2 = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6InJlZnJlc2giLCJuIjoyfQ.c2lnbmF0dXJlLXJlZnJlc2gtMg";

    private MockPds() {
    }

    /** A directory with one account, whose password can be changed. */
    static final class Directory implements AccountDirectory {
        final Map<Did, Account> accounts = new ConcurrentHashMap<>();

        Directory with(Did did, String password) {
            accounts.put(did, new Account(did, Optional.of(HANDLE), Optional.empty(),
                    Optional.ofNullable(password).map(Secret::of)));
            return this;
        }

        @Override
        public Optional<Account> findByUser(UserId user) {
            return Optional.empty();
        }

        @Override
        public Optional<Account> findByDid(Did did) {
            return Optional.ofNullable(accounts.get(did));
        }

        @Override
        public Optional<UserId> userOf(Did did) {
            return Optional.empty();
        }
    }

    static PdsAtprotoRepo.Builder fastRepo(MockWebServer server, AccountDirectory directory) {
        return PdsAtprotoRepo.builder()
                .accounts(directory)
                .defaultPds(server.url("/").toString())
                .backoff(Duration.ofMillis(1), Duration.ofMillis(4))
                .jitter(0)
                .maxRetries(3)
                .circuitBreaker(50, Duration.ofSeconds(1))
                .readTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(10));
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    static MockResponse error(int code, String name, String message) {
        return json(code, "{\"error\":\"" + name + "\",\"message\":\"" + message + "\"}");
    }

    static MockResponse session(String access, String refresh) {
        return json(200, "{\"did\":\"" + DID + "\",\"handle\":\"alice.test\",\"accessJwt\":\"" + access
                + "\",\"refreshJwt\":\"" + refresh + "\"}");
    }

    static Map<String, Object> mood(String text) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("$type", MOOD.value());
        value.put("mood", text);
        value.put("when", "2025-10-09T12:00:00.000Z");
        value.put("ref", "0123456789abcdef01234567");
        return value;
    }

    static String cidOf(Map<String, Object> value) {
        return DagCbor.cidOf(value).toString();
    }

    static String uri(RecordKey rkey) {
        return "at://" + DID + "/" + MOOD + "/" + rkey;
    }

    static MockResponse putOk(Map<String, Object> value, boolean commit) {
        return json(200, "{\"uri\":\"" + uri(RKEY) + "\",\"cid\":\"" + cidOf(value) + "\""
                + (commit ? ",\"commit\":{\"cid\":\"" + cidOf(value) + "\",\"rev\":\"3l2aaaaaaaa22\"}" : "")
                + ",\"validationStatus\":\"unknown\"}");
    }

    static RecordedRequest take(MockWebServer server) throws InterruptedException {
        RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(r).as("a request reached the server").isNotNull();
        return r;
    }

    static JsonNode body(RecordedRequest r) {
        return JSON.readTree(r.getBody() == null ? "" : r.getBody().string(StandardCharsets.UTF_8));
    }

    static JsonNode tree(String json) {
        return JSON.readTree(json);
    }

    /** Asserts a login request and returns it. */
    static void assertLogin(RecordedRequest r) {
        assertThat(r.getMethod()).isEqualTo("POST");
        assertThat(r.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.server.createSession");
        assertThat(r.getHeaders().get("Authorization")).isNull();
        assertThat(body(r)).isEqualTo(tree("{\"identifier\":\"" + DID + "\",\"password\":\"" + PASSWORD + "\"}"));
    }
}
