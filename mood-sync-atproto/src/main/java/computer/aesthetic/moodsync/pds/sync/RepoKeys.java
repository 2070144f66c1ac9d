package computer.aesthetic.moodsync.pds.sync;

import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.ingest.CommitAuthenticator;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.VerificationException;
import computer.aesthetic.moodsync.syntax.Did;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The {@code #atproto} signing key of each repository, read from its DID document ({@code did:plc} from the PLC
 * directory, {@code did:web} from {@code https://HOST/.well-known/did.json}) and cached until
 * {@link #refresh(Did)}; and the {@link CommitAuthenticator} a follower of a real PDS needs
 * ({@link #authenticator()}: k256 and p256 through BouncyCastle, refreshing the key on {@code #identity} and on a
 * failed signature, as INGEST.md says).
 *
 * <p>Thread-safe. Documents above 64 KiB are refused.
 */
public final class RepoKeys {
    private static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OkHttpClient client;
    private final HttpUrl plcDirectory;
    private final Map<Did, DidKey> cache = new ConcurrentHashMap<>();

    /**
     * Creates the key source.
     *
     * @param client the host's HTTP client (a derived one with 10 s timeouts is used)
     * @param plcDirectory the PLC directory, such as {@code https://plc.directory}
     */
    public RepoKeys(OkHttpClient client, String plcDirectory) {
        this.client = Objects.requireNonNull(client, "client").newBuilder().callTimeout(Duration.ofSeconds(10))
                .build();
        this.plcDirectory = HttpUrl.get(Objects.requireNonNull(plcDirectory, "plcDirectory"));
    }

    /**
     * Returns the repository's {@code #atproto} key, from the cache or its DID document.
     *
     * @param did the repository
     * @return the key
     * @throws VerificationException if the document has no usable {@code #atproto} key
     * @throws PdsUnavailableException if the document could not be fetched
     */
    public DidKey key(Did did) {
        DidKey cached = cache.get(did);
        if (cached != null) {
            return cached;
        }
        DidKey key = fetch(did);
        cache.put(did, key);
        return key;
    }

    /**
     * Forgets the cached key of a repository.
     *
     * @param did the repository
     */
    public void refresh(Did did) {
        cache.remove(did);
    }

    /**
     * Returns an authenticator that verifies each commit (signature, proof and inversion) with these keys.
     *
     * @return the authenticator
     */
    public CommitAuthenticator authenticator() {
        CommitVerifier verifier = CommitVerifier.of(BouncyCastleSignatureVerifier.create());
        return new CommitAuthenticator() {
            @Override
            public void authenticate(computer.aesthetic.moodsync.sync.FirehoseEvent.Commit commit) {
                verifier.verify(commit, key(commit.repo()));
            }

            @Override
            public void refresh(Did did) {
                RepoKeys.this.refresh(did);
            }
        };
    }

    private HttpUrl documentUrl(Did did) {
        String value = did.toString();
        if (value.startsWith("did:plc:")) {
            return plcDirectory.newBuilder().addPathSegment(value).build();
        }
        if (value.startsWith("did:web:")) {
            String host = value.substring("did:web:".length());
            if (host.contains(":")) {
                throw new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY,
                        "did:web with a port or path is not supported: " + did);
            }
            return new HttpUrl.Builder().scheme("https").host(host).addPathSegments(".well-known/did.json").build();
        }
        throw new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY, "unsupported DID method: " + did);
    }

    private DidKey fetch(Did did) {
        HttpUrl url = documentUrl(did);
        JsonNode doc;
        try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
            if (r.code() != 200) {
                throw new PdsUnavailableException("DID document of " + did + ": HTTP " + r.code(), null, null);
            }
            try (InputStream in = r.body().byteStream()) {
                byte[] bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
                if (bytes.length > MAX_DOCUMENT_BYTES) {
                    throw new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY,
                            "DID document of " + did + " exceeds " + MAX_DOCUMENT_BYTES + " bytes");
                }
                doc = JSON.readTree(bytes);
            }
        } catch (IOException e) {
            throw new PdsUnavailableException("DID document of " + did + ": " + e.getClass().getSimpleName(), null, e);
        }
        JsonNode methods = doc.get("verificationMethod");
        if (methods != null && methods.isArray()) {
            for (JsonNode vm : methods) {
                JsonNode id = vm.get("id");
                if (id != null && id.isString() && (id.asString().equals("#atproto")
                        || id.asString().equals(did + "#atproto"))) {
                    JsonNode type = vm.get("type");
                    JsonNode multibase = vm.get("publicKeyMultibase");
                    if (type != null && multibase != null) {
                        try {
                            return DidKey.fromVerificationMethod(type.asString(), multibase.asString());
                        } catch (IllegalArgumentException e) {
                            throw new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY,
                                    "the #atproto key of " + did + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        throw new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY,
                "the DID document of " + did + " has no #atproto verification method");
    }

    @Override
    public String toString() {
        return "RepoKeys[" + plcDirectory + ", cached=" + cache.size() + "]";
    }
}
