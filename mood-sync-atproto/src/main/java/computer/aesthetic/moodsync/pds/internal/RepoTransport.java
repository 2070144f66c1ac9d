package computer.aesthetic.moodsync.pds.internal;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.pds.internal.Resilience.Safety;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.syntax.Did;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where and how {@code PdsAtprotoRepo}'s calls go: picks the PDS of a repository (the account's endpoint, the
 * default PDS, or the one its DID document names, cached for an hour, over the address-guarded transport) and sends
 * a call there with the account's session, renewing a rejected token once, after reserving its write points, inside
 * the retry and circuit breaker policies. Knows nothing of the XRPC methods it carries ({@link RecordCalls} does).
 * Thread-safe.
 */
public final class RepoTransport {
    private static final Logger LOG = LoggerFactory.getLogger(RepoTransport.class);
    private static final Duration ENDPOINT_CACHE = Duration.ofHours(1);

    private final AccountDirectory accounts;
    private final HttpUrl defaultPds;
    private final Function<Did, Optional<URI>> resolver;
    private final Xrpc xrpc;
    private final Xrpc resolvedXrpc;
    private final Resilience resilience;
    private final Sessions sessions;
    private final WriteBudgets budgets;
    private final Clock clock;
    private final ConcurrentMap<Did, CachedEndpoint> resolved = new ConcurrentHashMap<>();

    private record CachedEndpoint(HttpUrl url, Instant until) {
    }

    /**
     * Where a call goes, and with which transport: a guarded one for a PDS learned from a DID document.
     *
     * @param did the repository
     * @param pds the PDS base URL
     * @param hostKey the circuit breaker's key for the PDS host
     * @param account the repository's account, if the directory knows it
     * @param xrpc the transport to use
     */
    public record Target(Did did, HttpUrl pds, String hostKey, Optional<Account> account, Xrpc xrpc) {
        boolean canLogIn() {
            return account.isPresent() && account.get().password().isPresent();
        }
    }

    /**
     * Creates the transport.
     *
     * @param accounts where credentials come from (already cached, if wanted)
     * @param defaultPds the PDS of accounts that name none, or null
     * @param resolver the PDS a DID document names ({@code IdentityResolver::resolvePds}), or null for none
     * @param xrpc the transport for configured PDS addresses
     * @param resolvedXrpc the address-guarded transport for resolved ones, or null without a resolver
     * @param resilience the retry and circuit breaker policies
     * @param sessions the session cache
     * @param budgets the write budgets
     * @param clock the clock
     */
    public RepoTransport(AccountDirectory accounts, HttpUrl defaultPds, Function<Did, Optional<URI>> resolver,
            Xrpc xrpc, Xrpc resolvedXrpc, Resilience resilience, Sessions sessions, WriteBudgets budgets,
            Clock clock) {
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.defaultPds = defaultPds;
        this.resolver = resolver;
        this.xrpc = Objects.requireNonNull(xrpc, "xrpc");
        this.resolvedXrpc = resolvedXrpc;
        this.resilience = Objects.requireNonNull(resilience, "resilience");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The write budgets, updated from the {@code RateLimit-*} headers of write answers.
     *
     * @return the budgets
     */
    public WriteBudgets budgets() {
        return budgets;
    }

    /**
     * Until when the circuit of a repository's PDS host is open.
     *
     * @param repo the repository
     * @return the time, or empty when closed or when no PDS is known for it
     */
    public Optional<Instant> unavailableUntil(Did repo) {
        try {
            return resilience.openUntil(target(repo).hostKey());
        } catch (PdsException e) {
            return Optional.empty();
        }
    }

    /**
     * The last known write budget of a repository.
     *
     * @param repo the repository
     * @return the budget, or empty when none is known
     */
    public Optional<WriteBudget> writeBudget(Did repo) {
        Objects.requireNonNull(repo, "repo");
        return budgets.get(repo);
    }

    /**
     * Sends a call with the account's session (when it has credentials), renewing a rejected token once, inside
     * the retry and circuit breaker policies.
     */
    public XrpcResponse send(Target t, Safety safety, int points, boolean needsAuth,
            Function<String, XrpcResponse> call) {
        try {
            return sendOnce(t, safety, points, needsAuth, call);
        } catch (PdsAuthenticationException e) {
            accounts.forget(t.did()); // the password may have just changed: read it afresh next time
            throw e;
        }
    }

    private XrpcResponse sendOnce(Target t, Safety safety, int points, boolean needsAuth,
            Function<String, XrpcResponse> call) {
        if (points > 0) {
            budgets.reserve(t.did(), points);
        }
        if (!t.canLogIn()) {
            if (needsAuth) {
                throw new PdsAuthenticationException(0, null, "cannot write to " + t.did() + ": the AccountDirectory "
                        + (t.account().isEmpty() ? "has no account with this DID" : "has no password for it"));
            }
            return resilience.call(t.hostKey(), safety, () -> call.apply(null));
        }
        Account account = t.account().orElseThrow();
        Session[] session = {sessions.current(t.xrpc(), account, t.pds(), t.hostKey())};
        return resilience.call(t.hostKey(), safety, () -> {
            Session used = session[0];
            try {
                return call.apply(used.accessAuthorization());
            } catch (PdsException e) {
                if (!tokenRejected(e)) {
                    throw e;
                }
                LOG.debug("the PDS rejected the session of {} ({}); renewing it", t.did(), e.label());
                Session renewed = sessions.renew(t.xrpc(), account, used, t.hostKey());
                session[0] = renewed;
                try {
                    return call.apply(renewed.accessAuthorization());
                } catch (PdsException again) {
                    if (tokenRejected(again)) {
                        sessions.forget(t.did());
                        throw new PdsAuthenticationException(again.httpStatus(), again.errorName().orElse(null),
                                "the PDS rejected a freshly renewed session of " + t.did() + ": " + again.getMessage());
                    }
                    throw again;
                }
            }
        });
    }

    private static boolean tokenRejected(PdsException e) {
        String name = e.errorName().orElse("");
        return e.httpStatus() == 400 && (name.equals("ExpiredToken") || name.equals("InvalidToken"));
    }

    public Target target(Did did) {
        Objects.requireNonNull(did, "repo");
        Optional<Account> account = accounts.findByDid(did);
        if (account.isPresent() && !account.get().did().equals(did)) {
            // logging in as one DID and writing to another would at best fail, at worst write with the wrong account
            throw new PdsAuthenticationException(0, null, "the AccountDirectory answered findByDid(" + did
                    + ") with the account of " + account.get().did() + "; refusing to use it for " + did);
        }
        Optional<URI> endpoint = account.flatMap(Account::pdsEndpoint);
        HttpUrl pds;
        Xrpc transport = xrpc;
        if (endpoint.isPresent()) {
            pds = HttpUrl.parse(endpoint.get().toString());
            if (pds == null || !pds.username().isEmpty() || !pds.password().isEmpty()) {
                throw new PdsException(0, null, "the AccountDirectory names a PDS endpoint for " + did + " that is "
                        + (pds == null ? "not an http(s) URL" : "refused: it holds user information (credentials)")
                        + ": " + Xrpc.redact(endpoint.get().toString()), false, null, null);
            }
        } else if (defaultPds != null) {
            pds = defaultPds;
        } else if (resolver != null) {
            pds = resolvedPds(did);
            transport = resolvedXrpc;
        } else {
            throw new PdsException(0, null, "no PDS known for " + did + ": the account names no endpoint, and the"
                    + " repo has neither a defaultPds nor an identityResolver", false, null, null);
        }
        String hostKey = pds.scheme() + "://" + pds.host() + ":" + pds.port();
        return new Target(did, pds, hostKey, account, transport);
    }

    private HttpUrl resolvedPds(Did did) {
        Instant now = clock.instant();
        CachedEndpoint cached = resolved.get(did);
        if (cached != null && now.isBefore(cached.until())) {
            return cached.url();
        }
        URI uri = resolver.apply(did).orElseThrow(() -> new PdsException(0, null, "the DID document of "
                + did + " names no #atproto_pds endpoint", false, null, null));
        HttpUrl url = HttpUrl.get(uri.toString());
        resolved.put(did, new CachedEndpoint(url, now.plus(ENDPOINT_CACHE)));
        return url;
    }

    @Override
    public String toString() {
        return sessions.toString();
    }
}
