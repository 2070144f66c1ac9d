package computer.aesthetic.moodsync.benchmarks;

import static com.mongodb.client.model.Filters.eq;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.PendingReason;
import computer.aesthetic.moodsync.SyncListener;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.SyncOp;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * 4. Sustained load (issue 15): steady QUEUED posts from many users (1,000; 50 with {@code --quick}) at a fixed
 * offered rate, above what one writer can push to the PDS, for a fixed window; measured: the moods per second
 * written to the PDS during the window (the worker's {@link SyncListener#synced} events) and the backlog (posted,
 * not yet written) sampled every second. Variants: the worker with 1 thread, with 2 threads, and 2 service instances
 * of 1 thread each on the same store (posts alternate between them); against a raw client doing the same work with 1
 * and 2 threads: the same posts inserted into MongoDB by the same load generator, then per user the queued moods
 * taken together, one {@code putRecord} for one mood or one {@code applyWrites} for several (plain OkHttp, the token
 * from the account's creation), and the links written in one unordered bulk write.
 *
 * <p>The accounts are created once for the group; the service variants share one {@link PdsAtprotoRepo}, logged in
 * to every account before the first window (1,000 {@code createSession}s are minutes of the PDS's password hashing,
 * a one-time cost that would otherwise swamp every window). So the two instances share the session cache; they share
 * nothing else (each has its own worker, instance id, leases and per-repository locks). Every window starts with an
 * empty moods collection of its own. Settings: system properties {@code bench.sustained.users}, {@code .rate}
 * (posts/s), {@code .seconds}.
 */
final class SustainedBench {
    private static final okhttp3.MediaType JSON = okhttp3.MediaType.get("application/json");
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Env env;
    private final Bench.Settings s;
    private final int nUsers;
    private final double rate;
    private final int seconds;
    private int collections;

    SustainedBench(Env env, Bench.Settings s) {
        this.env = env;
        this.s = s;
        this.nUsers = Integer.getInteger("bench.sustained.users", s.quick ? 50 : 1000);
        this.rate = Double.parseDouble(System.getProperty("bench.sustained.rate", s.quick ? "60" : "150"));
        this.seconds = Integer.getInteger("bench.sustained.seconds", s.quick ? 10 : 30);
    }

    /** One measured window's outcome. */
    record Window(double written, double offered, long backlogAtEnd, String backlog, Map<String, String> calls) {
    }

    List<Figure> run() throws Exception {
        long a0 = System.nanoTime();
        List<Env.Acct> accts = env.accounts(nUsers);
        Bench.log("sustained: %d accounts created in %.0f s", nUsers, Stats.seconds(System.nanoTime() - a0));
        MongoDatabase db = env.freshDatabase("sustained");
        List<UserId> users = Moods.users("sus", nUsers);
        Env.writeUsers(db, users.stream().map(UserId::value).toList(), accts);
        AccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        AtprotoRepo repo = PdsAtprotoRepo.builder().accounts(accounts).defaultPds(env.pds().url()).build();
        long l0 = System.nanoTime();
        logInAll(repo, accts);
        Bench.log("sustained: the service's PDS client logged in to %d accounts in %.0f s", nUsers,
                Stats.seconds(System.nanoTime() - l0));
        RawSync raw = new RawSync(env.pds().url());

        String[] names = {"raw client, 1 thread", "worker, 1 thread", "raw client, 2 threads", "worker, 2 threads",
            "2 instances x 1 worker thread"};
        Map<String, Figure> written = new LinkedHashMap<>();
        Map<String, Figure> backlog = new LinkedHashMap<>();
        Figure offered = new Figure("sustained", "offered: QUEUED posts/s (" + nUsers + " users)", "posts/s", true);
        for (String n : names) {
            written.put(n, new Figure("sustained", n + ": written to the PDS", "moods/s", true));
            backlog.put(n, new Figure("sustained", n + ": backlog at end", "moods", false));
        }
        try {
            if (!s.quick) {
                Bench.log("sustained: warm-up");
                windowWorker(db, accounts, repo, users, 1, 1, 5);
                windowRaw(db, raw, accts, users, 1, 5);
            }
            for (int run = 1; run <= s.runs; run++) {
                for (int k = 0; k < names.length; k++) {
                    String n = names[(k + run - 1) % names.length]; // rotate the order run by run
                    Window w = switch (n) {
                        case "raw client, 1 thread" -> windowRaw(db, raw, accts, users, 1, seconds);
                        case "raw client, 2 threads" -> windowRaw(db, raw, accts, users, 2, seconds);
                        case "worker, 1 thread" -> windowWorker(db, accounts, repo, users, 1, 1, seconds);
                        case "worker, 2 threads" -> windowWorker(db, accounts, repo, users, 1, 2, seconds);
                        default -> windowWorker(db, accounts, repo, users, 2, 1, seconds);
                    };
                    Bench.log("sustained: run %d: %s: %.1f moods/s written, %.1f posts/s offered, backlog %d at end",
                            run, n, w.written(), w.offered(), w.backlogAtEnd());
                    written.get(n).add(w.written());
                    backlog.get(n).add(w.backlogAtEnd());
                    offered.add(w.offered());
                    if (run == s.runs) {
                        written.get(n).detail("backlog every second (last run)", w.backlog());
                        written.get(n).detail("calls of the last run (time summed over the threads)", w.calls());
                    }
                }
            }
        } finally {
            raw.close();
        }
        offered.detail("users", nUsers).detail("target rate", rate).detail("window", seconds + " s")
                .detail("how", "one thread posts at the target rate, users picked at random; written = moods "
                        + "written to the PDS during the window / window; backlog = posted - written");
        List<Figure> out = new ArrayList<>();
        out.add(offered);
        out.addAll(written.values());
        out.addAll(backlog.values());
        return out;
    }

    /** Logs the repo in to every account (a read of each collection: reads use the session). */
    private static void logInAll(AtprotoRepo repo, List<Env.Acct> accts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (Env.Acct a : accts) {
                fs.add(pool.submit(() -> repo.listRecords(Did.parse(a.did()), MoodRecords.COLLECTION, 1,
                        Optional.empty(), false)));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private MongoCollection<Document> freshCollection(MongoDatabase db) {
        return db.getCollection("moods_" + (++collections));
    }

    /** The library: QUEUED posts through {@code instances} services of {@code threads} worker threads each. */
    private Window windowWorker(MongoDatabase db, AccountDirectory accounts, AtprotoRepo repo, List<UserId> users,
            int instances, int threads, int secs) {
        MongoCollection<Document> coll = freshCollection(db);
        Timing timing = new Timing("");
        MoodStore store = timing.wrap(MoodStore.class,
                MongoMoodStore.builder(db).collection(coll.getNamespace().getCollectionName()).build());
        AtprotoRepo timedRepo = timing.wrap(AtprotoRepo.class, repo);
        AtomicLong synced = new AtomicLong();
        SyncListener counting = new SyncListener() {
            @Override
            public void synced(Mood mood, SyncOp op, boolean inline, Duration elapsed) {
                synced.incrementAndGet();
            }
        };
        List<MoodSyncService> services = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                services.add(MoodSyncService.builder().store(store).repo(timedRepo).accounts(accounts)
                        .mode(SyncMode.QUEUED).workerThreads(threads).instanceId("bench-" + collections + "-" + i)
                        .listener(counting).build());
            }
            int[] next = {0};
            return drive(users, secs, synced::get, timing::summary, (u) -> {
                MoodSyncService svc = services.get(next[0]++ % services.size());
                SyncResult r = svc.post(u, "sustained post");
                if (r.reason().orElse(null) != PendingReason.QUEUED) {
                    throw new IllegalStateException("unexpected post result " + r);
                }
            });
        } finally {
            for (MoodSyncService svc : services) {
                svc.close();
            }
            coll.drop();
        }
    }

    /** The raw client: the same posts inserted by the load generator, written by {@code threads} raw threads. */
    private Window windowRaw(MongoDatabase db, RawSync raw, List<Env.Acct> accts, List<UserId> users, int threads,
            int secs) {
        MongoCollection<Document> coll = freshCollection(db);
        Map<UserId, Env.Acct> byUser = new LinkedHashMap<>();
        for (int i = 0; i < users.size(); i++) {
            byUser.put(users.get(i), accts.get(i));
        }
        RawSync.Run run = raw.start(coll, byUser, threads);
        try {
            return drive(users, secs, run.written::get, run::summary, u -> {
                Moods.M m = new Moods.M(MoodId.generate(), u, "sustained post", Instant.now());
                coll.insertOne(m.originDoc());
                run.offer(m);
            });
        } finally {
            run.stop();
            coll.drop();
        }
    }

    /**
     * Posts at the target rate for {@code secs}, users at random; samples the backlog every second; returns what was
     * written per second during the window.
     */
    private Window drive(List<UserId> users, int secs, java.util.function.LongSupplier written,
            java.util.function.Supplier<Map<String, String>> calls, Consumer<UserId> post) {
        Random rnd = new Random(46);
        long periodNanos = (long) (1e9 / rate);
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(secs);
        long writtenAtStart = written.getAsLong();
        long posted = 0;
        long nextSample = t0 + TimeUnit.SECONDS.toNanos(1);
        StringBuilder series = new StringBuilder();
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (now >= nextSample) {
                series.append(series.length() == 0 ? "" : " ").append(posted - (written.getAsLong() - writtenAtStart));
                nextSample += TimeUnit.SECONDS.toNanos(1);
            }
            long due = t0 + posted * periodNanos;
            if (now < due) {
                sleepNanos(Math.min(due - now, nextSample - now));
                continue;
            }
            post.accept(users.get(rnd.nextInt(users.size())));
            posted++;
        }
        long elapsed = System.nanoTime() - t0;
        long w = written.getAsLong() - writtenAtStart;
        return new Window(w / Stats.seconds(elapsed), posted / Stats.seconds(elapsed), posted - w, series.toString(),
                calls.get());
    }

    private static void sleepNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The raw client of the sustained figure: per user, the queued moods taken together; one putRecord for one, one
     * applyWrites for several (up to 200); the links in one unordered bulk write; plain OkHttp, cached tokens.
     */
    static final class RawSync {
        private final okhttp3.OkHttpClient http;
        private final String base;

        RawSync(String base) {
            this.base = base;
            this.http = new okhttp3.OkHttpClient.Builder().readTimeout(Duration.ofSeconds(120)).build();
        }

        final class Run {
            final AtomicLong written = new AtomicLong();
            private final Timing timing = new Timing("");
            private final LinkedHashMap<UserId, List<Moods.M>> queued = new LinkedHashMap<>();
            private final AtomicBoolean running = new AtomicBoolean(true);
            private final java.util.concurrent.atomic.AtomicReference<RuntimeException> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            private final List<Thread> threads = new ArrayList<>();
            private final MongoCollection<Document> coll;
            private final Map<UserId, Env.Acct> accts;

            Run(MongoCollection<Document> coll, Map<UserId, Env.Acct> accts) {
                this.coll = coll;
                this.accts = accts;
            }

            synchronized void offer(Moods.M m) {
                queued.computeIfAbsent(m.user(), k -> new ArrayList<>()).add(m);
                notifyAll();
            }

            private synchronized List<Moods.M> take() throws InterruptedException {
                while (queued.isEmpty() && running.get()) {
                    wait(100);
                }
                if (queued.isEmpty()) {
                    return List.of();
                }
                UserId first = queued.keySet().iterator().next();
                List<Moods.M> all = queued.get(first);
                if (all.size() <= 200) {
                    queued.remove(first);
                    return all;
                }
                List<Moods.M> some = new ArrayList<>(all.subList(0, 200));
                all.subList(0, 200).clear();
                return some;
            }

            private void loop() {
                try {
                    while (running.get()) {
                        List<Moods.M> batch = take();
                        if (!batch.isEmpty()) {
                            write(batch);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }

            private void write(List<Moods.M> batch) {
                Env.Acct a = accts.get(batch.get(0).user());
                byte[] body;
                String nsid;
                if (batch.size() == 1) {
                    Moods.M m = batch.get(0);
                    nsid = "com.atproto.repo.putRecord";
                    body = generate(g -> {
                        g.writeStringProperty("repo", a.did());
                        g.writeStringProperty("collection", MoodRecords.COLLECTION.toString());
                        g.writeStringProperty("rkey", MoodRecords.rkeyFor(m.id()).value());
                        g.writeName("record");
                        record(g, m);
                    });
                } else {
                    nsid = "com.atproto.repo.applyWrites";
                    body = RawMigration.applyWritesBody(a.did(), batch);
                }
                okhttp3.Request req = new okhttp3.Request.Builder().url(base + "/xrpc/" + nsid)
                        .header("Authorization", "Bearer " + a.accessJwt())
                        .post(okhttp3.RequestBody.create(body, JSON)).build();
                long t0 = System.nanoTime();
                try (okhttp3.Response res = http.newCall(req).execute()) {
                    byte[] answer = res.body().bytes();
                    if (res.code() != 200) {
                        throw new IllegalStateException(nsid + ": HTTP " + res.code() + " "
                                + new String(answer, java.nio.charset.StandardCharsets.UTF_8));
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                long t1 = System.nanoTime();
                timing.add(nsid.substring(nsid.lastIndexOf('.') + 1), t1 - t0);
                List<UpdateOneModel<Document>> links = new ArrayList<>(batch.size());
                for (Moods.M m : batch) {
                    Bson filter = eq("_id", new ObjectId(m.id().value()));
                    links.add(new UpdateOneModel<>(filter, Updates.set("atproto.rkey",
                            MoodRecords.rkeyFor(m.id()).value())));
                }
                coll.bulkWrite(links, new BulkWriteOptions().ordered(false));
                timing.add("mongo bulkWrite of the links", System.nanoTime() - t1);
                written.addAndGet(batch.size());
            }

            Map<String, String> summary() {
                return timing.summary();
            }

            void stop() {
                running.set(false);
                synchronized (this) {
                    notifyAll();
                }
                for (Thread t : threads) {
                    try {
                        t.join(TimeUnit.SECONDS.toMillis(30));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("the raw client failed", failure.get());
                }
            }
        }

        Run start(MongoCollection<Document> coll, Map<UserId, Env.Acct> accts, int threads) {
            Run run = new Run(coll, accts);
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(run::loop, "raw-sync-" + i);
                t.setDaemon(true);
                run.threads.add(t);
                t.start();
            }
            return run;
        }

        private static void record(JsonGenerator g, Moods.M m) {
            g.writeStartObject();
            g.writeStringProperty("$type", MoodRecords.COLLECTION.toString());
            g.writeStringProperty("mood", m.text());
            g.writeStringProperty("when", AtDatetime.of(m.when()).toString());
            g.writeStringProperty("ref", m.id().toString());
            g.writeEndObject();
        }

        private static byte[] generate(Consumer<JsonGenerator> fields) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            try (JsonGenerator g = MAPPER.createGenerator(out)) {
                g.writeStartObject();
                fields.accept(g);
                g.writeEndObject();
            }
            return out.toByteArray();
        }

        void close() {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
