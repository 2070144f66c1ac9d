package computer.aesthetic.moodsync.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plain XRPC over {@code java.net.http}, without sessions, retries or any of the library's machinery: what the
 * origin-style baseline and the raw ceiling/floor use.
 */
final class RawXrpc {
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final String base;

    RawXrpc(String base) {
        this.base = base;
    }

    /** A session: the DID and the access token. */
    record Login(String did, String accessJwt) {
    }

    Login createSession(String identifier, String password) {
        JsonNode r = post("com.atproto.server.createSession", null,
                bytes(Map.of("identifier", identifier, "password", password)));
        return new Login(r.get("did").asString(), r.get("accessJwt").asString());
    }

    JsonNode createAccount(String handle, String email, String password) {
        return post("com.atproto.server.createAccount", null,
                bytes(Map.of("handle", handle, "email", email, "password", password)));
    }

    JsonNode post(String nsid, String accessJwt, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/xrpc/" + nsid))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accessJwt != null) {
            b.header("Authorization", "Bearer " + accessJwt);
        }
        return send(nsid, b.build());
    }

    JsonNode get(String nsid, String accessJwt, Map<String, String> query) {
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/xrpc/" + nsid + q))
                .timeout(Duration.ofSeconds(120))
                .GET();
        if (accessJwt != null) {
            b.header("Authorization", "Bearer " + accessJwt);
        }
        return send(nsid, b.build());
    }

    private JsonNode send(String nsid, HttpRequest request) {
        HttpResponse<byte[]> res;
        try {
            res = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(nsid + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (res.statusCode() != 200) {
            throw new HttpFailure(nsid, res.statusCode(), new String(res.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(res.body());
    }

    static byte[] bytes(Object value) {
        return JSON.writeValueAsBytes(value);
    }

    /** A non-200 answer. */
    static final class HttpFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpFailure(String nsid, int status, String body) {
            super(nsid + ": HTTP " + status + " " + (body.length() > 300 ? body.substring(0, 300) : body));
            this.status = status;
        }
    }
}
