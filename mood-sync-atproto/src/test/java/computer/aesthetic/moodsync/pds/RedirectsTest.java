package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.ACCESS1;
import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.REFRESH1;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static computer.aesthetic.moodsync.pds.MockPds.putOk;
import static computer.aesthetic.moodsync.pds.MockPds.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.Did;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 1: no client follows a redirect. Each answers a 3xx with a typed {@link PdsException} and
 * fetches nothing from the redirect's target (a second server that would answer 200).
 */
class RedirectsTest {
    private MockWebServer server;
    private MockWebServer target;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start();
        target = new MockWebServer();
        target.start();
    }

    @AfterEach
    void stop() {
        server.close();
        target.close();
    }

    private MockResponse redirect(int code, String path) {
        return new MockResponse.Builder().code(code).addHeader("Location", target.url(path).toString()).build();
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void aRedirectedWriteIsNotReportedAsWritten(int code) {
        PdsAtprotoRepo repo = MockPds.fastRepo(server, new MockPds.Directory().with(DID, PASSWORD)).build();
        server.enqueue(session(ACCESS1, REFRESH1));
        server.enqueue(redirect(code, "/xrpc/com.atproto.repo.putRecord"));
        target.enqueue(putOk(mood("x"), true));

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsException.class).hasMessageContaining("HTTP " + code)
                .hasMessageContaining("redirect").satisfies(e ->
                        assertThat(((PdsException) e).httpStatus()).isEqualTo(code));
        assertThat(target.getRequestCount()).isZero();
        assertThat(server.getRequestCount()).as("a redirect is not retried").isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {302, 307})
    void aRedirectedDidDocumentIsNotFetched(int code) {
        Did web = Did.parse("did:web:localhost%3A" + server.getPort());
        server.enqueue(redirect(code, "/.well-known/did.json"));
        target.enqueue(json(200, "{\"id\":\"" + web + "\"}"));
        IdentityResolver resolver = IdentityResolver.builder().allowInsecureEndpoints(true).build();

        assertThatThrownBy(() -> resolver.resolveDid(web)).isInstanceOf(PdsException.class)
                .hasMessageContaining("redirect");
        assertThat(target.getRequestCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {302, 307})
    void aRedirectedAccountDeletionIsNotReportedAsDone(int code) {
        PdsAdmin admin = PdsAdmin.builder().pds(server.url("/").toString()).adminPassword(Secret.of("admin-secret"))
                .maxRetries(0).build();
        server.enqueue(redirect(code, "/xrpc/com.atproto.admin.deleteAccount"));
        target.enqueue(json(200, ""));

        assertThatThrownBy(() -> admin.deleteAccount(DID)).isInstanceOf(PdsException.class)
                .hasMessageContaining("redirect");
        assertThat(target.getRequestCount()).isZero();
    }
}
