package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.pds.internal.HttpOptions;
import computer.aesthetic.moodsync.pds.internal.JsonValues;
import computer.aesthetic.moodsync.pds.internal.PublicAddresses;
import computer.aesthetic.moodsync.pds.internal.Xrpc;
import computer.aesthetic.moodsync.pds.internal.XrpcResponse;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Resolves ATProto identities: a handle to its DID ({@code com.atproto.identity.resolveHandle} on a configured
 * service), a DID to its document ({@code did:plc} from a PLC directory, {@code did:web} from
 * {@code https://HOST/.well-known/did.json}) and to the PDS endpoint its {@code #atproto_pds} service names. It is
 * the one place DID documents are fetched: {@link computer.aesthetic.moodsync.pds.sync.RepoKeys} reads the
 * {@code #atproto} key ({@link DidDocument#atprotoKey()}) through it. No redirect is followed.
 *
 * <p>Endpoints learned from DID documents are untrusted: {@link #resolvePds} refuses plain {@code http} and hosts
 * that are or resolve to addresses that are not global unicast (loopback, private, link-local, unique-local,
 * carrier-grade NAT, wildcard, documentation, benchmarking, and IPv4 ones of these inside IPv6 forms),
 * unless {@link Builder#allowInsecureEndpoints(boolean)} is set (for tests and a local PDS). The same check guards
 * the host a {@code did:web} document is fetched from; with insecure endpoints allowed, a {@code did:web} on
 * {@code localhost} or a loopback address is fetched over plain {@code http}. Host names are checked where the
 * connection is made: the client that fetches {@code did:web} documents (and the one {@link PdsAtprotoRepo} uses for
 * endpoints this resolver found) checks every address in its own {@code Dns}, as {@code @atproto-labs/fetch-node}
 * does, so a DNS answer that changes between a check and the connection cannot slip through; {@link #resolvePds}
 * itself checks the scheme, IP literals and local names ({@code localhost}, {@code .local}, ...) but resolves
 * nothing, so a caller connecting to its answer with another client must do its own address check.
 *
 * <p>Nothing is cached. Immutable and thread-safe; build with {@link #builder()}.
 */
public final class IdentityResolver {
    private static final String ATPROTO_PDS = "#atproto_pds";
    private static final String ATPROTO = "#atproto";
    private static final Pattern HOST_NAME =
            Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private final Xrpc xrpc;
    private final Xrpc documents;
    private final HttpUrl plcDirectory;
    private final HttpUrl handleResolver;
    private final boolean allowInsecureEndpoints;

    private IdentityResolver(Builder b) {
        OkHttpClient client = b.http.client();
        this.allowInsecureEndpoints = b.allowInsecureEndpoints;
        // the PLC directory and handle resolver are the operator's choice; did:web hosts are not
        this.xrpc = b.http.xrpc(client);
        this.documents = b.http.xrpc(connectionsFor(client));
        this.plcDirectory = b.plcDirectory;
        this.handleResolver = b.handleResolver;
    }

    /**
     * Derives the client for hosts learned from DID documents: one that connects only to global unicast addresses,
     * checked in its own {@code Dns} for every address of every connection ({@link PublicAddresses#guard}); the
     * client itself when insecure endpoints are allowed.
     */
    OkHttpClient connectionsFor(OkHttpClient client) {
        return allowInsecureEndpoints ? client : PublicAddresses.guard(client);
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
     * Resolves a handle to a DID with {@code com.atproto.identity.resolveHandle} on the configured service.
     *
     * @param handle the handle
     * @return the DID, or empty when the service knows no such handle
     * @throws IllegalStateException if no {@link Builder#handleResolver} was configured
     * @throws PdsException on any other failure, including an answer that is not a DID
     */
    public Optional<Did> resolveHandle(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handleResolver == null) {
            throw new IllegalStateException("resolveHandle needs a handleResolver service URL in the builder");
        }
        XrpcResponse r;
        try {
            r = xrpc.query(handleResolver, "com.atproto.identity.resolveHandle",
                    List.of(Map.entry("handle", handle.value())), null);
        } catch (PdsException e) {
            String name = e.errorName().orElse("");
            if (name.equals("HandleNotFound")
                    || e.httpStatus() == 400 && e.getMessage().contains("Unable to resolve handle")) {
                return Optional.empty();
            }
            throw e;
        }
        String did = JsonValues.string(r.body(), "did");
        return Optional.of(Did.tryParse(did).orElseThrow(() -> new PdsException(200, null,
                "com.atproto.identity.resolveHandle: expected a DID for " + handle + ", found "
                        + (did == null ? "none" : "'" + Xrpc.redact(did) + "'"), false, null, null)));
    }

    /**
     * Fetches and reads a DID's document.
     *
     * @param did a {@code did:plc} or {@code did:web}
     * @return the document, or empty when the directory or host has none (404)
     * @throws IllegalArgumentException for another DID method
     * @throws PdsException if the document cannot be fetched or read, names another DID, or the {@code did:web} is
     *     refused: not a plain host name, a port on a host other than {@code localhost}, any escape but the
     *     {@code %3A} before that port, a path, or a host that is not public
     */
    public Optional<DidDocument> resolveDid(Did did) {
        Objects.requireNonNull(did, "did");
        HttpUrl url = documentUrl(did);
        XrpcResponse r;
        try {
            r = (did.method().equals("web") ? documents : xrpc).getJson(url, "DID document of " + did);
        } catch (PdsException e) {
            if (e.httpStatus() == 404 || e.httpStatus() == 410) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(read(did, r.body()));
    }

    /**
     * Finds the PDS of a DID: its document's {@code #atproto_pds} service endpoint, checked as described above.
     *
     * @param did the DID
     * @return the endpoint, or empty when there is no document or it names no PDS
     * @throws PdsException if the endpoint is refused (plain http, user information, a path, query or fragment, a
     *     non-public IP literal or a local host name)
     */
    public Optional<URI> resolvePds(Did did) {
        Optional<URI> endpoint = resolveDid(did).flatMap(DidDocument::pdsEndpoint);
        endpoint.ifPresent(uri -> {
            String what = "the #atproto_pds endpoint in the DID document of " + did;
            checkEndpoint(uri, what);
            String path = uri.getRawPath();
            if (path != null && !path.isEmpty() && !path.equals("/")) {
                throw refused(what, uri, "expected no path (a PDS is addressed at its root)");
            }
        });
        return endpoint;
    }

    private HttpUrl documentUrl(Did did) {
        String method = did.method();
        if (method.equals("plc")) {
            return plcDirectory.newBuilder().addPathSegment(did.value()).build();
        }
        if (method.equals("web")) {
            return webDocumentUrl(did);
        }
        throw new IllegalArgumentException("only did:plc and did:web can be resolved, found " + did);
    }

    /**
     * The document URL of a {@code did:web} as ATProto allows it: a host name, no path, and a port (the only escape,
     * {@code %3A}) on {@code localhost} alone. Nothing else is percent-decoded, so no escape reaches the URL's path
     * or query.
     */
    private HttpUrl webDocumentUrl(Did did) {
        String id = did.value().substring("did:web:".length());
        if (id.contains(":")) {
            throw badDidWeb(did, "a did:web with a path is not supported by ATProto");
        }
        String host = id;
        int port = -1;
        int escape = id.indexOf('%');
        if (escape >= 0) {
            String rest = id.substring(escape);
            host = id.substring(0, escape);
            if (!rest.regionMatches(true, 0, "%3A", 0, 3) || rest.length() == 3
                    || !rest.substring(3).chars().allMatch(c -> c >= '0' && c <= '9') || rest.length() > 8) {
                throw badDidWeb(did, "the only escape a did:web may hold is %3A before a port");
            }
            port = Integer.parseInt(rest.substring(3));
            if (port < 1 || port > 65535) {
                throw badDidWeb(did, "expected a port in 1..65535");
            }
            if (!host.equalsIgnoreCase("localhost")) {
                throw badDidWeb(did, "a port is allowed only on localhost");
            }
        }
        if (!HOST_NAME.matcher(host).matches() || host.length() > 253) {
            throw badDidWeb(did, "expected a host name (letters, digits, hyphens and dots)");
        }
        boolean local = allowInsecureEndpoints && (host.equalsIgnoreCase("localhost") || isLoopbackLiteral(host));
        HttpUrl.Builder url = new HttpUrl.Builder().scheme(local ? "http" : "https").host(host)
                .addPathSegment(".well-known").addPathSegment("did.json");
        if (port > 0) {
            url.port(port);
        }
        HttpUrl built = url.build();
        checkEndpoint(built.uri(), "the host of " + did);
        return built;
    }

    private static PdsException badDidWeb(Did did, String why) {
        return new PdsException(0, null, "refusing did:web '" + Xrpc.redact(did.value()) + "': " + why, false, null,
                null);
    }

    private static boolean isLoopbackLiteral(String host) {
        return host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
    }

    private DidDocument read(Did did, JsonNode doc) {
        String id = JsonValues.string(doc, "id");
        if (!did.value().equals(id)) {
            throw new PdsException(200, null, "the DID document of " + did + " names another DID: "
                    + (id == null ? "none" : Xrpc.redact(id)), false, null, null);
        }
        List<String> aka = new ArrayList<>();
        JsonNode akaNode = doc.get("alsoKnownAs");
        if (akaNode != null && akaNode.isArray()) {
            for (JsonNode a : akaNode.values()) {
                if (a.isString()) {
                    aka.add(a.stringValue());
                }
            }
        }
        Optional<URI> pds = Optional.empty();
        JsonNode services = doc.get("service");
        if (services != null && services.isArray()) {
            for (JsonNode s : services.values()) {
                String sid = JsonValues.string(s, "id");
                String endpoint = JsonValues.string(s, "serviceEndpoint");
                if (sid != null && endpoint != null && (sid.equals(ATPROTO_PDS) || sid.equals(did.value() + ATPROTO_PDS))
                        && "AtprotoPersonalDataServer".equals(JsonValues.string(s, "type"))) {
                    try {
                        pds = Optional.of(new URI(endpoint));
                    } catch (URISyntaxException e) {
                        throw new PdsException(200, null, "the DID document of " + did
                                + " names a malformed #atproto_pds endpoint: " + Xrpc.redact(endpoint), false, null, e);
                    }
                    break;
                }
            }
        }
        return new DidDocument(did, aka, pds, atprotoKey(did, doc.get("verificationMethod")));
    }

    /**
     * The first verification method whose id is {@code #atproto} or {@code <did>#atproto}, if its {@code type} and
     * {@code publicKeyMultibase} are strings (anything else in the document is ignored, as for services).
     */
    private static Optional<DidDocument.VerificationMethod> atprotoKey(Did did, JsonNode methods) {
        if (methods == null || !methods.isArray()) {
            return Optional.empty();
        }
        for (JsonNode vm : methods.values()) {
            String vid = JsonValues.string(vm, "id");
            if (vid != null && (vid.equals(ATPROTO) || vid.equals(did.value() + ATPROTO))) {
                String type = JsonValues.string(vm, "type");
                String multibase = JsonValues.string(vm, "publicKeyMultibase");
                return type == null || multibase == null ? Optional.empty()
                        : Optional.of(new DidDocument.VerificationMethod(vid, type, multibase));
            }
        }
        return Optional.empty();
    }

    private void checkEndpoint(URI uri, String what) {
        String scheme = uri.getScheme();
        String host = uri.getHost();
        if (scheme == null || host == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw refused(what, uri, "expected an http(s) URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw refused(what, safe(uri), "a URL with user information (credentials) is never used");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw refused(what, uri, "expected no query or fragment");
        }
        if (allowInsecureEndpoints) {
            return;
        }
        if (!scheme.equals("https")) {
            throw refused(what, uri, "expected https, found plain " + scheme);
        }
        // Host names are not resolved here: the connection's own Dns checks every address it connects to
        // (PublicAddresses.guard), so a second, different DNS answer cannot slip past the check.
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        try {
            if (PublicAddresses.isLiteral(bare)) {
                InetAddress a = InetAddress.getByName(bare); // a literal: parsed, not looked up
                if (isPrivate(a)) {
                    throw refused(what, uri, "its host is the non-public address " + a.getHostAddress());
                }
            } else {
                PublicAddresses.checkName(bare);
            }
        } catch (UnknownHostException e) {
            throw refused(what, uri, e.getMessage());
        }
    }

    /**
     * Tells whether an address is not global unicast ({@link PublicAddresses#isGlobalUnicast}).
     *
     * @param a the address
     * @return true for every address a DID document may not send this client to
     */
    static boolean isPrivate(InetAddress a) {
        return !PublicAddresses.isGlobalUnicast(a);
    }

    /** The URL without its user information, for messages. */
    static URI safe(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri;
        }
        try {
            return new URI(uri.getScheme(), "***", uri.getHost(), uri.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            return URI.create("invalid:***");
        }
    }

    private static PdsException refused(String what, URI uri, String why) {
        return new PdsException(0, null, "refusing " + what + " (" + uri + "): " + why
                + "; allowInsecureEndpoints(true) accepts it (tests, a local PDS)", false, null, null);
    }

    @Override
    public String toString() {
        return "IdentityResolver[plcDirectory=" + plcDirectory + ", handleResolver=" + handleResolver
                + ", allowInsecureEndpoints=" + allowInsecureEndpoints + "]";
    }

    /** Configures an {@link IdentityResolver}. Not thread-safe; the built resolver is immutable and thread-safe. */
    public static final class Builder {
        private final HttpOptions http = new HttpOptions(Duration.ofSeconds(10), Duration.ofSeconds(15), null,
                Duration.ofSeconds(30), 1024 * 1024);
        private HttpUrl plcDirectory = HttpUrl.get("https://plc.directory");
        private HttpUrl handleResolver;
        private boolean allowInsecureEndpoints;

        private Builder() {
        }

        /**
         * Sets the host's HTTP client (shared pool, own timeouts derived with {@code newBuilder()}). Default: a new
         * client.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(OkHttpClient client) {
            http.httpClient(client);
            return this;
        }

        /**
         * Sets the JSON mapper used to read documents. Default: {@code JsonMapper.builder().build()}.
         *
         * @param mapper the mapper
         * @return this builder
         */
        public Builder objectMapper(ObjectMapper mapper) {
            http.objectMapper(mapper);
            return this;
        }

        /**
         * Sets the PLC directory for {@code did:plc}. Default: {@code https://plc.directory}.
         *
         * @param url the directory's base URL
         * @return this builder
         * @throws IllegalArgumentException if it is not an http(s) URL, or holds user information
         */
        public Builder plcDirectory(String url) {
            this.plcDirectory = HttpOptions.url(url, "plcDirectory");
            return this;
        }

        /**
         * Sets the service asked to resolve handles ({@code com.atproto.identity.resolveHandle}), typically the
         * PDS or an AppView. Default: none ({@link #resolveHandle} then fails).
         *
         * @param url the service's base URL
         * @return this builder
         * @throws IllegalArgumentException if it is not an http(s) URL, or holds user information
         */
        public Builder handleResolver(String url) {
            this.handleResolver = HttpOptions.url(url, "handleResolver");
            return this;
        }

        /**
         * Accepts plain-http and private, loopback or link-local endpoints from DID documents. Default: false;
         * only tests and a local PDS need it.
         *
         * @param allow whether to accept them
         * @return this builder
         */
        public Builder allowInsecureEndpoints(boolean allow) {
            this.allowInsecureEndpoints = allow;
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
         * Sets the timeouts. Defaults: connect 10 s, read 15 s, whole call 30 s.
         *
         * @param connect the connect timeout, positive
         * @param read the read timeout, positive
         * @param call the whole-call timeout, positive
         * @return this builder
         */
        public Builder timeouts(Duration connect, Duration read, Duration call) {
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(read, "read");
            Objects.requireNonNull(call, "call");
            http.connectTimeout(connect);
            http.readTimeout(read);
            http.callTimeout(call);
            return this;
        }

        /**
         * Sets the most bytes of a document that are read. Default: 1 MiB.
         *
         * @param bytes the cap, at least 1024
         * @return this builder
         */
        public Builder maxResponseBytes(long bytes) {
            http.maxResponseBytes(bytes);
            return this;
        }

        /**
         * Builds the resolver.
         *
         * @return the resolver
         * @throws IllegalArgumentException naming the first bad property
         */
        public IdentityResolver build() {
            http.check();
            return new IdentityResolver(this);
        }
    }
}
