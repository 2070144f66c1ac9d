package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.syntax.Did;
import java.net.URI;
import java.net.UnknownHostException;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 4: {@code did:web} as the spec and ATProto define it (a host name; a port only on
 * {@code localhost}; {@code %3A} is the only escape, for that port), and PDS endpoints without userinfo, path,
 * query or fragment. Every violation is a typed {@link PdsException} and nothing is fetched.
 */
class DidWebTest {
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

    private IdentityResolver insecure() {
        return IdentityResolver.builder().plcDirectory(server.url("/").toString()).allowInsecureEndpoints(true)
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "did:web:example.com%3A8443", // a port on a public host
        "did:web:example.com%2Fadmin", "did:web:example.com%3Fq=1", "did:web:example.com%23frag",
        "did:web:example.com%5Cevil", "did:web:example.com%zz", "did:web:example.com%", "did:web:exa%6dple.com",
        "did:web:example.com:user:alice", // a path: not in ATProto
        "did:web:-example.com", "did:web:example..com", "did:web:localhost%3A0", "did:web:localhost%3A99999",
        "did:web:localhost%3Aabc", "did:web:user%40example.com"
    })
    void malformedDidWebIsATypedErrorAndFetchesNothing(String text) {
        Did did = Did.tryParse(text).orElse(null);
        if (did == null) {
            return; // the DID syntax already refuses it: nothing reaches the resolver
        }
        // no name is ever looked up or connected to, whatever the resolver makes of the DID
        OkHttpClient noLookups = new OkHttpClient.Builder().dns(host -> {
            throw new UnknownHostException("this test resolves no names, asked for " + host);
        }).build();
        for (IdentityResolver resolver : new IdentityResolver[] {
            IdentityResolver.builder().httpClient(noLookups).allowInsecureEndpoints(true).build(),
            IdentityResolver.builder().httpClient(noLookups).build()}) {
            assertThatThrownBy(() -> resolver.resolveDid(did)).as(text).isInstanceOf(PdsException.class)
                    .hasMessageContaining("did:web").hasMessageNotContaining("this test resolves no names");
        }
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void percentEscapesDoNotReachThePathOrQuery() {
        Did did = Did.parse("did:web:localhost%3A" + server.getPort() + "%2Fadmin%3Fx%3D1");
        server.enqueue(json(200, "{\"id\":\"" + did + "\"}"));
        assertThatThrownBy(() -> insecure().resolveDid(did)).isInstanceOf(PdsException.class);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void aPortOnLocalhostIsAllowedForTests() throws Exception {
        Did did = Did.parse("did:web:localhost%3A" + server.getPort());
        server.enqueue(json(200, "{\"id\":\"" + did + "\"}"));
        assertThat(insecure().resolveDid(did)).isPresent();
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/.well-known/did.json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://user:pw@pds.example.com", "https://user@pds.example.com",
        "https://pds.example.com/xrpc", "https://pds.example.com/a/b", "https://pds.example.com?x=1",
        "https://pds.example.com#frag", "ftp://pds.example.com", "https:pds.example.com", "//pds.example.com"})
    void aPdsEndpointWithUserinfoPathQueryOrFragmentIsRefused(String endpoint) {
        Did did = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
        server.enqueue(json(200, "{\"id\":\"" + did + "\",\"service\":[{\"id\":\"#atproto_pds\",\"type\":"
                + "\"AtprotoPersonalDataServer\",\"serviceEndpoint\":\"" + endpoint + "\"}]}"));
        assertThatThrownBy(() -> insecure().resolvePds(did)).as(endpoint).isInstanceOf(PdsException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://pds.example.com", "https://pds.example.com/", "https://pds.example.com:2583"})
    void plainPdsEndpointsAreAccepted(String endpoint) {
        Did did = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
        server.enqueue(json(200, "{\"id\":\"" + did + "\",\"service\":[{\"id\":\"#atproto_pds\",\"type\":"
                + "\"AtprotoPersonalDataServer\",\"serviceEndpoint\":\"" + endpoint + "\"}]}"));
        assertThat(insecure().resolvePds(did)).contains(URI.create(endpoint));
    }
}
