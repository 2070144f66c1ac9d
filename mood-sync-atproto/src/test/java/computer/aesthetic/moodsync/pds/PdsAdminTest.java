package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PdsAdminTest {
    private MockWebServer server;
    private PdsAdmin admin;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        admin = PdsAdmin.builder().pds(server.url("/").toString()).adminPassword(Secret.of("admin-secret"))
                .maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void deleteAccountPostsTheDidWithBasicAuth() throws Exception {
        server.enqueue(json(200, ""));

        admin.deleteAccount(DID);

        RecordedRequest r = take(server);
        assertThat(r.getMethod()).isEqualTo("POST");
        assertThat(r.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.admin.deleteAccount");
        assertThat(r.getHeaders().get("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("admin:admin-secret".getBytes(StandardCharsets.UTF_8)));
        assertThat(MockPds.body(r)).isEqualTo(MockPds.tree("{\"did\":\"" + DID + "\"}"));
    }

    @Test
    void aWrongAdminPasswordIsAnAuthenticationFailureWithoutThePassword() {
        server.enqueue(error(401, "AuthenticationRequired", "Unauthorized"));
        assertThatThrownBy(() -> admin.deleteAccount(DID)).isInstanceOf(PdsAuthenticationException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("admin-secret"));
    }
}
