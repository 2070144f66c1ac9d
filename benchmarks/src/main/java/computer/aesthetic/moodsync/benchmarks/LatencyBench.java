package computer.aesthetic.moodsync.benchmarks;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Updates;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.examples.TcpOutage;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.internal.MoodDocuments;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.syntax.Did;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * 3. post() latency, p50 and p99, on the embedded MongoDB and the real PDS: QUEUED versus a plain insertOne;
 * INLINE versus a raw insert + putRecord + update (plain OkHttp with a cached session token, the driver's
 * insertOne/updateOne); INLINE while the PDS is down (a TCP forwarder cut) and the circuit open versus a plain
 * insertOne. The compared kinds are interleaved call by call in every run; the services' workers are off so that no
 * background work competes with the measured calls (queued moods simply stay pending).
 */
final class LatencyBench {
    private static final MediaType JSON = MediaType.get("application/json");
    private final Env env;
    private final Bench.Settings s;

    LatencyBench(Env env, Bench.Settings s) {
        this.env = env;
        this.s = s;
    }

    List<Figure> run() throws Exception {
        MongoDatabase db = env.freshDatabase("latency");
        Env.Acct acct = env.accounts(1).get(0);
        UserId user = UserId.parse("auth0|latency");
        Env.writeUsers(db, List.of(user.value()), List.of(acct));
        MongoCollection<Document> moods = db.getCollection("moods");
        AccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        MoodStore store = MongoMoodStore.builder(db).build();
        // the collection the store reads each post's fence from (empty here, as for almost every user)
        MongoCollection<Document> userStates = db.getCollection(MongoMoodStore.DEFAULT_USER_STATES);
        String pdsUrl = env.pds().url();
        URI u = URI.create(pdsUrl);
        Timing inlineTiming = new Timing("");
        AtprotoRepo repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(pdsUrl).build();
        OkHttpClient http = new OkHttpClient();
        String token = env.raw().createSession(acct.did(), acct.password()).accessJwt();

        Map<String, Figure> f = new LinkedHashMap<>();
        for (String k : List.of("plain insertOne", "raw insertOne + fence read", "post QUEUED",
                "raw insert+putRecord+update", "raw insert+putRecord+update by {_id,token}", "post INLINE",
                "post INLINE, PDS down, circuit open", "raw putRecord (OkHttp)", "PdsAtprotoRepo.createIfAbsent")) {
            f.put(k + " p50", new Figure("latency", k + " p50", "ms", false));
            f.put(k + " p99", new Figure("latency", k + " p99", "ms", false));
        }
        try (TcpOutage outage = TcpOutage.forward(u.getHost(), u.getPort());
                MoodSyncService queued = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                        .mode(SyncMode.QUEUED).startWorker(false).build();
                MoodSyncService inline = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                        .mode(SyncMode.INLINE).startWorker(false).build();
                MoodSyncService timedInline = MoodSyncService.builder()
                        .store(inlineTiming.wrap(MoodStore.class, store))
                        .repo(inlineTiming.wrap(AtprotoRepo.class, PdsAtprotoRepo.builder()
                                .accounts(inlineTiming.wrap(AccountDirectory.class, accounts)).defaultPds(pdsUrl)
                                .build()))
                        .accounts(inlineTiming.wrap(AccountDirectory.class, accounts))
                        .mode(SyncMode.INLINE).startWorker(false).build()) {
            // no retries, so that five refused connections open the circuit at once (retries do not matter once it
            // is open: calls then fail fast without being sent)
            AtprotoRepo cut = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(outage.url())
                    .maxRetries(0).circuitBreaker(5, Duration.ofMinutes(30)).build();
            try (MoodSyncService down = MoodSyncService.builder().store(store).repo(cut).accounts(accounts)
                    .mode(SyncMode.INLINE).startWorker(false).build()) {
                // log in through the forwarder while it is up, then cut it and open the circuit
                expect(down.post(user, "before the outage"), null);
                outage.down();
                int tries = 0;
                long t0 = System.nanoTime();
                while (true) {
                    SyncResult r = down.post(user, "tripping the breaker " + tries);
                    tries++;
                    long took = System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    if (r.reason().orElse(null) == PendingReason.PDS_UNAVAILABLE && took < 20_000_000 && tries > 5) {
                        break;
                    }
                    if (tries > 50) {
                        throw new IllegalStateException("the circuit did not open: " + r);
                    }
                }
                Bench.log("latency: PDS cut off, circuit open after %d posts", tries);

                int counter = 0;
                for (int run = 0; run <= s.latencyRuns; run++) { // run 0 warms up
                    int ops = s.latencyOps;
                    int inlineOps = s.inlineOps;
                    // interleaved op by op, so that the compared kinds share the machine's conditions
                    List<Double> plain = new ArrayList<>(ops);
                    List<Double> fenced = new ArrayList<>(ops);
                    List<Double> q = new ArrayList<>(ops);
                    List<Double> dn = new ArrayList<>(ops);
                    for (int i = 0; i < ops; i++) {
                        plain.add(time(() -> moods.insertOne(new Moods.M(MoodId.generate(), user, "plain insert",
                                Instant.now()).originDoc())));
                        // the least a post fenced against a racing erasure can do: the insert, then one read
                        fenced.add(time(() -> {
                            moods.insertOne(new Moods.M(MoodId.generate(), user, "fenced insert", Instant.now())
                                    .originDoc());
                            userStates.find(com.mongodb.client.model.Filters.eq("_id", user.value())).first();
                        }));
                        q.add(time(() -> expect(queued.post(user, "queued post"), PendingReason.QUEUED)));
                        dn.add(time(() -> expect(down.post(user, "post while down"),
                                PendingReason.PDS_UNAVAILABLE)));
                    }
                    List<Double> rawInline = new ArrayList<>(inlineOps);
                    List<Double> rawTokened = new ArrayList<>(inlineOps);
                    List<Double> in = new ArrayList<>(inlineOps);
                    interleaveInline(inlineOps, rawInline, rawTokened, in, moods, http, pdsUrl, token, acct.did(),
                            user, inline);
                    // the PDS write alone, raw and through the library's client: what of INLINE's extra time is the
                    // client's, and what the service's
                    List<Double> rawPut = new ArrayList<>(inlineOps);
                    List<Double> libPut = new ArrayList<>(inlineOps);
                    Did did = Did.parse(acct.did());
                    for (int i = 0; i < inlineOps; i++) {
                        MoodId a = MoodId.generate();
                        MoodId b = MoodId.generate();
                        Runnable raw = () -> rawPut(http, pdsUrl, token, acct.did(), a, "raw put", Instant.now());
                        Runnable lib = () -> repo.createIfAbsent(did, MoodRecords.COLLECTION, MoodRecords.rkeyFor(b),
                                MoodRecords.toRecord(b, "client put", Instant.now()));
                        if (i % 2 == 0) {
                            rawPut.add(time(raw));
                            libPut.add(time(lib));
                        } else {
                            libPut.add(time(lib));
                            rawPut.add(time(raw));
                        }
                    }
                    if (run > 0) {
                        add(f, "plain insertOne", plain);
                        add(f, "raw insertOne + fence read", fenced);
                        add(f, "post QUEUED", q);
                        add(f, "raw insert+putRecord+update", rawInline);
                        add(f, "raw insert+putRecord+update by {_id,token}", rawTokened);
                        add(f, "post INLINE", in);
                        add(f, "post INLINE, PDS down, circuit open", dn);
                        add(f, "raw putRecord (OkHttp)", rawPut);
                        add(f, "PdsAtprotoRepo.createIfAbsent", libPut);
                    }
                    counter += ops;
                }
                // where the time of an INLINE post goes (a separate, instrumented service: not in the figures)
                inlineTiming.reset();
                int n = s.inlineOps;
                for (int i = 0; i < n; i++) {
                    expect(timedInline.post(user, "instrumented inline post"), null);
                }
                Map<String, String> breakdown = new LinkedHashMap<>();
                inlineTiming.summary().forEach((k, v) -> breakdown.put(k, v + " for " + n + " posts"));
                f.get("post INLINE p50").detail("calls made by " + n + " INLINE posts (instrumented run)", breakdown);
                Bench.log("latency: %d operations per kind per run", counter / Math.max(1, s.latencyRuns + 1));
            }
        }
        f.get("plain insertOne p50").detail("ops per run", s.latencyOps);
        f.get("post INLINE p50").detail("ops per run", s.inlineOps);
        return new ArrayList<>(f.values());
    }

    /** The three dual writes, their order rotated call by call so that none always runs first. */
    private static void interleaveInline(int ops, List<Double> rawInline, List<Double> rawTokened, List<Double> in,
            MongoCollection<Document> moods, OkHttpClient http, String pdsUrl, String token, String did, UserId user,
            MoodSyncService inline) {
        for (int i = 0; i < ops; i++) {
            for (int k = 0; k < 3; k++) {
                switch ((i + k) % 3) {
                    case 0 -> rawInline.add(time(() -> rawInline(moods, http, pdsUrl, token, did, user, false)));
                    case 1 -> rawTokened.add(time(() -> rawInline(moods, http, pdsUrl, token, did, user, true)));
                    default -> in.add(time(() -> expect(inline.post(user, "inline post"), null)));
                }
            }
        }
    }

    /**
     * The same figures (plain insertOne, post QUEUED, the two raw dual writes, post INLINE) with the moods collection
     * holding {@code prefill} other users' moods first, to show which costs grow with the collection: the embedded
     * server answers a filter other than {@code _id} alone with a scan. The measured calls' own moods are removed
     * after every run, so the collection stays at about {@code prefill} documents.
     */
    List<Figure> sized(int prefill, String group) throws Exception {
        MongoDatabase db = env.freshDatabase("latsize");
        Env.Acct acct = env.accounts(1).get(0);
        UserId user = UserId.parse("auth0|latency-sized");
        Env.writeUsers(db, List.of(user.value()), List.of(acct));
        MongoCollection<Document> moods = db.getCollection("moods");
        AccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        MoodStore store = MongoMoodStore.builder(db).build();
        List<UserId> others = Moods.users("other", 100);
        List<Document> docs = new ArrayList<>(10_000);
        for (Moods.M m : Moods.make(others, prefill / others.size(), 45)) {
            docs.add(m.originDoc());
            if (docs.size() == 10_000) {
                moods.insertMany(docs);
                docs.clear();
            }
        }
        if (!docs.isEmpty()) {
            moods.insertMany(docs);
        }
        long before = moods.countDocuments();
        Bench.log("latency: %s: %d moods in the collection", group, before);
        String pdsUrl = env.pds().url();
        AtprotoRepo repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(pdsUrl).build();
        OkHttpClient http = new OkHttpClient();
        String token = env.raw().createSession(acct.did(), acct.password()).accessJwt();
        String tag = prefill >= 1000 ? (prefill / 1000) + "k" : String.valueOf(prefill);
        Map<String, Figure> f = new LinkedHashMap<>();
        for (String k : List.of("plain insertOne", "post QUEUED", "raw insert+putRecord+update",
                "raw insert+putRecord+update by {_id,token}", "post INLINE")) {
            f.put(k + " p50", new Figure(group, k + " p50 @" + tag, "ms", false));
            f.put(k + " p99", new Figure(group, k + " p99 @" + tag, "ms", false));
        }
        int ops = Math.max(20, s.latencyOps * 2 / 3);
        int inlineOps = Math.max(20, s.inlineOps * 2 / 3);
        try (MoodSyncService queued = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                        .mode(SyncMode.QUEUED).startWorker(false).build();
                MoodSyncService inline = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                        .mode(SyncMode.INLINE).startWorker(false).build()) {
            for (int run = 0; run <= s.latencyRuns; run++) { // run 0 warms up
                List<Double> plain = new ArrayList<>(ops);
                List<Double> q = new ArrayList<>(ops);
                for (int i = 0; i < ops; i++) {
                    plain.add(time(() -> moods.insertOne(new Moods.M(MoodId.generate(), user, "plain insert",
                            Instant.now()).originDoc())));
                    q.add(time(() -> expect(queued.post(user, "queued post"), PendingReason.QUEUED)));
                }
                List<Double> rawInline = new ArrayList<>(inlineOps);
                List<Double> rawTokened = new ArrayList<>(inlineOps);
                List<Double> in = new ArrayList<>(inlineOps);
                interleaveInline(inlineOps, rawInline, rawTokened, in, moods, http, pdsUrl, token, acct.did(), user,
                        inline);
                if (run > 0) {
                    add(f, "plain insertOne", plain);
                    add(f, "post QUEUED", q);
                    add(f, "raw insert+putRecord+update", rawInline);
                    add(f, "raw insert+putRecord+update by {_id,token}", rawTokened);
                    add(f, "post INLINE", in);
                }
                moods.deleteMany(eq("user", user.value()));
            }
        }
        f.get("plain insertOne p50").detail("moods in the collection", before)
                .detail("ops per run", ops + " (dual writes: " + inlineOps + ")");
        return new ArrayList<>(f.values());
    }

    private static void add(Map<String, Figure> f, String kind, List<Double> samples) {
        f.get(kind + " p50").add(Stats.percentile(samples, 50));
        f.get(kind + " p99").add(Stats.percentile(samples, 99));
    }

    private static SyncResult expect(SyncResult r, PendingReason reason) {
        boolean ok = reason == null ? r.isSynced() : r.reason().orElse(null) == reason;
        if (!ok) {
            throw new IllegalStateException("unexpected post result " + r + " (wanted "
                    + (reason == null ? "SYNCED" : reason) + ")");
        }
        return r;
    }

    private static double time(Runnable op) {
        long t0 = System.nanoTime();
        op.run();
        return Stats.millis(System.nanoTime() - t0);
    }

    /** A putRecord of a fresh record at {@code rkeyFor(id)} with plain OkHttp and a cached token. */
    private static void rawPut(OkHttpClient http, String pdsUrl, String token, String did, MoodId id, String text,
            Instant when) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repo", did);
        body.put("collection", MoodRecords.COLLECTION.value());
        body.put("rkey", MoodRecords.rkeyFor(id).value());
        body.put("record", MoodRecords.toRecord(id, text, when));
        body.put("swapRecord", null);
        Request req = new Request.Builder().url(pdsUrl + "/xrpc/com.atproto.repo.putRecord")
                .header("Authorization", "Bearer " + token)
                .post(RequestBody.create(RawXrpc.bytes(body), JSON)).build();
        try (Response res = http.newCall(req).execute()) {
            if (res.code() != 200) {
                throw new IllegalStateException("putRecord: HTTP " + res.code() + " " + res.body().string());
            }
            res.body().bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a hand-written dual write does: insert, putRecord (plain OkHttp, cached token), link. With
     * {@code tokened}, the mood is inserted with the library's pending marker (the same document the service writes)
     * and linked with the service's conditional update: filter {@code {_id, atprotoSync.token}}, set the key and
     * unset the marker, as {@code MongoMoodStore.completeSync} does; so the difference between this and post INLINE
     * is the library's own cost, and the difference between the two raw writes the embedded server's.
     */
    private static void rawInline(MongoCollection<Document> moods, OkHttpClient http, String pdsUrl, String token,
            String did, UserId user, boolean tokened) {
        Moods.M m = new Moods.M(MoodId.generate(), user, "raw inline post", Instant.now());
        Mood posted = Mood.posted(m.id(), user, m.text(), m.when());
        moods.insertOne(tokened ? MoodDocuments.toDocument(posted) : m.originDoc());
        String rkey = MoodRecords.rkeyFor(m.id()).value();
        rawPut(http, pdsUrl, token, did, m.id(), m.text(), m.when());
        if (tokened) {
            long t = posted.pending().orElseThrow().token();
            if (moods.updateOne(and(eq(MoodDocuments.ID, new ObjectId(m.id().value())), eq(MoodDocuments.SYNC_TOKEN, t)),
                    Updates.combine(Updates.set(MoodDocuments.RKEY, rkey), Updates.unset(MoodDocuments.SYNC)))
                    .getMatchedCount() != 1) {
                throw new IllegalStateException("the conditional update matched nothing");
            }
        } else {
            moods.updateOne(eq("_id", new ObjectId(m.id().value())), Updates.set("atproto.rkey", rkey));
        }
    }
}
