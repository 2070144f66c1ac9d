package computer.aesthetic.moodsync.pds.internal;

import static computer.aesthetic.moodsync.spi.AtprotoRepo.MAX_PAGE;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.data.DataModel;
import computer.aesthetic.moodsync.pds.internal.RepoTransport.Target;
import computer.aesthetic.moodsync.pds.internal.Resilience.Safety;
import computer.aesthetic.moodsync.spi.CreateResult;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.AtUri;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code com.atproto.repo.*} record operations of {@code PdsAtprotoRepo}: builds each XRPC call's body or
 * parameters, sends it through the {@link RepoTransport} with the safety and write points it has, reads the answer
 * (a malformed one is a {@link PdsException} with status 200), and maps the errors the record methods give meaning
 * to ({@code RecordNotFound}, {@code InvalidSwap} after a retried write, the 500 of a batch with creates or deletes).
 * Thread-safe.
 */
public final class RecordCalls {
    private static final Logger LOG = LoggerFactory.getLogger(RecordCalls.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final RepoTransport transport;
    private final int maxWritesPerCall;

    /**
     * Creates the record operations.
     *
     * @param transport where and how calls go
     * @param maxWritesPerCall the most writes in one {@code applyWrites} call, 1..200
     */
    public RecordCalls(RepoTransport transport, int maxWritesPerCall) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.maxWritesPerCall = maxWritesPerCall;
    }

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
        Target t = transport.target(repo);
        AtomicInteger attempts = new AtomicInteger();
        XrpcResponse r;
        try {
            r = transport.send(t, Safety.IDEMPOTENT, 2, true, auth -> {
                attempts.incrementAndGet();
                return t.xrpc().procedure(t.pds(), "com.atproto.repo.putRecord", body, auth, h -> transport.budgets().update(repo, h));
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
     * Creates a record unless one exists: sends {@code putRecord} with {@code swapRecord: null} (never
     * {@code createRecord}, which answers 500 for an existing key). The PDS compares content before the swap, so an existing record with identical content comes
     * back as a no-op: that is reported as not created, with the record. On {@code InvalidSwap} the existing record
     * is read and returned.
     */
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
        Target t = transport.target(repo);
        transport.send(t, Safety.IDEMPOTENT, 1, true, auth -> t.xrpc().procedure(t.pds(), "com.atproto.repo.deleteRecord", body,
                auth, h -> transport.budgets().update(repo, h)));
    }

    public Optional<RepoRecord> getRecord(Did repo, Nsid collection, RecordKey rkey) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(rkey, "rkey");
        Target t = transport.target(repo);
        List<Map.Entry<String, String>> params = List.of(Map.entry("repo", repo.value()),
                Map.entry("collection", collection.value()), Map.entry("rkey", rkey.value()));
        XrpcResponse r;
        try {
            r = transport.send(t, Safety.IDEMPOTENT, 0, false,
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

    public RecordPage listRecords(Did repo, Nsid collection, int limit, Optional<String> cursor, boolean reverse) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(cursor, "cursor");
        int clamped = Math.max(1, Math.min(MAX_PAGE, limit));
        Target t = transport.target(repo);
        List<Map.Entry<String, String>> params = new ArrayList<>();
        params.add(Map.entry("repo", repo.value()));
        params.add(Map.entry("collection", collection.value()));
        params.add(Map.entry("limit", Integer.toString(clamped)));
        cursor.ifPresent(c -> params.add(Map.entry("cursor", c)));
        if (reverse) {
            params.add(Map.entry("reverse", "true"));
        }
        XrpcResponse r = transport.send(t, Safety.IDEMPOTENT, 0, false,
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
        Target t = transport.target(repo);
        Safety safety = onlyUpdates ? Safety.IDEMPOTENT : Safety.NOT_IDEMPOTENT;
        XrpcResponse r;
        try {
            r = transport.send(t, safety, points, true, auth -> t.xrpc().procedure(t.pds(), "com.atproto.repo.applyWrites", body,
                    auth, h -> transport.budgets().update(repo, h)));
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
}
