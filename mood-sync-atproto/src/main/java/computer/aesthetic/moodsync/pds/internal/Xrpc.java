package computer.aesthetic.moodsync.pds.internal;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.SwapConflictException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * XRPC over OkHttp and Jackson: builds query (GET) and procedure (POST) calls, reads at most a configured number of
 * bytes of the answer, and maps every failure (error answers, non-JSON or truncated bodies, I/O errors, timeouts)
 * to the {@link PdsException} family. Redirects are never followed: a 3xx answer is a {@link PdsException} with that
 * status. Never logs bodies, tokens or passwords. Immutable and thread-safe.
 */
public final class Xrpc {
    private static final Logger LOG = LoggerFactory.getLogger(Xrpc.class);
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    /**
     * The furthest a retry time or wait read from a PDS's headers may lie: a day. Headers asking for more
     * ({@code Retry-After: 9223372036854775807}, a reset in the year 3000) are taken as a day, so no arithmetic
     * overflows and no mood is scheduled for centuries.
     */
    public static final Duration MAX_RETRY_DELAY = Duration.ofDays(1);

    private final OkHttpClient client;
    private final ObjectMapper mapper;
    private final long maxResponseBytes;
    private final Clock clock;

    /**
     * Creates the transport.
     *
     * @param client the HTTP client (with the timeouts to use); redirects are turned off in a derived client
     * @param mapper the JSON mapper
     * @param maxResponseBytes the most bytes of an answer that are read
     * @param clock the clock for {@code Retry-After}
     */
    public Xrpc(OkHttpClient client, ObjectMapper mapper, long maxResponseBytes, Clock clock) {
        // Never follow a redirect (the reference implementation's safe fetch does the same): a 302 would turn a
        // write into a GET whose 200 looks like success, and would lead a DID document fetch to any address.
        this.client = Objects.requireNonNull(client, "client").newBuilder()
                .followRedirects(false)
                .followSslRedirects(false)
                .build();
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.maxResponseBytes = maxResponseBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Returns the clock.
     *
     * @return the clock
     */
    public Clock clock() {
        return clock;
    }

    /**
     * Calls an XRPC query ({@code GET /xrpc/NSID?params}).
     *
     * @param base the service's base URL
     * @param nsid the method
     * @param params query parameters in order (null values are left out)
     * @param authorization the {@code Authorization} header value, or null
     * @return the answer
     * @throws PdsException on any failure
     */
    public XrpcResponse query(HttpUrl base, String nsid, List<Map.Entry<String, String>> params,
            String authorization) {
        return query(base, nsid, params, authorization, h -> { });
    }

    /**
     * Calls an XRPC query, showing the answer's headers (success or error) to {@code onHeaders} first.
     *
     * @param base the service's base URL
     * @param nsid the method
     * @param params query parameters in order (null values are left out)
     * @param authorization the {@code Authorization} header value, or null
     * @param onHeaders sees the headers of every answer
     * @return the answer
     * @throws PdsException on any failure
     */
    public XrpcResponse query(HttpUrl base, String nsid, List<Map.Entry<String, String>> params,
            String authorization, Consumer<Headers> onHeaders) {
        HttpUrl.Builder url = xrpcUrl(base, nsid);
        for (Map.Entry<String, String> p : params) {
            if (p.getValue() != null) {
                url.addQueryParameter(p.getKey(), p.getValue());
            }
        }
        Request.Builder request = new Request.Builder().url(url.build()).get();
        return execute(nsid, request, authorization, onHeaders, Redactor.of(authorization, List.of()));
    }

    /**
     * Calls an XRPC procedure ({@code POST /xrpc/NSID} with a JSON body).
     *
     * @param base the service's base URL
     * @param nsid the method
     * @param body the JSON input, or null for none
     * @param authorization the {@code Authorization} header value, or null
     * @return the answer
     * @throws PdsException on any failure
     */
    public XrpcResponse procedure(HttpUrl base, String nsid, JsonNode body, String authorization) {
        return procedure(base, nsid, body, authorization, h -> { });
    }

    /**
     * Calls an XRPC procedure, showing the answer's headers (success or error) to {@code onHeaders} first.
     *
     * @param base the service's base URL
     * @param nsid the method
     * @param body the JSON input, or null for none
     * @param authorization the {@code Authorization} header value, or null
     * @param onHeaders sees the headers of every answer
     * @return the answer
     * @throws PdsException on any failure
     */
    public XrpcResponse procedure(HttpUrl base, String nsid, JsonNode body, String authorization,
            Consumer<Headers> onHeaders) {
        return procedure(base, nsid, body, authorization, onHeaders, List.of());
    }

    /**
     * Calls an XRPC procedure whose body holds secrets (a login's password): they are removed, like the
     * {@code Authorization} value, from every message derived from the answer.
     *
     * @param base the service's base URL
     * @param nsid the method
     * @param body the JSON input, or null for none
     * @param authorization the {@code Authorization} header value, or null
     * @param onHeaders sees the headers of every answer
     * @param bodySecrets the secrets in {@code body}
     * @return the answer
     * @throws PdsException on any failure
     */
    public XrpcResponse procedure(HttpUrl base, String nsid, JsonNode body, String authorization,
            Consumer<Headers> onHeaders, List<String> bodySecrets) {
        byte[] bytes;
        if (body == null) {
            bytes = new byte[0];
        } else {
            try {
                bytes = mapper.writeValueAsBytes(body);
            } catch (JacksonException e) {
                throw new IllegalArgumentException(nsid + ": the request body cannot be written as JSON: "
                        + e.getOriginalMessage(), e);
            }
        }
        RequestBody requestBody = new OneShotBody(bytes, body == null ? null : JSON);
        Request.Builder request = new Request.Builder().url(xrpcUrl(base, nsid).build()).post(requestBody);
        return execute(nsid, request, authorization, onHeaders, Redactor.of(authorization, bodySecrets));
    }

    /**
     * Fetches a JSON document with a plain GET (DID documents).
     *
     * @param url the document's URL
     * @param what a label for messages
     * @return the answer
     * @throws PdsException on any failure; 404 is a {@link PdsException} with status 404
     */
    public XrpcResponse getJson(HttpUrl url, String what) {
        return execute(what, new Request.Builder().url(url).get(), null, h -> { }, Redactor.NONE);
    }

    private static HttpUrl.Builder xrpcUrl(HttpUrl base, String nsid) {
        return base.newBuilder().addPathSegment("xrpc").addPathSegment(nsid);
    }

    private XrpcResponse execute(String nsid, Request.Builder builder, String authorization,
            Consumer<Headers> onHeaders, Redactor redactor) {
        builder.header("Accept", "application/json");
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        Request request = builder.build();
        long start = System.nanoTime();
        int status;
        Headers headers;
        byte[] body;
        String contentType;
        try (Response response = client.newCall(request).execute()) {
            status = response.code();
            headers = response.headers();
            onHeaders.accept(headers);
            ResponseBody responseBody = response.body();
            MediaType type = responseBody.contentType();
            contentType = type == null ? null : type.type() + "/" + type.subtype();
            body = readCapped(nsid, status, responseBody);
        } catch (IOException e) {
            throw ioFailure(nsid, e, redactor);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} -> HTTP {} ({} bytes) in {} ms", request.method(), nsid, status, body.length,
                    Duration.ofNanos(System.nanoTime() - start).toMillis());
        }
        if (status >= 200 && status < 300) {
            return new XrpcResponse(status, headers, parseOk(nsid, status, body, contentType), redactor);
        }
        throw errorFor(nsid, status, headers, body, contentType, redactor);
    }

    private byte[] readCapped(String nsid, int status, ResponseBody body) throws IOException {
        long declared = body.contentLength();
        if (declared > maxResponseBytes) {
            throw tooLarge(nsid, status, declared + " bytes declared");
        }
        try (InputStream in = body.byteStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) != -1) {
                total += n;
                if (total > maxResponseBytes) {
                    throw tooLarge(nsid, status, "more than " + maxResponseBytes + " bytes sent");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    private PdsException tooLarge(String nsid, int status, String found) {
        return new PdsException(status, null, nsid + ": expected an answer of at most " + maxResponseBytes
                + " bytes, found " + found + " (HTTP " + status + ")", false, null, null);
    }

    private JsonNode parseOk(String nsid, int status, byte[] body, String contentType) {
        if (body.length == 0) {
            return mapper.createObjectNode();
        }
        JsonNode node = parse(body);
        if (node == null || !node.isObject()) {
            throw new PdsException(status, null, nsid + ": expected a JSON object in the HTTP " + status
                    + " answer, found " + describe(body, contentType), true, null, null);
        }
        return node;
    }

    /** Parses JSON, returning null for anything that is not well-formed JSON. */
    private JsonNode parse(byte[] body) {
        try {
            return mapper.readTree(body);
        } catch (JacksonException | IllegalArgumentException e) {
            return null;
        }
    }

    private PdsException errorFor(String nsid, int status, Headers headers, byte[] body, String contentType,
            Redactor redactor) {
        JsonNode node = parse(body);
        String errorName = null;
        String message = null;
        if (node != null && node.isObject()) {
            errorName = errorName(JsonValues.string(node, "error"), redactor);
            message = JsonValues.string(node, "message");
        }
        String text = nsid + ": HTTP " + status + (errorName == null ? "" : " " + errorName)
                + (message == null || message.isBlank() ? "" : ": " + redactor.redact(message))
                + (node == null || !node.isObject() ? " (" + describe(body, contentType) + ")" : "");
        if (status >= 300 && status < 400) {
            return new PdsException(status, errorName, nsid + ": HTTP " + status
                    + " (a redirect, which is never followed: nothing was fetched from its target)", false, null, null);
        }
        if (status == 429) {
            Instant retryAt = retryAt(headers);
            return new RateLimitedException(429, text + (retryAt == null ? "" : "; retry at " + retryAt), retryAt);
        }
        if ("InvalidSwap".equals(errorName)) {
            return new SwapConflictException(status, text);
        }
        if (status == 401 || status == 403 && errorName != null && errorName.startsWith("Auth")) {
            return new PdsAuthenticationException(status, errorName, text);
        }
        boolean retryable = status >= 500 && status != 501 || status == 408;
        return new PdsException(status, errorName, text, retryable, null, null);
    }

    /** An answer's error name, kept only when it looks like one (an identifier) and holds none of the secrets. */
    private static String errorName(String raw, Redactor redactor) {
        if (raw == null || !raw.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}") || !redactor.redact(raw).equals(raw)) {
            return null;
        }
        return raw;
    }

    /**
     * Reads when a rate-limited call may be tried again: {@code Retry-After} (seconds or an HTTP date), otherwise
     * {@code RateLimit-Reset} (epoch seconds). The arithmetic saturates: the answer lies between now and
     * {@link #MAX_RETRY_DELAY} from now.
     *
     * @param headers the response headers
     * @return the time, or null when the headers do not say
     */
    public Instant retryAt(Headers headers) {
        Instant now = clock.instant();
        String retryAfter = headers.get("Retry-After");
        if (retryAfter != null) {
            String v = retryAfter.trim();
            try {
                long seconds = Long.parseLong(v);
                return seconds <= 0 ? now : now.plusSeconds(Math.min(seconds, MAX_RETRY_DELAY.getSeconds()));
            } catch (NumberFormatException e) {
                try {
                    return within(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond());
                } catch (DateTimeParseException ignored) {
                    // fall through to RateLimit-Reset
                }
            }
        }
        String reset = headers.get("RateLimit-Reset");
        if (reset != null) {
            try {
                return within(now, Long.parseLong(reset.trim()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Brings an epoch second from a header into {@code [now, now + MAX_RETRY_DELAY]} without overflowing.
     *
     * @param now the current time
     * @param epochSecond the header's time
     * @return the time, saturated
     */
    public static Instant within(Instant now, long epochSecond) {
        long earliest = now.getEpochSecond();
        long latest = earliest + MAX_RETRY_DELAY.getSeconds();
        if (epochSecond <= earliest) {
            return now;
        }
        return epochSecond >= latest ? now.plus(MAX_RETRY_DELAY) : Instant.ofEpochSecond(epochSecond);
    }

    private static PdsException ioFailure(String nsid, IOException e, Redactor redactor) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PublicAddresses.NonPublicAddressException refused) {
                return new PdsException(0, null, nsid + ": refusing to connect to " + redactor.redact(refused.getMessage())
                        + ": a host learned from a DID document must have only global unicast addresses", false,
                        null, e);
            }
        }
        String kind;
        if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
            kind = "timed out";
        } else if (e instanceof ConnectException || e instanceof UnknownHostException
                || e instanceof NoRouteToHostException) {
            kind = "could not connect";
        } else {
            kind = "connection failed";
        }
        return new PdsUnavailableException(nsid + ": " + kind + " (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + redactor.redact(e.getMessage())) + ")", null, e);
    }

    /**
     * Tells whether a failure proves that the request never reached the server (no connection could be made), so
     * that even a non-idempotent call may be sent again.
     *
     * @param e the failure
     * @return true when the request was certainly not sent
     */
    public static boolean notSent(Throwable e) {
        if (e instanceof RateLimitedException r) {
            return r.httpStatus() == 429 || r.httpStatus() == 0;
        }
        Throwable cause = e.getCause();
        return e instanceof PdsUnavailableException && (cause instanceof ConnectException
                || cause instanceof UnknownHostException || cause instanceof NoRouteToHostException);
    }

    private static String describe(byte[] body, String contentType) {
        if (body.length == 0) {
            return "an empty body";
        }
        return "a body that is not well-formed JSON: " + (contentType == null ? "no content type" : contentType)
                + ", " + body.length + " bytes";
    }

    /**
     * Removes anything that looks like a token or credential from text taken from an answer or an exception.
     *
     * @param text the text
     * @return the text, shortened to a few hundred characters, tokens replaced by {@code ***}
     */
    public static String redact(String text) {
        return Redactor.NONE.redact(text);
    }

    /**
     * A procedure's body, marked one-shot so that OkHttp never sends it a second time on its own after a failure
     * (its transparent retry on a broken connection): whether a procedure may be repeated is decided above, by
     * {@link Resilience}, which knows which calls are idempotent.
     */
    private static final class OneShotBody extends RequestBody {
        private final byte[] bytes;
        private final MediaType type;

        OneShotBody(byte[] bytes, MediaType type) {
            this.bytes = bytes;
            this.type = type;
        }

        @Override
        public MediaType contentType() {
            return type;
        }

        @Override
        public long contentLength() {
            return bytes.length;
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(okio.BufferedSink sink) throws IOException {
            sink.write(bytes);
        }
    }
}
