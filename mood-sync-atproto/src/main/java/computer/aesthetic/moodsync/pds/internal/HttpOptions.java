package computer.aesthetic.moodsync.pds.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP options the PDS adapter's builders share ({@code PdsAtprotoRepo}, {@code IdentityResolver},
 * {@code PdsAdmin}): the host's OkHttp client and Jackson mapper, the clock, the timeouts and the answer size cap;
 * their checks; and the derived transport. Each builder holds one, with its own defaults, and its public setters
 * write to it. A timeout left {@code null} keeps the host client's own setting. Redirects are never followed
 * ({@link Xrpc} turns them off in the client it derives); the address guard for hosts learned from DID documents
 * stays with {@code IdentityResolver}, which alone decides whether it applies.
 *
 * <p>Mutable and not thread-safe, like the builders that hold it; what {@link #xrpc} returns is immutable.
 */
public final class HttpOptions {
    private OkHttpClient httpClient;
    private ObjectMapper objectMapper;
    private Clock clock = Clock.systemUTC();
    private Duration connectTimeout;
    private Duration readTimeout;
    private Duration writeTimeout;
    private Duration callTimeout;
    private long maxResponseBytes;

    /**
     * Creates the options with a builder's defaults.
     *
     * @param connectTimeout the connect timeout, or null to keep the client's
     * @param readTimeout the read timeout, or null to keep the client's
     * @param writeTimeout the write timeout, or null to keep the client's
     * @param callTimeout the whole-call timeout, or null to keep the client's
     * @param maxResponseBytes the most bytes of an answer that are read
     */
    public HttpOptions(Duration connectTimeout, Duration readTimeout, Duration writeTimeout, Duration callTimeout,
            long maxResponseBytes) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.writeTimeout = writeTimeout;
        this.callTimeout = callTimeout;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** @param client the host's client, from which the transport's is derived with {@code newBuilder()} */
    public void httpClient(OkHttpClient client) {
        this.httpClient = Objects.requireNonNull(client, "client");
    }

    /** @param mapper the host's JSON mapper */
    public void objectMapper(ObjectMapper mapper) {
        this.objectMapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** @param clock the clock */
    public void clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @return the clock */
    public Clock clock() {
        return clock;
    }

    /** @param timeout the connect timeout */
    public void connectTimeout(Duration timeout) {
        this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** @param timeout the read timeout */
    public void readTimeout(Duration timeout) {
        this.readTimeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** @param timeout the write timeout */
    public void writeTimeout(Duration timeout) {
        this.writeTimeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** @param timeout the whole-call timeout */
    public void callTimeout(Duration timeout) {
        this.callTimeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** @param bytes the most bytes of an answer that are read */
    public void maxResponseBytes(long bytes) {
        this.maxResponseBytes = bytes;
    }

    /**
     * Checks the options and fills the defaults (a new {@code OkHttpClient}, {@code JsonMapper.builder().build()}).
     *
     * @throws IllegalArgumentException naming the first bad option
     */
    public void check() {
        positiveIfSet("connectTimeout", connectTimeout);
        positiveIfSet("readTimeout", readTimeout);
        positiveIfSet("writeTimeout", writeTimeout);
        positiveIfSet("callTimeout", callTimeout);
        if (maxResponseBytes < 1024) {
            throw new IllegalArgumentException("maxResponseBytes must be >= 1024, found " + maxResponseBytes);
        }
        if (httpClient == null) {
            httpClient = new OkHttpClient();
        }
        if (objectMapper == null) {
            objectMapper = JsonMapper.builder().build();
        }
    }

    /**
     * Derives the client with these timeouts from the host's (sharing its connection pool and dispatcher).
     *
     * @return the derived client
     * @throws IllegalStateException if {@link #check} has not run
     */
    public OkHttpClient client() {
        if (httpClient == null || objectMapper == null) {
            throw new IllegalStateException("HttpOptions.check() must run before the client is derived");
        }
        OkHttpClient.Builder b = httpClient.newBuilder();
        if (connectTimeout != null) {
            b.connectTimeout(connectTimeout);
        }
        if (readTimeout != null) {
            b.readTimeout(readTimeout);
        }
        if (writeTimeout != null) {
            b.writeTimeout(writeTimeout);
        }
        if (callTimeout != null) {
            b.callTimeout(callTimeout);
        }
        return b.build();
    }

    /**
     * The XRPC transport over a client derived by {@link #client} (possibly guarded further), with this mapper,
     * answer size cap and clock.
     *
     * @param client the client
     * @return the transport
     */
    public Xrpc xrpc(OkHttpClient client) {
        return new Xrpc(client, objectMapper, maxResponseBytes, clock);
    }

    /**
     * Parses a configured service URL; URLs with user information (credentials) are refused, not echoed.
     *
     * @param url the URL text
     * @param property the builder property, for the message
     * @return the URL
     * @throws IllegalArgumentException if it is not an http(s) URL, or holds user information
     */
    public static HttpUrl url(String url, String property) {
        Objects.requireNonNull(url, property);
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            throw new IllegalArgumentException(property + " must be an http(s) URL, found '"
                    + Xrpc.redact(url) + "'");
        }
        if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
            throw new IllegalArgumentException(property + " must not hold user information (credentials), found "
                    + parsed.newBuilder().username("").password("").build() + " with some");
        }
        return parsed;
    }

    /**
     * @param name the property, for the message
     * @param d the duration
     * @throws IllegalArgumentException unless it is positive
     */
    public static void positive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, found " + d);
        }
    }

    /**
     * @param name the property, for the message
     * @param d the duration
     * @throws IllegalArgumentException if it is negative
     */
    public static void notNegative(String name, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, found " + d);
        }
    }

    private static void positiveIfSet(String name, Duration d) {
        if (d != null) {
            positive(name, d);
        }
    }
}
