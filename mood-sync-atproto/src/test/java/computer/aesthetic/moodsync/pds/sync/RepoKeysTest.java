package computer.aesthetic.moodsync.pds.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.pds.DidDocument;
import computer.aesthetic.moodsync.pds.IdentityResolver;
import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.VerificationException;
import computer.aesthetic.moodsync.syntax.Did;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13: {@link RepoKeys} fetches DID documents with the guards of
 * {@link computer.aesthetic.moodsync.pds.IdentityResolver}: no redirect is followed, a {@code did:web} host that is
 * or resolves to a non-public address is never connected to.
 */
class RepoKeysTest {
    private static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    private static final DidKey KEY = DidKey.parse("did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF");
    private static final DidKey OTHER = DidKey.parse("did:key:zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo");

    private MockWebServer plc;
    private MockWebServer target;
    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private OkHttpClient rebinding;

    @BeforeEach
    void start() throws Exception {
        plc = new MockWebServer();
        plc.start();
        target = new MockWebServer();
        target.start();
        rebinding = new OkHttpClient.Builder().dns(host -> {
            lookups.add(host);
            return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        }).build();
    }

    @AfterEach
    void stop() {
        plc.close();
        target.close();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    private static String doc(Did did, String vmId, DidKey key) {
        return "{\"id\":\"" + did + "\",\"verificationMethod\":[{\"id\":\"" + vmId + "\",\"type\":\"Multikey\","
                + "\"controller\":\"" + did + "\",\"publicKeyMultibase\":\"" + key.multikey() + "\"}]}";
    }

    @Test
    void readsTheAtprotoKeyInBothIdFormsAndCachesIt() {
        Did other = Did.parse("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb");
        plc.enqueue(json(200, doc(DID, "#atproto", KEY)));
        plc.enqueue(json(200, doc(other, other + "#atproto", OTHER)));
        RepoKeys keys = new RepoKeys(new OkHttpClient(), plc.url("/").toString());

        assertThat(keys.key(DID)).isEqualTo(KEY);
        assertThat(keys.key(other)).isEqualTo(OTHER);
        assertThat(keys.key(DID)).isEqualTo(KEY);
        assertThat(plc.getRequestCount()).as("cached").isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 307, 308})
    void aRedirectedDocumentIsNotFollowed(int code) {
        plc.enqueue(new MockResponse.Builder().code(code)
                .addHeader("Location", target.url("/" + DID).toString()).build());
        target.enqueue(json(200, doc(DID, "#atproto", KEY)));
        RepoKeys keys = new RepoKeys(new OkHttpClient(), plc.url("/").toString());

        assertThatThrownBy(() -> keys.key(DID)).isInstanceOf(VerificationException.class)
                .hasMessageContaining("redirect");
        assertThat(target.getRequestCount()).as("the redirect's target is never asked").isZero();
    }

    @Test
    void aDidWebHostThatResolvesToLoopbackIsNotConnectedTo() {
        RepoKeys keys = new RepoKeys(rebinding, plc.url("/").toString());

        assertThatThrownBy(() -> keys.key(Did.parse("did:web:rebind.example.org")))
                .isInstanceOf(VerificationException.class).hasMessageContaining("non-public address 127.0.0.1");
        assertThat(lookups).as("the connection's own Dns was asked").contains("rebind.example.org");
    }

    @ParameterizedTest
    @ValueSource(strings = {"did:web:127.0.0.1", "did:web:10.1.2.3", "did:web:printer.local", "did:web:localhost"})
    void aDidWebOnANonPublicHostIsRefusedWithoutALookup(String did) {
        RepoKeys keys = new RepoKeys(rebinding, plc.url("/").toString());

        assertThatThrownBy(() -> keys.key(Did.parse(did))).isInstanceOf(VerificationException.class)
                .hasMessageContaining("refusing");
        assertThat(lookups).isEmpty();
    }

    @Test
    void aDidWebOnLocalhostIsFetchedOnlyWhenTheResolverAllowsInsecureEndpoints() {
        Did web = Did.parse("did:web:localhost%3A" + target.getPort());
        target.enqueue(json(200, doc(web, web + "#atproto", KEY)));
        RepoKeys keys = new RepoKeys(IdentityResolver.builder()
                .allowInsecureEndpoints(true).build());

        assertThat(keys.key(web)).isEqualTo(KEY);
        assertThat(target.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aMissingOrMalformedKeyIsATypedError() {
        plc.enqueue(json(200, "{\"id\":\"" + DID + "\",\"verificationMethod\":[{\"id\":\"#atproto\",\"type\":7,"
                + "\"publicKeyMultibase\":[\"z\"]}]}"));
        plc.enqueue(json(200, doc(DID, "#atproto_other", KEY)));
        plc.enqueue(json(200, "{\"id\":\"" + DID + "\",\"verificationMethod\":{\"id\":\"#atproto\"}}"));
        plc.enqueue(json(200, "{\"id\":\"" + DID + "\",\"verificationMethod\":[{\"id\":\"#atproto\","
                + "\"type\":\"Multikey\",\"publicKeyMultibase\":\"zzz\"}]}"));
        plc.enqueue(json(404, "{\"message\":\"DID not registered\"}"));
        plc.enqueue(json(200, doc(Did.parse("did:plc:cccccccccccccccccccccccc"), "#atproto", KEY)));
        RepoKeys keys = new RepoKeys(new OkHttpClient(), plc.url("/").toString());

        for (int i = 0; i < 6; i++) {
            assertThatThrownBy(() -> keys.key(DID)).isInstanceOf(VerificationException.class)
                    .satisfies(e -> assertThat(((VerificationException) e).reason())
                            .isEqualTo(VerificationException.Reason.UNSUPPORTED_KEY));
        }
    }

    @Test
    void theResolverReadsTheAtprotoVerificationMethodAsWritten() {
        plc.enqueue(json(200, "{\"id\":\"" + DID + "\",\"verificationMethod\":[{\"id\":\"#other\",\"type\":\"Multikey\","
                + "\"publicKeyMultibase\":\"" + OTHER.multikey() + "\"},{\"id\":\"" + DID + "#atproto\","
                + "\"type\":\"Multikey\",\"publicKeyMultibase\":\"" + KEY.multikey() + "\"}]}"));
        plc.enqueue(json(200, "{\"id\":\"" + DID + "\"}"));
        IdentityResolver resolver = IdentityResolver.builder().plcDirectory(plc.url("/").toString()).build();

        assertThat(resolver.resolveDid(DID).orElseThrow().atprotoKey()).contains(
                new DidDocument.VerificationMethod(DID + "#atproto", "Multikey", KEY.multikey()));
        assertThat(resolver.resolveDid(DID).orElseThrow().atprotoKey()).isEmpty();
    }

    @Test
    void aTransientFailureIsRetryableAndNotCached() {
        plc.enqueue(json(503, "{\"error\":\"Unavailable\"}"));
        RepoKeys keys = new RepoKeys(new OkHttpClient(), plc.url("/").toString());

        assertThatThrownBy(() -> keys.key(DID)).isInstanceOf(PdsUnavailableException.class)
                .satisfies(e -> assertThat(((PdsUnavailableException) e).isRetryable()).isTrue());
        plc.enqueue(json(200, doc(DID, "#atproto", KEY)));
        assertThat(keys.key(DID)).isEqualTo(KEY);
        assertThat(plc.getRequestCount()).isEqualTo(2);
    }

    @Test
    void aDocumentAbove64KiBIsRefused() {
        String padding = "x".repeat(70 * 1024);
        plc.enqueue(json(200, "{\"id\":\"" + DID + "\",\"alsoKnownAs\":[\"" + padding + "\"],"
                + doc(DID, "#atproto", KEY).substring(("{\"id\":\"" + DID + "\",").length())));
        RepoKeys keys = new RepoKeys(new OkHttpClient(), plc.url("/").toString());

        assertThatThrownBy(() -> keys.key(DID)).isInstanceOf(VerificationException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(padding.substring(0, 200)));
    }
}
