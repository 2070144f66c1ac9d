package computer.aesthetic.moodsync.benchmarks;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Updates;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.reconcile.MigrationReport;
import computer.aesthetic.moodsync.reconcile.Migrator;
import computer.aesthetic.moodsync.reconcile.Reconciler;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.Repairer;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.bson.Document;

/**
 * 1. Migration throughput on the real PDS + embedded MongoDB: the library's {@link Migrator} (per user reconcile,
 * plan with {@link RepairPolicy#DEFAULT}, repair; 4 users at a time) versus an origin-style baseline (per mood: createSession,
 * createRecord, MongoDB update; sequential) versus the raw ceiling (a loop of applyWrites of 200 prepared creates, no
 * MongoDB). Every run uses fresh accounts and a fresh database.
 */
final class MigrateBench {
    static final int THREADS = 4;
    private final Env env;
    private final Bench.Settings s;

    MigrateBench(Env env, Bench.Settings s) {
        this.env = env;
        this.s = s;
    }

    List<Figure> run() {
        Figure migrate = new Figure("migrate", "migrate (Migrator: reconcile+plan+repair, 4 users at once)",
                "moods/s", true);
        Figure baseline = new Figure("migrate", "origin-style baseline (login+createRecord+update per mood)",
                "moods/s", true);
        Figure ceiling = new Figure("migrate", "raw ceiling (applyWrites x200 loop, no MongoDB)", "moods/s", true);
        Figure ceilingLogin = new Figure("migrate", "raw ceiling + 1 createSession per user (sequential)", "moods/s",
                true);
        Figure rawMigration = new Figure("migrate", "raw migration (OkHttp, 4 users at once, 1 login each)",
                "moods/s", true);
        Figure migrateCpu = new Figure("migrate", "migrate: CPU (PDS + JVM) per 1000 moods", "s", false);
        Figure rawCpu = new Figure("migrate", "raw migration: CPU (PDS + JVM) per 1000 moods", "s", false);
        int users = s.migrateUsers;
        if (!s.quick) {
            Bench.log("migrate: warm-up");
            migrateOnce(2, 20, null, null);
            rawMigrationOnce(2, 20, null);
            ceilingOnce(2, 20);
            baselineOnce(2, 2);
        }
        for (int run = 1; run <= s.runs; run++) {
            Bench.log("migrate: run %d/%d", run, s.runs);
            // migrate and the raw migration back to back, in alternating order, so that they share the machine's
            // conditions (the ratio of the two is the figure that matters)
            Timing timing = new Timing("");
            Map<String, String> phases = new LinkedHashMap<>();
            Map<String, String> rawPhases = new LinkedHashMap<>();
            double[][] cpu = new double[2][];
            if (run % 2 == 1) {
                migrate.add(migrateOnce(users, s.migrateMoods / users, timing, phases));
                cpu[0] = lastCpu;
                rawMigration.add(rawMigrationOnce(users, s.migrateMoods / users, rawPhases));
                cpu[1] = lastCpu;
            } else {
                rawMigration.add(rawMigrationOnce(users, s.migrateMoods / users, rawPhases));
                cpu[1] = lastCpu;
                migrate.add(migrateOnce(users, s.migrateMoods / users, timing, phases));
                cpu[0] = lastCpu;
            }
            double k = s.migrateMoods / 1000.0;
            migrateCpu.add((cpu[0][0] + cpu[0][1]) / k);
            rawCpu.add((cpu[1][0] + cpu[1][1]) / k);
            if (run == s.runs) {
                migrateCpu.detail("last run, per 1000 moods", String.format("PDS %.2f s, JVM (library, embedded "
                        + "MongoDB, harness) %.2f s", cpu[0][1] / k, cpu[0][0] / k));
                rawCpu.detail("last run, per 1000 moods", String.format("PDS %.2f s, JVM %.2f s", cpu[1][1] / k,
                        cpu[1][0] / k));
            }
            Bench.log("migrate: run %d: migrate %.1f, raw migration %.1f moods/s", run, migrate.last(),
                    rawMigration.last());
            if (run == s.runs) {
                migrate.detail("calls of the last run (time summed over the 4 threads)", timing.summary());
                migrate.detail("phases of the last run (call time summed over the threads)", phases);
                rawMigration.detail("phases of the last run (ms summed over the threads)", rawPhases);
            }
            double[] c = ceilingOnce(users, s.migrateMoods / users);
            ceiling.add(c[0]);
            ceilingLogin.add(c[1]);
            Map<String, String> parts = new LinkedHashMap<>();
            baseline.add(baselineOnce(users, Math.max(1, s.baselineMoods / users), parts));
            if (run == s.runs) {
                baseline.detail("time breakdown of the last run", parts);
            }
        }
        migrate.detail("moods", s.migrateMoods).detail("users", users).detail("threads", THREADS);
        rawMigration.detail("moods", s.migrateMoods).detail("users", users).detail("threads", THREADS)
                .detail("what", "same users, same concurrency, one createSession per user, applyWrites x200 "
                        + "(bodies streamed with Jackson), plain OkHttp, no MongoDB");
        ceiling.detail("moods", s.migrateMoods).detail("users", users).detail("writes per applyWrites", 200);
        baseline.detail("moods (sample)", (Math.max(1, s.baselineMoods / users)) * users).detail("users", users);
        ceilingLogin.detail("what", "the same run as the raw ceiling, its createSession calls (made before the loop) "
                + "counted too: migrate must log in once per user");
        migrateCpu.detail("how", "CPU time (user + system, /proc) of the PDS process and of this JVM during the "
                + "timed part of the run (the JVM's includes the embedded MongoDB and the harness's timing); it moves "
                + "much less with the machine's load than the throughput");
        return List.of(migrate, rawMigration, migrateCpu, rawCpu, baseline, ceiling, ceilingLogin);
    }

    /** Seeds a fresh database with the origin's documents for fresh accounts; returns the moods. */
    private List<Moods.M> seed(MongoDatabase db, List<Env.Acct> accts, List<UserId> users, int perUser) {
        Env.writeUsers(db, users.stream().map(UserId::value).toList(), accts);
        List<Moods.M> moods = Moods.make(users, perUser, 42);
        MongoCollection<Document> coll = db.getCollection("moods");
        List<Document> docs = new ArrayList<>();
        for (Moods.M m : moods) {
            docs.add(m.originDoc());
        }
        coll.insertMany(docs);
        return moods;
    }

    /** The CPU seconds of the timed part of the last migration run: {@code {jvm, children (the PDS)}}. */
    private double[] lastCpu;

    private static double[] cpuSince(double[] a) {
        double[] b = Cpu.now();
        return new double[] {b[0] - a[0], b[1] - a[1]};
    }

    private static String ms(double millis) {
        return String.format("%.0f ms", millis);
    }

    /** The raw migration (see {@link RawMigration}) of fresh accounts; returns moods per second. */
    double rawMigrationOnce(int nUsers, int perUser, Map<String, String> phases) {
        List<Env.Acct> accts = env.accounts(nUsers);
        List<UserId> users = Moods.users("rawmig", nUsers);
        List<Moods.M> moods = Moods.make(users, perUser, 44);
        List<List<Moods.M>> perUserMoods = new ArrayList<>();
        for (int u = 0; u < nUsers; u++) {
            perUserMoods.add(moods.subList(u * perUser, (u + 1) * perUser));
        }
        RawMigration raw = new RawMigration(env.pds().url());
        try {
            double[] c0 = Cpu.now();
            long elapsed = raw.migrate(accts, perUserMoods, THREADS);
            lastCpu = cpuSince(c0);
            if (phases != null) {
                phases.put("wall", String.format("%.0f ms (x%d threads = %.0f thread-ms)", Stats.millis(elapsed),
                        THREADS, Stats.millis(elapsed) * THREADS));
                phases.put("login (createSession)", String.format("%.0f", Stats.millis(raw.loginNanos.sum())));
                phases.put("encode applyWrites bodies", String.format("%.0f", Stats.millis(raw.encodeNanos.sum())));
                phases.put("applyWrites", String.format("%.0f", Stats.millis(raw.writeNanos.sum())));
            }
            return moods.size() / Stats.seconds(elapsed);
        } finally {
            raw.close();
        }
    }

    /** The library's migration; returns moods per second. */
    double migrateOnce(int nUsers, int perUser, Timing timing, Map<String, String> phases) {
        MongoDatabase db = env.freshDatabase("migrate");
        List<Env.Acct> accts = env.accounts(nUsers);
        List<UserId> users = Moods.users("mig" + db.getName(), nUsers);
        List<Moods.M> moods = seed(db, accts, users, perUser);
        AccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        MoodStore store = MongoMoodStore.builder(db).build();
        // The raw migration's timeouts (RawMigration: 120 s read, 180 s call): on a loaded machine the PDS stalls for
        // tens of seconds, and the defaults (made for interactive posts) then fail users and open the circuit where
        // the raw client waits; a migration is a batch job and may wait as long.
        PdsAtprotoRepo.Builder repoBuilder = PdsAtprotoRepo.builder().defaultPds(env.pds().url())
                .readTimeout(Duration.ofSeconds(120)).callTimeout(Duration.ofSeconds(180));
        if (timing != null) {
            // the HTTP calls by XRPC method (createSession separates the logins from the first listing)
            repoBuilder.httpClient(new OkHttpClient.Builder().addInterceptor(chain -> {
                long t0 = System.nanoTime();
                try {
                    return chain.proceed(chain.request());
                } finally {
                    List<String> path = chain.request().url().pathSegments();
                    timing.add("http " + path.get(path.size() - 1), System.nanoTime() - t0);
                }
            }).build());
            store = timing.wrap(MoodStore.class, store);
            accounts = timing.wrap(AccountDirectory.class, accounts);
        }
        AtprotoRepo repo = repoBuilder.accounts(accounts).build();
        if (timing != null) {
            repo = timing.wrap(AtprotoRepo.class, repo);
        }
        Repairer repairer = Repairer.builder()
                .reconciler(Reconciler.builder().store(store).repo(repo).accounts(accounts).build())
                .build();
        Migrator migrator = Migrator.builder().repairer(repairer).concurrency(THREADS).policy(RepairPolicy.DEFAULT)
                .build();
        long t0 = System.nanoTime();
        double[] c0 = Cpu.now();
        MigrationReport report = migrator.migrate(Optional.empty());
        long elapsed = System.nanoTime() - t0;
        lastCpu = cpuSince(c0);
        if (phases != null && timing != null) {
            // With read-ahead, 2 x THREADS threads work at once, so the phases are sums of call times over all
            // threads (they overlap in wall time); per user: divide by the users.
            phases.put("wall", String.format("%.0f ms", Stats.millis(elapsed)));
            phases.put("login (createSession)", ms(timing.millis("http com.atproto.server.createSession")));
            phases.put("PDS listing (listRecords)", ms(timing.millis("http com.atproto.repo.listRecords")));
            phases.put("store listing (listUsers, listByUser)", ms(timing.millis("listUsers(stream)")
                    + timing.millis("listByUser") + timing.millis("listByUser(stream)")));
            phases.put("account look-ups (findByUser, findByDid)", ms(timing.millis("findByUser")
                    + timing.millis("findByDid")));
            phases.put("store reads before writing (findAll)", ms(timing.millis("findAll")));
            phases.put("PDS writes (applyWrites over HTTP)", ms(timing.millis("http com.atproto.repo.applyWrites")));
            phases.put("library around applyWrites (encode, budget, decode)", ms(timing.millis("applyWrites")
                    - timing.millis("http com.atproto.repo.applyWrites")));
            phases.put("link writes (setLinks)", ms(timing.millis("setLinks")));
        }
        long written = report.users().stream().mapToLong(MigrationReport.UserResult::recordsWritten).sum();
        if (!report.isComplete() || written != moods.size()) {
            throw new IllegalStateException("migrate incomplete (" + written + " records written): "
                    + report.summary());
        }
        long linked = db.getCollection("moods").countDocuments(exists("atproto.rkey"));
        if (linked != moods.size()) {
            throw new IllegalStateException("migrate linked " + linked + " of " + moods.size() + " moods");
        }
        return moods.size() / Stats.seconds(elapsed);
    }

    /**
     * The raw ceiling: sessions and bodies prepared, then a loop of applyWrites; returns records per second, without
     * and with the time of the logins.
     */
    double[] ceilingOnce(int nUsers, int perUser) {
        List<Env.Acct> accts = env.accounts(nUsers);
        List<UserId> users = Moods.users("ceil", nUsers);
        List<Moods.M> moods = Moods.make(users, perUser, 43);
        RawXrpc raw = env.raw();
        List<String> tokens = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        long logins = 0;
        for (int u = 0; u < nUsers; u++) {
            long l0 = System.nanoTime();
            tokens.add(raw.createSession(accts.get(u).did(), accts.get(u).password()).accessJwt());
            logins += System.nanoTime() - l0;
            List<Moods.M> mine = moods.subList(u * perUser, (u + 1) * perUser);
            for (int from = 0; from < mine.size(); from += 200) {
                List<Map<String, Object>> writes = new ArrayList<>();
                for (Moods.M m : mine.subList(from, Math.min(mine.size(), from + 200))) {
                    Map<String, Object> w = new LinkedHashMap<>();
                    w.put("$type", "com.atproto.repo.applyWrites#create");
                    w.put("collection", MoodRecords.COLLECTION.value());
                    w.put("rkey", MoodRecords.rkeyFor(m.id()).value());
                    w.put("value", MoodRecords.toRecord(m.id(), m.text(), m.when()));
                    writes.add(w);
                }
                bodies.add(RawXrpc.bytes(Map.of("repo", accts.get(u).did(), "writes", writes)));
                owners.add(u);
            }
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < bodies.size(); i++) {
            raw.post("com.atproto.repo.applyWrites", tokens.get(owners.get(i)), bodies.get(i));
        }
        long elapsed = System.nanoTime() - t0;
        return new double[] {moods.size() / Stats.seconds(elapsed), moods.size() / Stats.seconds(elapsed + logins)};
    }

    double baselineOnce(int nUsers, int perUser) {
        return baselineOnce(nUsers, perUser, new LinkedHashMap<>());
    }

    /**
     * The origin's way, rebuilt with plain primitives: for each mood, in order, log in with the user's password,
     * createRecord (the PDS picks the key), then set the link in MongoDB. Returns moods per second.
     */
    double baselineOnce(int nUsers, int perUser, Map<String, String> parts) {
        MongoDatabase db = env.freshDatabase("baseline");
        List<Env.Acct> accts = env.accounts(nUsers);
        List<UserId> users = Moods.users("base", nUsers);
        List<Moods.M> moods = seed(db, accts, users, perUser);
        MongoCollection<Document> coll = db.getCollection("moods");
        RawXrpc raw = env.raw();
        long login = 0;
        long create = 0;
        long update = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < moods.size(); i++) {
            Moods.M m = moods.get(i);
            Env.Acct a = accts.get(i / perUser);
            long x = System.nanoTime();
            RawXrpc.Login session = raw.createSession(a.handle(), a.password());
            long y = System.nanoTime();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("repo", session.did());
            body.put("collection", MoodRecords.COLLECTION.value());
            body.put("record", MoodRecords.toRecord(m.id(), m.text(), m.when()));
            String uri = raw.post("com.atproto.repo.createRecord", session.accessJwt(), RawXrpc.bytes(body))
                    .get("uri").asString();
            long z = System.nanoTime();
            String rkey = uri.substring(uri.lastIndexOf('/') + 1);
            coll.updateOne(eq("_id", new org.bson.types.ObjectId(m.id().value())), Updates.set("atproto.rkey", rkey));
            long w = System.nanoTime();
            login += y - x;
            create += z - y;
            update += w - z;
        }
        long elapsed = System.nanoTime() - t0;
        int n = moods.size();
        parts.put("createSession", String.format("%.1f ms/mood", Stats.millis(login) / n));
        parts.put("createRecord", String.format("%.1f ms/mood", Stats.millis(create) / n));
        parts.put("mongo update", String.format("%.2f ms/mood", Stats.millis(update) / n));
        return n / Stats.seconds(elapsed);
    }
}
