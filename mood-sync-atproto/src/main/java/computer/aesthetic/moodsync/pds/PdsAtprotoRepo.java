package computer.aesthetic.moodsync.pds;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.data.DataModel;
import computer.aesthetic.moodsync.pds.internal.JsonValues;
import computer.aesthetic.moodsync.pds.internal.Resilience;
import computer.aesthetic.moodsync.pds.internal.Resilience.Safety;
import computer.aesthetic.moodsync.pds.internal.Session;
import computer.aesthetic.moodsync.pds.internal.Sessions;
import computer.aesthetic.moodsync.pds.internal.WriteBudgets;
import computer.aesthetic.moodsync.pds.internal.Xrpc;
import computer.aesthetic.moodsync.pds.internal.XrpcResponse;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.AtUri;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

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
    private static final Logger LOG = LoggerFactory.getLogger(PdsAtprotoRepo.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Duration ENDPOINT_CACHE = Duration.ofHours(1);

    private final AccountDirectory accounts;
    private final HttpUrl defaultPds;
    private final IdentityResolver identityResolver;
    private final Xrpc xrpc;
    private final Xrpc resolvedXrpc;
    private final Resilience resilience;
    private final Sessions sessions;
    private final WriteBudgets budgets;
    private final Clock clock;
    private final int maxWritesPerCall;
    private final int maxListPages;
    private final ConcurrentMap<Did, CachedEndpoint> resolved = new ConcurrentHashMap<>();

    private record CachedEndpoint(HttpUrl url, Instant until) {
    }

    /** Where a call goes, and with which transport: a guarded one for a PDS learned from a DID document. */
    private record Target(Did did, HttpUrl pds, String hostKey, Optional<Account> account, Xrpc xrpc) {
        boolean canLogIn() {
            return account.isPresent() && account.get().password().isPresent();
        }
    }

    private PdsAtprotoRepo(Builder b) {
        this.accounts = b.accountCacheTtl.isZero() ? b.accounts
                : AccountDirectory.cached(b.accounts, b.accountCacheTtl, b.clock);
        this.defaultPds = b.defaultPds;
        this.identityResolver = b.identityResolver;
        this.clock = b.clock;
        this.maxWritesPerCall = b.maxWritesPerCall;
        this.maxListPages = b.maxListPages;
        OkHttpClient client = b.httpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                .readTimeout(b.readTimeout)
                .writeTimeout(b.writeTimeout)
                .callTimeout(b.callTimeout)
                .build();
        this.xrpc = new Xrpc(client, b.objectMapper, b.maxResponseBytes, b.clock);
        this.resolvedXrpc = b.identityResolver == null ? null
                : new Xrpc(b.identityResolver.connectionsFor(client), b.objectMapper, b.maxResponseBytes, b.clock);
        this.resilience = new Resilience(new Resilience.Settings(b.maxRetries, b.initialBackoff, b.maxBackoff,
                b.jitter, b.maxRateLimitWait, b.circuitFailureThreshold, b.circuitOpenDuration), b.clock);
        this.sessions = new Sessions(b.clock, resilience, b.loginFailureCooldown, b.initialBackoff);
        this.budgets = new WriteBudgets(b.clock, b.maxBudgetWait, d -> Thread.sleep(Math.max(1, d.toMillis())));
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
        Objects.requireNonNull(swap, "swap");
        ObjectNode body = recordWriteBody(repo, collection, rkey, value);
        switch (swap.kind()) {
            case ANY -> { }
            case ABSENT -> body.putNull("swapRecord");
            case CID -> body.put("swapRecord", swap.cid().orElseThrow().toString());
            default -> throw new IllegalStateException("unknown swap kind " + swap.kind());
        }
        Target t = target(repo);
        AtomicInteger attempts = new AtomicInteger();
        XrpcResponse r;
        try {
            r = send(t, Safety.IDEMPOTENT, 2, true, auth -> {
                attempts.incrementAndGet();
                return t.xrpc().procedure(t.pds(), "com.atproto.repo.putRecord", body, auth, h -> budgets.update(repo, h));
            });
        } catch (SwapConflictException e) {
            if (attempts.get() > 1 && swap.kind() != SwapRecord.Kind.ANY) {
                // an earlier attempt may have been applied before its answer was lost: then the record holds our value
                Optional<WriteResult> ours = ifCurrentIs(repo, collection, rkey, value);
                if (ours.isPresent()) {
                    return ours.get();
                }
            }
            throw e;
        }
        return writeResult("com.atproto.repo.putRecord", r, r.body().has("commit"));
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
        for (int round = 0; round < 3; round++) {
            try {
                WriteResult w = putRecord(repo, collection, rkey, value, SwapRecord.absent());
                if (!w.changed()) {
                    // the PDS checks for identical content before the swap: the record was already there, as is
                    RepoRecord same = new RepoRecord(w.uri(), w.cid().orElseThrow(), DataModel.copyRecord(value));
                    return new CreateResult(w, false, Optional.of(same));
                }
                return new CreateResult(w, true, Optional.empty());
            } catch (SwapConflictException e) {
                Optional<RepoRecord> existing = getRecord(repo, collection, rkey);
                if (existing.isPresent()) {
                    RepoRecord rec = existing.get();
                    return new CreateResult(new WriteResult(rec.uri(), Optional.of(rec.cid()), false), false, existing);
                }
                // deleted between the put and the read: try again
            }
        }
        throw new SwapConflictException(400, "createIfAbsent of " + AtUri.of(repo, collection, rkey)
                + ": the record kept appearing and disappearing; gave up after 3 rounds");
    }

    @Override
    public void deleteRecord(Did repo, Nsid collection, RecordKey rkey, SwapRecord swap) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Objects.requireNonNull(swap, "swap");
        if (swap.kind() == SwapRecord.Kind.ABSENT) {
            // "delete only if it does not exist" deletes nothing; it only checks
            Optional<RepoRecord> existing = getRecord(repo, collection, rkey);
            if (existing.isPresent()) {
                throw new SwapConflictException(400, "deleteRecord of " + existing.get().uri()
                        + ": expected no record, found one with CID " + existing.get().cid());
            }
            return;
        }
        ObjectNode body = NODES.objectNode();
        body.put("repo", repo.value());
        body.put("collection", collection.value());
        body.put("rkey", rkey.value());
        swap.cid().ifPresent(c -> body.put("swapRecord", c.toString()));
        Target t = target(repo);
        send(t, Safety.IDEMPOTENT, 1, true, auth -> t.xrpc().procedure(t.pds(), "com.atproto.repo.deleteRecord", body,
                auth, h -> budgets.update(repo, h)));
    }

    @Override
    public Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Target t = target(repo);
        List<Map.Entry<String, String>> params = List.of(Map.entry("repo", repo.value()),
                Map.entry("collection", collection.value()), Map.entry("rkey", rkey.value()));
        XrpcResponse r;
        try {
            r = send(t, Safety.IDEMPOTENT, 0, false,
                    auth -> t.xrpc().query(t.pds(), "com.atproto.repo.getRecord", params, auth));
        } catch (PdsException e) {
            if ("RecordNotFound".equals(e.errorName().orElse(null))) {
                return Optional.empty();
            }
            throw e;
        }
        JsonNode body = r.body();
        String uri = JsonValues.string(body, "uri");
        Object plain = JsonValues.toPlain(body.get("value"));
        if (!(plain instanceof Map<?, ?>)) {
            throw malformed("com.atproto.repo.getRecord", "a record object in 'value'", describe(plain));
        }
        Map<String, Object> value = recordValue(plain);
        String cidText = JsonValues.string(body, "cid");
        Cid cid;
        if (cidText != null) {
            cid = parse(r, "com.atproto.repo.getRecord", "cid", () -> Cid.parse(cidText));
        } else if (DataModel.isDataModel(value)) {
            cid = DagCbor.cidOf(value); // the lexicon makes cid optional; compute it
        } else {
            throw malformed("com.atproto.repo.getRecord", "a cid", "none, and a value that is not in the data model");
        }
        AtUri atUri = uri == null ? AtUri.of(repo, collection, rkey)
                : parse(r, "com.atproto.repo.getRecord", "uri", () -> AtUri.parse(uri));
        if (atUri.rkey().isEmpty()) {
            throw malformed("com.atproto.repo.getRecord", "a record URI", r.redact(uri));
        }
        if (!atUri.equals(AtUri.of(repo, collection, rkey))) {
            throw malformed("com.atproto.repo.getRecord", "the record " + AtUri.of(repo, collection, rkey),
                    "another record: " + r.redact(atUri.toString()));
        }
        return Optional.of(new RepoRecord(atUri, cid, value));
    }

    @Override
    public RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(cursor, "cursor");
        int clamped = Math.max(1, Math.min(MAX_PAGE, limit));
        Target t = target(repo);
        List<Map.Entry<String, String>> params = new ArrayList<>();
        params.add(Map.entry("repo", repo.value()));
        params.add(Map.entry("collection", collection.value()));
        params.add(Map.entry("limit", Integer.toString(clamped)));
        cursor.ifPresent(c -> params.add(Map.entry("cursor", c)));
        if (reverse) {
            params.add(Map.entry("reverse", "true"));
        }
        XrpcResponse r = send(t, Safety.IDEMPOTENT, 0, false,
                auth -> t.xrpc().query(t.pds(), "com.atproto.repo.listRecords", params, auth));
        JsonNode records = r.body().get("records");
        if (records == null || !records.isArray()) {
            throw malformed("com.atproto.repo.listRecords", "a 'records' array", records == null ? "none"
                    : records.getNodeType().toString());
        }
        if (records.size() > clamped) {
            throw malformed("com.atproto.repo.listRecords", "at most the " + clamped + " records asked for",
                    records.size() + " records");
        }
        List<RepoRecord> out = new ArrayList<>(records.size());
        for (JsonNode rec : records.values()) {
            Optional<RepoRecord> one = listed(r, rec);
            if (one.isPresent() && !(one.get().uri().authority().equals(repo)
                    && one.get().uri().collection().equals(Optional.of(collection)))) {
                throw malformed("com.atproto.repo.listRecords", "records of " + repo + "/" + collection,
                        "a record of another repository or collection: " + r.redact(one.get().uri().toString()));
            }
            one.ifPresent(out::add);
        }
        String next = JsonValues.string(r.body(), "cursor");
        return new RecordPage(out, next == null || next.isEmpty() ? Optional.empty() : Optional.of(next));
    }

    private Optional<RepoRecord> listed(XrpcResponse r, JsonNode rec) {
        String uri = JsonValues.string(rec, "uri");
        String cid = JsonValues.string(rec, "cid");
        Optional<AtUri> atUri = AtUri.tryParse(uri);
        Optional<Cid> parsedCid = Cid.tryParse(cid);
        Object plain = JsonValues.toPlain(rec.get("value"));
        if (atUri.isEmpty() || atUri.get().rkey().isEmpty() || parsedCid.isEmpty() || !(plain instanceof Map<?, ?>)) {
            LOG.warn("listRecords: skipping a record that cannot be read: uri={}, cid={}, value is {}",
                    r.redact(uri), r.redact(cid), describe(plain));
            return Optional.empty();
        }
        return Optional.of(new RepoRecord(atUri.get(), parsedCid.get(), recordValue(plain)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> recordValue(Object plain) {
        try {
            return (Map<String, Object>) DataModel.fromJson(plain);
        } catch (IllegalArgumentException e) {
            LOG.debug("a record value is not in the ATProto data model ({}); keeping it as plain JSON", e.getMessage());
            return (Map<String, Object>) plain; // an unmodifiable copy made by JsonValues
        }
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
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(writes, "writes");
        if (writes.isEmpty()) {
            return List.of();
        }
        List<RepoWrite> all = List.copyOf(writes);
        List<WriteResult> results = new ArrayList<>(all.size());
        int chunks = (all.size() + maxWritesPerCall - 1) / maxWritesPerCall;
        for (int i = 0; i < chunks; i++) {
            List<RepoWrite> chunk = all.subList(i * maxWritesPerCall, Math.min(all.size(), (i + 1) * maxWritesPerCall));
            try {
                results.addAll(applyChunk(repo, chunk));
            } catch (PdsException e) {
                if (chunks == 1) {
                    throw e;
                }
                throw explain(e, " (applyWrites batch " + (i + 1) + " of " + chunks + "; the " + results.size()
                        + " writes of the earlier batches were applied)");
            }
        }
        return List.copyOf(results);
    }

    private List<WriteResult> applyChunk(Did repo, List<RepoWrite> chunk) {
        ObjectNode body = NODES.objectNode();
        body.put("repo", repo.value());
        ArrayNode array = body.putArray("writes");
        int points = 0;
        boolean onlyUpdates = true;
        for (RepoWrite w : chunk) {
            ObjectNode op = array.addObject();
            points += w.points();
            if (w instanceof RepoWrite.Create c) {
                onlyUpdates = false;
                op.put("$type", "com.atproto.repo.applyWrites#create");
                op.put("collection", c.collection().value());
                op.put("rkey", c.rkey().value());
                op.set("value", recordNode(c.collection(), c.value()));
            } else if (w instanceof RepoWrite.Update u) {
                op.put("$type", "com.atproto.repo.applyWrites#update");
                op.put("collection", u.collection().value());
                op.put("rkey", u.rkey().value());
                op.set("value", recordNode(u.collection(), u.value()));
            } else {
                onlyUpdates = false;
                op.put("$type", "com.atproto.repo.applyWrites#delete");
                op.put("collection", w.collection().value());
                op.put("rkey", w.rkey().value());
            }
        }
        Target t = target(repo);
        Safety safety = onlyUpdates ? Safety.IDEMPOTENT : Safety.NOT_IDEMPOTENT;
        XrpcResponse r;
        try {
            r = send(t, safety, points, true, auth -> t.xrpc().procedure(t.pds(), "com.atproto.repo.applyWrites", body,
                    auth, h -> budgets.update(repo, h)));
        } catch (PdsException e) {
            if (onlyUpdates) {
                throw e;
            }
            if (e.getClass() == PdsException.class && e.httpStatus() >= 500) {
                throw explain(e, "; the PDS also answers 500 when a create targets an existing record or a delete a"
                        + " missing one (the whole batch is then refused): re-read the records before retrying");
            }
            if (e instanceof PdsUnavailableException && !Xrpc.notSent(e)) {
                throw explain(e, "; the batch may or may not have been applied: re-read the records before"
                        + " retrying, since creates of existing records fail the whole batch");
            }
            throw e;
        }
        return chunkResults(repo, chunk, r);
    }

    private List<WriteResult> chunkResults(Did repo, List<RepoWrite> chunk, XrpcResponse r) {
        JsonNode results = r.body().get("results");
        List<WriteResult> out = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            RepoWrite w = chunk.get(i);
            AtUri uri = AtUri.of(repo, w.collection(), w.rkey());
            Optional<Cid> cid = Optional.empty();
            if (results != null && results.isArray() && results.size() == chunk.size()) {
                JsonNode res = results.get(i);
                String u = JsonValues.string(res, "uri");
                String c = JsonValues.string(res, "cid");
                if (u != null) {
                    uri = parse(r, "com.atproto.repo.applyWrites", "uri", () -> AtUri.parse(u));
                }
                if (c != null) {
                    cid = Optional.of(parse(r, "com.atproto.repo.applyWrites", "cid", () -> Cid.parse(c)));
                }
            }
            if (cid.isEmpty() && !(w instanceof RepoWrite.Delete)) {
                // an older PDS without results: the CID is the hash of the value we sent
                Map<String, Object> value = w instanceof RepoWrite.Create c ? c.value() : ((RepoWrite.Update) w).value();
                cid = Optional.of(DagCbor.cidOf(value));
            }
            out.add(new WriteResult(uri, cid, true));
        }
        return out;
    }

    @Override
    public Optional<Instant> unavailableUntil(Did repo) {
        try {
            return resilience.openUntil(target(repo).hostKey());
        } catch (PdsException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<WriteBudget> writeBudget(Did repo) {
        Objects.requireNonNull(repo, "repo");
        return budgets.get(repo);
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * Sends a call with the account's session (when it has credentials), renewing a rejected token once, inside
     * the retry and circuit breaker policies.
     */
    private XrpcResponse send(Target t, Safety safety, int points, boolean needsAuth,
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

    private Target target(Did did) {
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
        } else if (identityResolver != null) {
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
        URI uri = identityResolver.resolvePds(did).orElseThrow(() -> new PdsException(0, null, "the DID document of "
                + did + " names no #atproto_pds endpoint", false, null, null));
        HttpUrl url = HttpUrl.get(uri.toString());
        resolved.put(did, new CachedEndpoint(url, now.plus(ENDPOINT_CACHE)));
        return url;
    }

    private static ObjectNode recordWriteBody(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        ObjectNode body = NODES.objectNode();
        body.put("repo", repo.value());
        body.put("collection", collection.value());
        body.put("rkey", rkey.value());
        body.set("record", recordNode(collection, value));
        return body;
    }

    private static JsonNode recordNode(Nsid collection, Map<String, Object> value) {
        Objects.requireNonNull(value, "value");
        Object type = value.get("$type");
        if (!collection.value().equals(type)) {
            throw new IllegalArgumentException("a record's $type must equal its collection " + collection
                    + ", found " + (type == null ? "none" : "'" + type + "'"));
        }
        return JsonValues.toNode(DataModel.toJson(value));
    }

    private Optional<WriteResult> ifCurrentIs(Did repo, Nsid collection, RecordKey rkey, Map<String, Object> value) {
        Cid wanted;
        try {
            wanted = DagCbor.cidOf(DataModel.copyRecord(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return getRecord(repo, collection, rkey)
                .filter(rec -> rec.cid().equals(wanted))
                .map(rec -> new WriteResult(rec.uri(), Optional.of(rec.cid()), true));
    }

    private static WriteResult writeResult(String nsid, XrpcResponse r, boolean changed) {
        JsonNode body = r.body();
        String uri = JsonValues.string(body, "uri");
        String cid = JsonValues.string(body, "cid");
        if (uri == null || cid == null) {
            throw malformed(nsid, "'uri' and 'cid'", r.redact("uri=" + uri + ", cid=" + cid));
        }
        return new WriteResult(parse(r, nsid, "uri", () -> AtUri.parse(uri)),
                Optional.of(parse(r, nsid, "cid", () -> Cid.parse(cid))), changed);
    }

    private static <T> T parse(XrpcResponse r, String nsid, String field, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw malformed(nsid, "a valid '" + field + "'", r.redact(String.valueOf(e.getMessage())));
        }
    }

    private static PdsException malformed(String nsid, String expected, String found) {
        return new PdsException(200, null, nsid + ": expected " + expected + " in the answer, found " + found, false,
                null, null);
    }

    private static String describe(Object plain) {
        return plain == null ? "missing" : plain instanceof Map<?, ?> ? "an object" : "a " + plain.getClass().getSimpleName();
    }

    private static PdsException explain(PdsException e, String more) {
        String message = e.getMessage() + more;
        if (e.getClass() == PdsException.class) {
            return new PdsException(e.httpStatus(), e.errorName().orElse(null), message, e.isRetryable(),
                    e.retryAt().orElse(null), e);
        }
        if (e.getClass() == PdsUnavailableException.class) {
            return new PdsUnavailableException(message, e.retryAt().orElse(null), e);
        }
        return e;
    }

    @Override
    public String toString() {
        return "PdsAtprotoRepo[defaultPds=" + defaultPds + ", identityResolver=" + (identityResolver != null)
                + ", " + sessions + "]";
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
        private OkHttpClient httpClient;
        private ObjectMapper objectMapper;
        private Clock clock = Clock.systemUTC();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private Duration callTimeout = Duration.ofSeconds(60);
        private int maxRetries = 3;
        private Duration initialBackoff = Duration.ofMillis(250);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private double jitter = 0.25;
        private Duration maxRateLimitWait = Duration.ofSeconds(60);
        private Duration maxBudgetWait = Duration.ofSeconds(60);
        private int circuitFailureThreshold = 5;
        private Duration circuitOpenDuration = Duration.ofSeconds(30);
        private Duration loginFailureCooldown = Duration.ofMinutes(5);
        private long maxResponseBytes = 16L * 1024 * 1024;
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
            this.defaultPds = IdentityResolver.Builder.url(url, "defaultPds");
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
            this.httpClient = Objects.requireNonNull(client, "client");
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
            this.objectMapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /**
         * Sets the clock (rate-limit resets, caches). Default: {@link Clock#systemUTC()}.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the TCP connect timeout. Default: 10 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the read timeout (longest silence while reading an answer). Default: 30 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the write timeout (longest stall while sending a request). Default: 30 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the timeout of one whole HTTP call (one attempt). Default: 60 s.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Objects.requireNonNull(timeout, "timeout");
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
            this.maxResponseBytes = bytes;
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
            positive("connectTimeout", connectTimeout);
            positive("readTimeout", readTimeout);
            positive("writeTimeout", writeTimeout);
            positive("callTimeout", callTimeout);
            positive("backoff initial", initialBackoff);
            positive("circuitBreaker openDuration", circuitOpenDuration);
            notNegative("maxRateLimitWait", maxRateLimitWait);
            notNegative("maxBudgetWait", maxBudgetWait);
            notNegative("loginFailureCooldown", loginFailureCooldown);
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
            if (maxResponseBytes < 1024) {
                throw new IllegalArgumentException("maxResponseBytes must be >= 1024, found " + maxResponseBytes);
            }
            if (maxWritesPerCall < 1 || maxWritesPerCall > MAX_WRITES) {
                throw new IllegalArgumentException("maxWritesPerCall must be in 1.." + MAX_WRITES + ", found "
                        + maxWritesPerCall);
            }
            if (maxListPages < 1) {
                throw new IllegalArgumentException("maxListPages must be >= 1, found " + maxListPages);
            }
            if (httpClient == null) {
                httpClient = new OkHttpClient();
            }
            if (objectMapper == null) {
                objectMapper = JsonMapper.builder().build();
            }
            return new PdsAtprotoRepo(this);
        }

        static void positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, found " + d);
            }
        }

        static void notNegative(String name, Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, found " + d);
            }
        }
    }
}
