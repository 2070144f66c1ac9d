package computer.aesthetic.moodsync.pds;

import static computer.aesthetic.moodsync.pds.MockPds.DID;
import static computer.aesthetic.moodsync.pds.MockPds.MOOD;
import static computer.aesthetic.moodsync.pds.MockPds.PASSWORD;
import static computer.aesthetic.moodsync.pds.MockPds.RKEY;
import static computer.aesthetic.moodsync.pds.MockPds.json;
import static computer.aesthetic.moodsync.pds.MockPds.mood;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.Did;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, finding 2: the address checked is the address connected to. The host's OkHttp client resolves every
 * name to 127.0.0.1 (a custom {@code Dns}, as a rebinding DNS server would answer at connection time; nothing
 * outside loopback is ever a connection target). A strict resolver and the repo must refuse the connection in that
 * {@code Dns}, so the password never reaches the loopback server.
 */
class ConnectionAddressTest {
    private MockWebServer plc;
    private MockWebServer loopback;
    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private OkHttpClient rebinding;

    @BeforeEach
    void start() throws Exception {
        plc = new MockWebServer();
        plc.start();
        loopback = new MockWebServer();
        loopback.start();
        rebinding = new OkHttpClient.Builder().dns(host -> {
            lookups.add(host);
            return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        }).build();
    }

    @AfterEach
    void stop() {
        plc.close();
        loopback.close();
    }

    private static String doc(Did did, String endpoint) {
        return "{\"id\":\"" + did + "\",\"service\":[{\"id\":\"#atproto_pds\",\"type\":\"AtprotoPersonalDataServer\","
                + "\"serviceEndpoint\":\"" + endpoint + "\"}]}";
    }

    @Test
    void aPdsEndpointThatResolvesToLoopbackAtConnectionTimeNeverGetsThePassword() {
        plc.enqueue(json(200, doc(DID, "https://pds.rebind.example.org:" + loopback.getPort())));
        IdentityResolver resolver = IdentityResolver.builder().plcDirectory(plc.url("/").toString())
                .httpClient(rebinding).build();
        PdsAtprotoRepo repo = PdsAtprotoRepo.builder().accounts(new MockPds.Directory().with(DID, PASSWORD))
                .identityResolver(resolver).httpClient(rebinding).maxRetries(0)
                .callTimeout(Duration.ofSeconds(5)).build();

        assertThatThrownBy(() -> repo.putRecord(DID, MOOD, RKEY, mood("x"), SwapRecord.any()))
                .isInstanceOf(PdsException.class).hasMessageContaining("non-public address 127.0.0.1")
                .satisfies(e -> assertThat(((PdsException) e).isRetryable()).isFalse());
        assertThat(lookups).as("the connection's own Dns was asked").contains("pds.rebind.example.org");
        assertThat(loopback.getRequestCount()).isZero();
    }

    @Test
    void aDidWebHostThatResolvesToLoopbackAtConnectionTimeIsNotFetched() {
        IdentityResolver resolver = IdentityResolver.builder().httpClient(rebinding).build();

        assertThatThrownBy(() -> resolver.resolveDid(Did.parse("did:web:rebind.example.org")))
                .isInstanceOf(PdsException.class).hasMessageContaining("non-public address 127.0.0.1");
        assertThat(lookups).contains("rebind.example.org");
    }

    @Test
    void operatorConfiguredServicesAreNotGuarded() {
        // the PLC directory, handle resolver and defaultPds are the operator's choice: loopback is fine there
        plc.enqueue(json(200, doc(DID, "https://pds.example.com")));
        IdentityResolver resolver = IdentityResolver.builder().plcDirectory(plc.url("/").toString())
                .httpClient(rebinding).build();
        assertThat(resolver.resolveDid(DID)).isPresent();
    }
}
