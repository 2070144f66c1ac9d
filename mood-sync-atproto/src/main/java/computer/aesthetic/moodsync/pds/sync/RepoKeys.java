package computer.aesthetic.moodsync.pds.sync;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.ingest.CommitAuthenticator;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.VerificationException;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.pds.DidDocument;
import computer.aesthetic.moodsync.pds.IdentityResolver;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.OkHttpClient;

/**
 * The {@code #atproto} signing key of each repository, read from its DID document through an
 * {@link IdentityResolver} ({@code did:plc} from the PLC directory, {@code did:web} from
 * {@code https://HOST/.well-known/did.json}) and cached until {@link #refresh(Did)}; and the
 * {@link CommitAuthenticator} a follower of a real PDS needs ({@link #authenticator()}: k256 and p256 through
 * BouncyCastle, refreshing the key on {@code #identity} and on a failed signature, as INGEST.md says).
 *
 * <p>The resolver is the one place DID documents are fetched, so its guards apply: no redirect is followed, a
 * {@code did:web} host that is or resolves (at connection time) to a non-public address is refused unless the
 * resolver allows insecure endpoints, and its size cap and timeouts hold. A document that cannot be had for good
 * (refused, redirected, malformed, naming another DID, absent, or without a usable {@code #atproto} key) is a
 * {@link VerificationException} ({@link VerificationException.Reason#UNSUPPORTED_KEY}), so the follower resyncs the
 * repository; a transient failure (I/O, timeout, 5xx) is a {@link PdsUnavailableException}.
 *
 * <p>Thread-safe.
 */
public final class RepoKeys {
    private static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final IdentityResolver resolver;
    private final Map<Did, DidKey> cache = new ConcurrentHashMap<>();

    /**
     * Creates the key source on a resolver (use {@code allowInsecureEndpoints(true)} only for tests and a local PDS).
     *
     * @param resolver the resolver that fetches the DID documents
     */
    public RepoKeys(IdentityResolver resolver) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /**
     * Creates the key source on a strict resolver: {@code IdentityResolver.builder().httpClient(client)
     * .plcDirectory(plcDirectory)} with 10 s timeouts and documents capped at 64 KiB.
     *
     * @param client the host's HTTP client (a derived one is used)
     * @param plcDirectory the PLC directory, such as {@code https://plc.directory}
     * @throws IllegalArgumentException if the directory is not an http(s) URL or holds user information
     */
    public RepoKeys(OkHttpClient client, String plcDirectory) {
        this(IdentityResolver.builder().httpClient(Objects.requireNonNull(client, "client"))
                .plcDirectory(Objects.requireNonNull(plcDirectory, "plcDirectory"))
                .timeouts(TIMEOUT, TIMEOUT, TIMEOUT).maxResponseBytes(MAX_DOCUMENT_BYTES).build());
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

    private DidKey fetch(Did did) {
        Optional<DidDocument> doc;
        try {
            doc = resolver.resolveDid(did);
        } catch (IllegalArgumentException e) {
            throw unusable("unsupported DID method: " + did);
        } catch (PdsUnavailableException e) {
            throw e;
        } catch (PdsException e) {
            if (e.isRetryable()) {
                throw new PdsUnavailableException("DID document of " + did + ": " + e.getMessage(),
                        e.retryAt().orElse(null), e);
            }
            throw unusable("DID document of " + did + ": " + e.getMessage());
        }
        DidDocument.VerificationMethod vm = doc.orElseThrow(() -> unusable("there is no DID document of " + did))
                .atprotoKey().orElseThrow(() -> unusable("the DID document of " + did
                        + " has no #atproto verification method with a type and publicKeyMultibase"));
        try {
            return DidKey.fromVerificationMethod(vm.type(), vm.publicKeyMultibase());
        } catch (IllegalArgumentException e) {
            throw unusable("the #atproto key of " + did + ": " + e.getMessage());
        }
    }

    private static VerificationException unusable(String message) {
        return new VerificationException(VerificationException.Reason.UNSUPPORTED_KEY, message);
    }

    @Override
    public String toString() {
        return "RepoKeys[" + resolver + ", cached=" + cache.size() + "]";
    }
}
