package computer.aesthetic.moodsync.pds.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** The options the three PDS builders share: derived clients, kept client settings, checks and URL policy. */
class HttpOptionsTest {
    private final OkHttpClient host = new OkHttpClient.Builder()
            .connectTimeout(3, TimeUnit.SECONDS)
            .readTimeout(4, TimeUnit.SECONDS)
            .writeTimeout(5, TimeUnit.SECONDS)
            .callTimeout(6, TimeUnit.SECONDS)
            .build();

    @Test
    void theDerivedClientHasTheOptionsTimeoutsAndSharesTheHostsPool() {
        HttpOptions o = new HttpOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(31),
                Duration.ofSeconds(60), 1024);
        o.httpClient(host);
        o.readTimeout(Duration.ofMillis(1500));
        o.check();
        OkHttpClient c = o.client();
        assertThat(c.connectTimeoutMillis()).isEqualTo(10_000);
        assertThat(c.readTimeoutMillis()).isEqualTo(1_500);
        assertThat(c.writeTimeoutMillis()).isEqualTo(31_000);
        assertThat(c.callTimeoutMillis()).isEqualTo(60_000);
        assertThat(c.connectionPool()).isSameAs(host.connectionPool());
        assertThat(c.dispatcher()).isSameAs(host.dispatcher());
    }

    @Test
    void aTimeoutLeftUnsetKeepsTheHostClientsOwn() {
        // PdsAdmin sets only the whole-call timeout: the host's connect, read and write timeouts must survive
        HttpOptions o = new HttpOptions(null, null, null, Duration.ofSeconds(60), 1024 * 1024);
        o.httpClient(host);
        o.check();
        OkHttpClient c = o.client();
        assertThat(c.connectTimeoutMillis()).isEqualTo(3_000);
        assertThat(c.readTimeoutMillis()).isEqualTo(4_000);
        assertThat(c.writeTimeoutMillis()).isEqualTo(5_000);
        assertThat(c.callTimeoutMillis()).isEqualTo(60_000);
    }

    @Test
    void checkNamesTheFirstBadOptionAndFillsDefaults() {
        HttpOptions zero = new HttpOptions(Duration.ZERO, null, null, null, 1024);
        assertThatThrownBy(zero::check).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectTimeout must be positive, found PT0S");
        HttpOptions small = new HttpOptions(null, null, null, null, 1023);
        assertThatThrownBy(small::check).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxResponseBytes must be >= 1024");
        HttpOptions unchecked = new HttpOptions(null, null, null, null, 1024);
        assertThatThrownBy(unchecked::client).isInstanceOf(IllegalStateException.class);
        unchecked.check();
        assertThat(unchecked.client()).isNotNull();
        assertThat(unchecked.xrpc(unchecked.client())).isNotNull();
    }

    @Test
    void urlsWithCredentialsAreRefusedWithoutEchoingThem() {
        assertThat(HttpOptions.url("https://pds.example.com", "pds").host()).isEqualTo("pds.example.com");
        assertThatThrownBy(() -> HttpOptions.url("https://admin:hunter2@pds.example.com", "pds"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pds must not hold user information")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> HttpOptions.url("ftp://x", "plcDirectory"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("plcDirectory must be an http(s)");
    }
}
