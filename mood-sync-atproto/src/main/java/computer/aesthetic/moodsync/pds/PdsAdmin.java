package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.pds.internal.HttpOptions;
import computer.aesthetic.moodsync.pds.internal.Resilience;
import computer.aesthetic.moodsync.pds.internal.Xrpc;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.Did;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Administrative calls on a PDS the host operates, authenticated with HTTP Basic {@code admin:<admin password>}:
 * {@link #deleteAccount} for erasure. Retries 5xx and connection failures like {@link PdsAtprotoRepo}. The password
 * never appears in logs, messages or {@link #toString()}. Immutable and thread-safe; build with {@link #builder()}.
 */
public final class PdsAdmin {
    private final HttpUrl pds;
    private final Secret adminPassword;
    private final Xrpc xrpc;
    private final Resilience resilience;
    private final String hostKey;

    private PdsAdmin(Builder b) {
        this.pds = b.pds;
        this.adminPassword = b.adminPassword;
        this.xrpc = b.http.xrpc(b.http.client());
        this.resilience = new Resilience(new Resilience.Settings(b.maxRetries, Duration.ofMillis(250),
                Duration.ofSeconds(5), 0.25, Duration.ofSeconds(30), 5, Duration.ofSeconds(30)), b.http.clock());
        this.hostKey = pds.scheme() + "://" + pds.host() + ":" + pds.port();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Deletes an account and its repository ({@code com.atproto.admin.deleteAccount}).
     *
     * @param did the account
     * @throws computer.aesthetic.moodsync.PdsAuthenticationException if the admin password is refused
     * @throws PdsException on any other failure
     */
    public void deleteAccount(Did did) {
        Objects.requireNonNull(did, "did");
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("did", did.value());
        String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + adminPassword.reveal())
                .getBytes(StandardCharsets.UTF_8));
        resilience.call(hostKey, Resilience.Safety.IDEMPOTENT,
                () -> xrpc.procedure(pds, "com.atproto.admin.deleteAccount", body, basic));
    }

    @Override
    public String toString() {
        return "PdsAdmin[pds=" + pds + ", adminPassword=" + adminPassword + "]";
    }

    /** Configures a {@link PdsAdmin}. Not thread-safe; the built object is immutable and thread-safe. */
    public static final class Builder {
        private HttpUrl pds;
        private Secret adminPassword;
        /** Only the whole-call timeout is set; the client's own connect, read and write timeouts stay. */
        private final HttpOptions http = new HttpOptions(null, null, null, Duration.ofSeconds(60), 1024 * 1024);
        private int maxRetries = 3;

        private Builder() {
        }

        /**
         * Sets the PDS. Required.
         *
         * @param url its base URL
         * @return this builder
         * @throws IllegalArgumentException if it is not an http(s) URL, or holds user information
         */
        public Builder pds(String url) {
            this.pds = HttpOptions.url(url, "pds");
            return this;
        }

        /**
         * Sets the admin password. Required.
         *
         * @param password the password
         * @return this builder
         */
        public Builder adminPassword(Secret password) {
            this.adminPassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Sets the host's HTTP client. Default: a new client.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(OkHttpClient client) {
            http.httpClient(client);
            return this;
        }

        /**
         * Sets the JSON mapper. Default: {@code JsonMapper.builder().build()}.
         *
         * @param mapper the mapper
         * @return this builder
         */
        public Builder objectMapper(ObjectMapper mapper) {
            http.objectMapper(mapper);
            return this;
        }

        /**
         * Sets the clock. Default: {@link Clock#systemUTC()}.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            http.clock(clock);
            return this;
        }

        /**
         * Sets the timeout of one call. Default: 60 s (deleting a large repository takes a while).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            http.callTimeout(timeout);
            return this;
        }

        /**
         * Sets how many times a failed call is retried. Default: 3.
         *
         * @param maxRetries 0 or more
         * @return this builder
         */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Builds the admin client.
         *
         * @return the client
         * @throws IllegalArgumentException naming the first missing or bad property
         */
        public PdsAdmin build() {
            if (pds == null) {
                throw new IllegalArgumentException("pds is required");
            }
            if (adminPassword == null) {
                throw new IllegalArgumentException("adminPassword is required");
            }
            http.check();
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, found " + maxRetries);
            }
            return new PdsAdmin(this);
        }
    }
}
