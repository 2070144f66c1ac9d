package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.data.DataModel;
import computer.aesthetic.moodsync.pds.internal.HttpOptions;
import computer.aesthetic.moodsync.pds.internal.RecordCalls;
import computer.aesthetic.moodsync.pds.internal.RepoTransport;
import computer.aesthetic.moodsync.pds.internal.Resilience;
import computer.aesthetic.moodsync.pds.internal.Sessions;
import computer.aesthetic.moodsync.pds.internal.WriteBudgets;
import computer.aesthetic.moodsync.pds.internal.Xrpc;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import tools.jackson.databind.ObjectMapper;

/**
 * The {@link AtprotoRepo} of a real PDS, over XRPC ({@code com.atproto.repo.*}) with OkHttp and Jackson.
 *
 * <p>What it adds to plain XRPC:
 * <ul>
 *   <li><b>Sessions.</b> One {@code createSession} per account (credentials from the {@link AccountDirectory}),
 *       cached and shared by all threads. An access token the PDS rejects ({@code 400 ExpiredToken} or
 *       {@code InvalidToken}) is refreshed once, by one thread for all, and the call repeated once; a refused refresh
 *       logs in again. A refused password is a {@link PdsAuthenticationException}, and the same password is not tried
 *       again for {@link Builder#loginFailureCooldown a while}. Reads use the session when the directory has
 *       credentials for the repository, and go anonymous otherwise.</li>
 *   <li><b>Retries.</b> 5xx (but 501), 408, timeouts and connection failures are retried with exponential backoff
 *       and jitter, for calls that are safe to repeat: reads, {@code putRecord}, {@code deleteRecord}, and
 *       {@code applyWrites} batches made only of updates. A batch with creates or deletes is repeated only when it
 *       certainly did not reach the PDS (no connection, 429), because the PDS answers 500 to a create of an existing
 *       record or a delete of a missing one: after an ambiguous failure the {@link PdsException} says that the batch
 *       may have been applied, and the caller decides (re-read, then retry).</li>
 *   <li><b>Rate limits.</b> A 429 is waited out when its {@code Retry-After} / {@code RateLimit-Reset} is within
 *       {@link Builder#maxRateLimitWait}, otherwise it is a {@link computer.aesthetic.moodsync.RateLimitedException}.
 *       The per-repository write budget ({@code RateLimit-*} headers of writes, with the known costs create 3,
 *       update 2, delete 1) is tracked: a write that would overrun it waits for the reset when that is within
 *       {@link Builder#maxBudgetWait}, and is otherwise refused without being sent
 *       ({@code RateLimitedException} with status 0, error name {@code WriteBudgetExhausted}).</li>
 *   <li><b>Circuit breaker</b> per PDS host: after {@link Builder#circuitFailureThreshold} consecutive outages
 *       (5xx, no answer) calls fail fast with {@link PdsUnavailableException} for
 *       {@link Builder#circuitOpenDuration}.</li>
 * </ul>
 *
 * <p>Records are converted with {@link DataModel#toJson} and {@link DataModel#fromJson}; {@code validate} is never
 * sent, so the PDS accepts collections it has no lexicon for. A listed or read record whose value is not in the data
 * model (a float, say, from a PDS that let one in) is kept with its value as plain JSON values (it may then hold a
 * {@link Double} or {@link java.math.BigDecimal}): {@link RepoRecord#value()} is untrusted and a codec validates it,
 * and the reconciler can report the record as invalid instead of losing sight of it. A listed record whose URI or CID
 * cannot be read is skipped and logged at WARN.
 *
 * <p>Instances are immutable and thread-safe; build them with {@link #builder()}. Tokens and passwords never appear
 * in logs, exception messages or {@link #toString()}.
 */
public final class PdsAtprotoRepo implements AtprotoRepo {
    private final HttpUrl defaultPds;
    private final boolean resolves;
    private final RepoTransport transport;
    private final RecordCalls calls;
    private final int maxListPages;

    private PdsAtprotoRepo(Builder b) {
        Clock clock = b.http.clock();
        AccountDirectory accounts = b.accountCacheTtl.isZero() ? b.accounts
                : AccountDirectory.cached(b.accounts, b.accountCacheTtl, clock);
        this.defaultPds = b.defaultPds;
        this.resolves = b.identityResolver != null;
        this.maxListPages = b.maxListPages;
        OkHttpClient client = b.http.client();
        Xrpc xrpc = b.http.xrpc(client);
        Xrpc resolvedXrpc = b.identityResolver == null ? null
                : b.http.xrpc(b.identityResolver.connectionsFor(client));
        Resilience resilience = new Resilience(new Resilience.Settings(b.maxRetries, b.initialBackoff, b.maxBackoff,
                b.jitter, b.maxRateLimitWait, b.circuitFailureThreshold, b.circuitOpenDuration), clock);
        Sessions sessions = new Sessions(clock, resilience, b.loginFailureCooldown, b.initialBackoff);
        WriteBudgets budgets = new WriteBudgets(clock, b.maxBudgetWait, d -> Thread.sleep(Math.max(1, d.toMillis())));
        this.transport = new RepoTransport(accounts, b.defaultPds,
                b.identityResolver == null ? null : b.identityResolver::resolvePds, xrpc, resolvedXrpc, resilience,
                sessions, budgets, clock);
        this.calls = new RecordCalls(transport, b.maxWritesPerCall);
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- AtprotoRepo

    @Override
    public WriteResult putRecord(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value,
            SwapRecord swap) {
        return calls.putRecord(repo, collection, rkey, value, swap);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends {@code putRecord} with {@code swapRecord: null} (never {@code createRecord}, which answers 500 for an
     * existing key). The PDS compares content before the swap, so an existing record with identical content comes
     * back as a no-op: that is reported as not created, with the record. On {@code InvalidSwap} the existing record
     * is read and returned.
     */
    @Override
    public CreateResult createIfAbsent(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value) {
        return calls.createIfAbsent(repo, collection, rkey, value);
    }

    @Override
    public void deleteRecord(Did repo, Nsid collection, RecordKey rkey, SwapRecord swap) {
        calls.deleteRecord(repo, collection, rkey, swap);
    }

    @Override
    public Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey) {
        return calls.getRecord(repo, collection, rkey);
    }

    @Override
    public RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse) {
        return calls.listRecords(repo, collection, limit, cursor, reverse);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Follows at most {@link Builder#maxListPages} pages (default {@value AtprotoRepo#MAX_PAGES}).
     */
    @Override
    public Stream<RepoRecord> listAll(Did repo, Nsid collection) {
        return AtprotoRepo.followCursors(this, repo, collection, maxListPages);
    }

    @Override
    public List<WriteResult> applyWrites(Did repo, List<RepoWrite> writes) {
        return calls.applyWrites(repo, writes);
    }

    @Override
    public Optional<Instant> unavailableUntil(Did repo) {
        return transport.unavailableUntil(repo);
    }

    @Override
    public Optional<WriteBudget> writeBudget(Did repo) {
        return transport.writeBudget(repo);
    }

    @Override
    public String toString() {
        return "PdsAtprotoRepo[defaultPds=" + defaultPds + ", identityResolver=" + resolves + ", " + transport + "]";
    }

    // ---------------------------------------------------------------- builder

    /**
     * Configures a {@link PdsAtprotoRepo}. Every setting has a documented default except {@link #accounts}. Not
     * thread-safe; the built repo is immutable and thread-safe.
     */
    public static final class Builder {
        private AccountDirectory accounts;
        private HttpUrl defaultPds;
        private IdentityResolver identityResolver;
        private final HttpOptions http = new HttpOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(30), Duration.ofSeconds(60), 16L * 1024 * 1024);
        private int maxRetries = 3;
        private Duration initialBackoff = Duration.ofMillis(250);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private double jitter = 0.25;
        private Duration maxRateLimitWait = Duration.ofSeconds(60);
        private Duration maxBudgetWait = Duration.ofSeconds(60);
        private int circuitFailureThreshold = 5;
        private Duration circuitOpenDuration = Duration.ofSeconds(30);
        private Duration loginFailureCooldown = Duration.ofMinutes(5);
        private int maxWritesPerCall = MAX_WRITES;
        private int maxListPages = MAX_PAGES;
        private Duration accountCacheTtl = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * Sets where credentials come from ({@link AccountDirectory#findByDid}). Required.
         *
         * @param accounts the directory
         * @return this builder
         */
        public Builder accounts(AccountDirectory accounts) {
            this.accounts = Objects.requireNonNull(accounts, "accounts");
            return this;
        }

        /**
         * Sets the PDS used for accounts that name no endpoint of their own. Default: none (then the account's
         * endpoint, or the {@link #identityResolver} is used).
         *
         * @param url the PDS base URL, such as {@code https://pds.example.com}
         * @return this builder
         * @throws IllegalArgumentException if the URL is not an http(s) URL, or holds user information (credentials
         *     never go in a URL: they would reach logs)
         */
        public Builder defaultPds(String url) {
            Objects.requireNonNull(url, "url");
            this.defaultPds = HttpOptions.url(url, "defaultPds");
            return this;
        }

        /**
         * Sets the PDS used for accounts that name no endpoint of their own.
         *
         * @param url the PDS base URL
         * @return this builder
         * @throws IllegalArgumentException if the URL is not an http(s) URL, or holds user information
         */
        public Builder defaultPds(URI url) {
            return defaultPds(Objects.requireNonNull(url, "url").toString());
        }

        /**
         * Sets how to find the PDS of a repository whose account names no endpoint when there is no
         * {@link #defaultPds}: its DID document's {@code #atproto_pds} service, cached for an hour. Default: none.
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder identityResolver(IdentityResolver resolver) {
            this.identityResolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Sets the host's HTTP client; the repo derives its own with {@link OkHttpClient#newBuilder()} (sharing the
         * connection pool and dispatcher) to apply its timeouts. Default: a new {@code OkHttpClient}.
         *
         * @param client the client
         * @return this builder
         */
        public Builder httpClient(OkHttpClient client) {
            http.httpClient(client);
            return this;
        }

        /**
         * Sets the host's JSON mapper, used only to read and write JSON text (trees are built without it).
         * Default: {@code JsonMapper.builder().build()}.
         *
         * @param mapper the mapper
         * @return this builder
         */
        public Builder objectMapper(ObjectMapper mapper) {
            http.objectMapper(mapper);
            return this;
        }

        /**
         * Sets the clock (rate-limit resets, caches). Default: {@link Clock#systemUTC()}.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            http.clock(clock);
            return this;
        }

        /**
         * Sets the TCP connect timeout. Default: 10 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            http.connectTimeout(timeout);
            return this;
        }

        /**
         * Sets the read timeout (longest silence while reading an answer). Default: 30 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            http.readTimeout(timeout);
            return this;
        }

        /**
         * Sets the write timeout (longest stall while sending a request). Default: 30 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            http.writeTimeout(timeout);
            return this;
        }

        /**
         * Sets the timeout of one whole HTTP call (one attempt). Default: 60 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            http.callTimeout(timeout);
            return this;
        }

        /**
         * Sets how many times a failed call is retried (after the first attempt). Default: 3.
         *
         * @param maxRetries the retries, 0 or more
         * @return this builder
         */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Sets the exponential backoff between retries: the first delay, doubling up to the maximum. Defaults:
         * 250 ms and 10 s.
         *
         * @param initial the first delay, positive
         * @param max the largest delay, at least {@code initial}
         * @return this builder
         */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = Objects.requireNonNull(initial, "initial");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * Sets the jitter factor applied to retry delays. Default: 0.25.
         *
         * @param factor 0 (none) to 1
         * @return this builder
         */
        public Builder jitter(double factor) {
            this.jitter = factor;
            return this;
        }

        /**
         * Sets the longest a 429 answer is waited out ({@code Retry-After} or {@code RateLimit-Reset}) before the
         * call fails with {@link computer.aesthetic.moodsync.RateLimitedException}. Default: 60 s.
         *
         * @param maxWait the wait, 0 or more
         * @return this builder
         */
        public Builder maxRateLimitWait(Duration maxWait) {
            this.maxRateLimitWait = Objects.requireNonNull(maxWait, "maxWait");
            return this;
        }

        /**
         * Sets the longest a write waits for its repository's write budget to reset before it is refused without
         * being sent. Default: 60 s.
         *
         * @param maxWait the wait, 0 or more
         * @return this builder
         */
        public Builder maxBudgetWait(Duration maxWait) {
            this.maxBudgetWait = Objects.requireNonNull(maxWait, "maxWait");
            return this;
        }

        /**
         * Sets the circuit breaker per PDS host: how many consecutive outages (5xx but 501, no answer) open it and
         * how long it then fails calls fast. Defaults: 5 and 30 s.
         *
         * @param failureThreshold consecutive failures, at least 1
         * @param openDuration how long it stays open, positive
         * @return this builder
         */
        public Builder circuitBreaker(int failureThreshold, Duration openDuration) {
            this.circuitFailureThreshold = failureThreshold;
            this.circuitOpenDuration = Objects.requireNonNull(openDuration, "openDuration");
            return this;
        }

        /**
         * Sets how long a password the PDS refused is not tried again (the PDS allows 30 logins per 5 minutes); a
         * changed password is tried at once. Default: 5 minutes.
         *
         * @param cooldown the cooldown, 0 or more
         * @return this builder
         */
        public Builder loginFailureCooldown(Duration cooldown) {
            this.loginFailureCooldown = Objects.requireNonNull(cooldown, "cooldown");
            return this;
        }

        /**
         * Sets the most bytes of one answer that are read; a longer answer is a {@link PdsException}. Default:
         * 16 MiB.
         *
         * @param bytes the cap, at least 1024
         * @return this builder
         */
        public Builder maxResponseBytes(long bytes) {
            http.maxResponseBytes(bytes);
            return this;
        }

        /**
         * Sets the most writes sent in one {@code applyWrites} call; longer lists are split. Default and maximum:
         * {@value AtprotoRepo#MAX_WRITES}.
         *
         * @param max the writes per call, 1..200
         * @return this builder
         */
        public Builder maxWritesPerCall(int max) {
            this.maxWritesPerCall = max;
            return this;
        }

        /**
         * Sets the most pages {@link #listAll} follows before it fails, a guard against a PDS whose cursor never
         * ends. Default: {@value AtprotoRepo#MAX_PAGES} (10 million records).
         *
         * @param max the pages, at least 1
         * @return this builder
         */
        public Builder maxListPages(int max) {
            this.maxListPages = max;
            return this;
        }

        /**
         * Sets how long accounts found in the directory are remembered, so a call costs no look-up (default 30 s;
         * {@link Duration#ZERO} turns it off). A changed password is seen after at most this long.
         *
         * @param ttl zero or more
         * @return this builder
         */
        public Builder accountCacheTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("accountCacheTtl must be >= 0, found " + ttl);
            }
            this.accountCacheTtl = ttl;
            return this;
        }

        /**
         * Builds the repo, filling defaults.
         *
         * @return the repo
         * @throws IllegalArgumentException naming the first bad or missing property
         */
        public PdsAtprotoRepo build() {
            if (accounts == null) {
                throw new IllegalArgumentException("accounts (an AccountDirectory) is required");
            }
            http.check();
            HttpOptions.positive("backoff initial", initialBackoff);
            HttpOptions.positive("circuitBreaker openDuration", circuitOpenDuration);
            HttpOptions.notNegative("maxRateLimitWait", maxRateLimitWait);
            HttpOptions.notNegative("maxBudgetWait", maxBudgetWait);
            HttpOptions.notNegative("loginFailureCooldown", loginFailureCooldown);
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("backoff max must be >= initial, found " + maxBackoff + " < "
                        + initialBackoff);
            }
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, found " + maxRetries);
            }
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("jitter must be in 0..1, found " + jitter);
            }
            if (circuitFailureThreshold < 1) {
                throw new IllegalArgumentException("circuitBreaker failureThreshold must be >= 1, found "
                        + circuitFailureThreshold);
            }
            if (maxWritesPerCall < 1 || maxWritesPerCall > MAX_WRITES) {
                throw new IllegalArgumentException("maxWritesPerCall must be in 1.." + MAX_WRITES + ", found "
                        + maxWritesPerCall);
            }
            if (maxListPages < 1) {
                throw new IllegalArgumentException("maxListPages must be >= 1, found " + maxListPages);
            }
            return new PdsAtprotoRepo(this);
        }
    }
}
