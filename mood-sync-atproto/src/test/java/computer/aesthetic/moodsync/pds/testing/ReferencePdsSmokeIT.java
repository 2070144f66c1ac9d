package computer.aesthetic.moodsync.pds.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

@ExtendWith(ReferencePdsExtension.class)
class ReferencePdsSmokeIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void createSessionForFirstAccount(ReferencePds pds) throws Exception {
        assertFalse(pds.accounts().isEmpty(), "the harness creates test accounts");
        ReferencePds.Account account = pds.account(0);
        assertEquals("alice.test", account.handle());
        assertTrue(account.did().startsWith("did:plc:"), account::did);

        String body = JSON.writeValueAsString(
                Map.of("identifier", account.handle(), "password", account.password()));
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(pds.url() + "/xrpc/com.atproto.server.createSession"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        // HTTP/1.1 explicitly: the JDK client's default HTTP/2 attempt sends an "Upgrade: h2c" request,
        // which the PDS hands to its WebSocket upgrade handler and answers by closing the connection.
        HttpResponse<String> response = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build()
                .send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

        assertEquals(200, response.statusCode(), response::body);
        JsonNode session = JSON.readTree(response.body());
        JsonNode accessJwt = session.get("accessJwt");
        assertTrue(accessJwt != null && accessJwt.isString() && !accessJwt.asString().isEmpty(),
                () -> "no accessJwt in " + response.body());
        assertEquals(account.did(), session.get("did").asString());
    }
}
