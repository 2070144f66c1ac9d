package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.error;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.take;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.net.InetAddress;
import java.net.URI;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdentityResolverTest {
    private static final Did PLC = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
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

    private IdentityResolver.Builder resolver() {
        return IdentityResolver.builder().plcDirectory(server.url("/").toString())
                .handleResolver(server.url("/").toString());
    }

    private static String doc(Did did, String endpoint) {
        return "{\"@context\":[\"https://www.w3.org/ns/did/v1\"],\"id\":\"" + did + "\",\"alsoKnownAs\":[\"at://alice.test\"],"
                + "\"service\":[{\"id\":\"#atproto_pds\",\"type\":\"AtprotoPersonalDataServer\",\"serviceEndpoint\":\""
                + endpoint + "\"}]}";
    }

    @Test
    void resolvesAHandleWithResolveHandle() throws Exception {
        server.enqueue(json(200, "{\"did\":\"" + PLC + "\"}"));

        assertThat(resolver().build().resolveHandle(Handle.parse("alice.test"))).contains(PLC);

        RecordedRequest r = take(server);
        assertThat(r.getMethod()).isEqualTo("GET");
        assertThat(r.getUrl().encodedPath()).isEqualTo("/xrpc/com.atproto.identity.resolveHandle");
        assertThat(r.getUrl().query()).isEqualTo("handle=alice.test");
        assertThat(r.getHeaders().get("Authorization")).isNull();
    }

    @Test
    void anUnknownHandleIsEmpty() {
        server.enqueue(error(400, "HandleNotFound", "Unable to resolve handle"));
        assertThat(resolver().build().resolveHandle(Handle.parse("nobody.test"))).isEmpty();
    }

    @Test
    void anAnswerThatIsNotADidIsAPdsException() {
        server.enqueue(json(200, "{\"did\":\"nope\"}"));
        assertThatThrownBy(() -> resolver().build().resolveHandle(Handle.parse("alice.test")))
                .isInstanceOf(PdsException.class).hasMessageContaining("expected a DID");
    }

    @Test
    void resolvesADidPlcDocumentFromThePlcDirectory() throws Exception {
        server.enqueue(json(200, doc(PLC, "https://pds.example.com")));

        DidDocument d = resolver().build().resolveDid(PLC).orElseThrow();

        assertThat(take(server).getUrl().encodedPath()).isEqualTo("/" + PLC);
        assertThat(d.pdsEndpoint()).contains(URI.create("https://pds.example.com"));
        assertThat(d.handle()).contains(Handle.parse("alice.test"));
    }

    @Test
    void anUnknownDidIsEmpty() {
        server.enqueue(error(404, "NotFound", "DID not registered"));
        assertThat(resolver().build().resolveDid(PLC)).isEmpty();
    }

    @Test
    void aDocumentForAnotherDidIsRefused() {
        server.enqueue(json(200, doc(Did.parse("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), "https://pds.example.com")));
        assertThatThrownBy(() -> resolver().build().resolveDid(PLC))
                .isInstanceOf(PdsException.class).hasMessageContaining("names another DID");
    }

    @Test
    void resolvesADidWebDocumentFromWellKnownWhenLocalIsAllowed() throws Exception {
        Did web = Did.parse("did:web:localhost%3A" + server.getPort());
        server.enqueue(json(200, doc(web, "http://localhost:2583")));

        URI pds = resolver().allowInsecureEndpoints(true).build().resolvePds(web).orElseThrow();

        assertThat(pds).isEqualTo(URI.create("http://localhost:2583"));
        assertThat(take(server).getUrl().encodedPath()).isEqualTo("/.well-known/did.json");
    }

    @Test
    void plainHttpEndpointsFromDidDocumentsAreRefusedByDefault() {
        server.enqueue(json(200, doc(PLC, "http://pds.example.com")));
        assertThatThrownBy(() -> resolver().build().resolvePds(PLC))
                .isInstanceOf(PdsException.class).hasMessageContaining("expected https");
    }

    @Test
    void privateAndLoopbackEndpointsFromDidDocumentsAreRefusedByDefault() {
        for (String endpoint : new String[] {"https://127.0.0.1", "https://10.1.2.3:8443", "https://169.254.169.254",
                "https://[::1]", "https://192.168.0.5", "https://[fd00::1]"}) {
            server.enqueue(json(200, doc(PLC, endpoint)));
            assertThatThrownBy(() -> resolver().build().resolvePds(PLC))
                    .as(endpoint).isInstanceOf(PdsException.class).hasMessageContaining("non-public address");
        }
    }

    @Test
    void aDidWebOnALoopbackHostIsRefusedByDefault() {
        Did web = Did.parse("did:web:localhost%3A" + server.getPort());
        assertThatThrownBy(() -> resolver().build().resolveDid(web)).isInstanceOf(PdsException.class);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void publicAddressesAreAccepted() throws Exception {
        assertThat(IdentityResolver.isPrivate(InetAddress.getByName("8.8.8.8"))).isFalse();
        assertThat(IdentityResolver.isPrivate(InetAddress.getByName("2001:4860:4860::8888"))).isFalse();
        assertThat(IdentityResolver.isPrivate(InetAddress.getByName("100.64.0.1"))).isTrue();
        assertThat(IdentityResolver.isPrivate(InetAddress.getByName("::ffff:10.0.0.1"))).isTrue();
    }
}
