package computer.aesthetic.moodsync.examples;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.UserSyncStatus;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.reconcile.RepairPlan;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.RepairResult;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AccountDirectory;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Tid;
import computer.aesthetic.moodsync.syntax.TidClock;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * The one-command demo: the whole job on embedded defaults.
 *
 * <p>Starts an embedded MongoDB and the reference PDS from {@code testing/pds} (or the in-memory PDS with
 * {@code --pds memory}), then tells the story: moods posted and synced; the PDS goes down and posts still succeed
 * as pending; it comes back and the worker catches up; a legacy data set with an interrupted migration's duplicates
 * is reconciled and repaired; final status. Exits 0 and leaves no process behind.
 *
 * <pre>
 *   ./demo                          # embedded MongoDB + reference PDS (installed on first run)
 *   ./demo --pds memory             # no Node.js needed
 *   ./demo --mongo mongodb://host/  # a real MongoDB (a fresh database named moodsync_demo_...)
 *   ./demo --pds https://pds.example --handle you.example --did did:plc:... --app-password xxxx-xxxx
 * </pre>
 */
public final class Demo {
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private final Options options;

    private Demo(Options options) {
        this.options = options;
    }

    /** Command-line options. */
    record Options(String pds, Optional<String> mongo, Optional<String> handle, Optional<String> did,
            Optional<String> appPassword) {
        static Options parse(String[] args) {
            String pds = "reference";
            Optional<String> mongo = Optional.empty();
            Optional<String> handle = Optional.empty();
            Optional<String> did = Optional.empty();
            Optional<String> password = Optional.ofNullable(System.getenv("MOODSYNC_APP_PASSWORD"));
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--pds" -> { pds = require(a, v); i++; }
                    case "--mongo" -> { mongo = Optional.of(require(a, v)); i++; }
                    case "--handle" -> { handle = Optional.of(require(a, v)); i++; }
                    case "--did" -> { did = Optional.of(require(a, v)); i++; }
                    case "--app-password" -> { password = Optional.of(require(a, v)); i++; }
                    case "-h", "--help" -> {
                        System.out.println(usage());
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
                }
            }
            boolean remote = pds.startsWith("http");
            if (remote && (handle.isEmpty() || did.isEmpty() || password.isEmpty())) {
                throw new IllegalArgumentException("--pds URL needs --handle, --did and --app-password "
                        + "(or MOODSYNC_APP_PASSWORD)");
            }
            if (!remote && !pds.equals("reference") && !pds.equals("memory")) {
                throw new IllegalArgumentException("--pds takes reference, memory or a URL, found " + pds);
            }
            return new Options(pds, mongo, handle, did, password);
        }

        private static String require(String option, String value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }

        static String usage() {
            return "usage: demo [--pds reference|memory|URL] [--mongo URI] [--handle H --did DID --app-password P]";
        }
    }

    /**
     * Runs the demo.
     *
     * @param args see {@link Options}
     */
    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code;
        Demo demo = new Demo(options);
        try {
            demo.run();
            code = 0;
        } catch (NodeMissing e) {
            System.err.println("\n" + e.getMessage());
            code = 3;
        } catch (Exception e) {
            System.err.println("\nthe demo failed: " + e);
            e.printStackTrace();
            code = 1;
        } finally {
            demo.closeAll();
        }
        System.exit(code);
    }

    // ------------------------------------------------------------------------------------------------ the story

    private void run() throws Exception {
        title("mood-sync demo");
        MongoDatabase db = startMongo();
        Pds pds = startPds();
        List<DemoUser> users = pds.users;
        for (DemoUser u : users) {
            db.getCollection("users").insertOne(new Document("_id", u.user.value())
                    .append("atproto", new Document("did", u.did.value()).append("handle", u.handle)
                            .append("password", u.password)));
            db.getCollection("@handles").insertOne(new Document("_id", u.user.value())
                    .append("handle", u.handle.replaceAll("\\..*$", "")));
        }
        AccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        AtprotoRepo repo = pds.repo(accounts);
        MongoMoodStore store = MongoMoodStore.builder(db).build();
        MoodSyncService service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                .inlineTimeout(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .backoff(Duration.ofMillis(500), Duration.ofSeconds(2)).build();
        cleanup.push(service);
        DemoUser alice = users.get(0);
        DemoUser bob = users.size() > 1 ? users.get(1) : alice;
        DemoUser carol = users.size() > 2 ? users.get(2) : alice;

        step(1, "Post moods: each is saved in MongoDB, then written to the PDS at a key derived from its id");
        for (String[] post : new String[][] {{"0", "feeling sunny"}, {"0", "café time \u2615"}, {"1", "rainy, but fine"},
                {"1", "\uD83C\uDFB6 humming"}, {"0", "ready for the weekend"}}) {
            DemoUser u = post[0].equals("0") ? alice : bob;
            SyncResult r = service.post(u.user, post[1]);
            line("%-14s %-24s -> %s  at://%s/%s/%s", u.handle, quote(post[1]), r.outcome(), u.did,
                    MoodRecords.COLLECTION, MoodRecords.rkeyFor(r.moodId()));
        }
        showDocument(db, alice);

        step(2, "The PDS goes down: posts still succeed, stored with a pending marker");
        pds.down();
        for (String text : List.of("is anyone there?", "still posting", "the circuit is open now", "fast failure")) {
            long t0 = System.nanoTime();
            SyncResult r = service.post(alice.user, text);
            line("%-14s %-24s -> %s (%s) in %d ms", alice.handle, quote(text), r.outcome(),
                    r.reason().map(Enum::name).orElse(""), (System.nanoTime() - t0) / 1_000_000);
        }
        line("status while down: %s", brief(service.status(alice.user)));

        step(3, "The PDS comes back: the worker catches up");
        pds.up();
        Instant deadline = Instant.now().plusSeconds(60);
        while (service.status(alice.user).pending() > 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
        }
        line("status after recovery: %s", brief(service.status(alice.user)));
        line("%s", stats(service.stats()));

        step(4, "A legacy data set: the origin's scripts, an interrupted migration and its duplicates");
        Legacy legacy = loadLegacy(db, repo, carol);
        line("loaded for %s: %d moods in MongoDB (%d deleted), %d records on the PDS with legacy mongoId, "
                + "%d of them duplicates, 1 orphan, 1 edited text", carol.handle, legacy.moods, legacy.deleted,
                legacy.records, legacy.duplicates);

        step(5, "Reconcile: every mood and every record named by its kind of drift");
        ReconcileReport report = service.reconcile(carol.user);
        System.out.println(indent(report.summary()));

        step(6, "Repair: plan (dry-run, reviewable), then apply");
        RepairPlan plan = service.plan(report, RepairPolicy.DEFAULT);
        System.out.println(indent(plan.summary()));
        RepairResult result = service.repair(plan);
        System.out.println(indent(result.summary()));
        ReconcileReport after = service.reconcile(carol.user);
        System.out.println(indent(after.summary()));

        step(7, "Final status");
        for (DemoUser u : List.of(alice, bob, carol)) {
            line("%-14s %s", u.handle, brief(service.status(u.user)));
        }
        line("%s", stats(service.stats()));
        title("done");
    }

    // ------------------------------------------------------------------------------------------------ pieces

    private MongoDatabase startMongo() {
        String uri;
        if (options.mongo.isPresent()) {
            uri = options.mongo.get();
            line("MongoDB: %s", uri.replaceAll("//[^@/]*@", "//***@"));
        } else {
            EmbeddedMongo mongo = EmbeddedMongo.start();
            cleanup.push(mongo);
            uri = mongo.connectionString();
            line("MongoDB: embedded (mongo-java-server) at %s", uri);
        }
        MongoClient client = MongoClients.create(uri);
        cleanup.push(client);
        String name = "moodsync_demo_" + Long.toString(System.currentTimeMillis(), 36);
        MongoDatabase db = client.getDatabase(name);
        if (options.mongo.isPresent()) {
            cleanup.push(db::drop);
            line("  (database %s, dropped at the end)", name);
        }
        return db;
    }

    private Pds startPds() {
        if (options.pds.equals("memory")) {
            line("PDS: in memory (computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo)");
            return Pds.memory();
        }
        if (options.pds.startsWith("http")) {
            line("PDS: %s as %s", options.pds, options.handle.get());
            return Pds.remote(options, cleanup);
        }
        for (String tool : List.of("node", "npm")) {
            if (!onPath(tool)) {
                throw new NodeMissing(tool + " is not installed, and the reference PDS needs Node.js 20+ and npm.\n"
                        + "Install them (Debian: apt-get install nodejs npm) or run the demo with the in-memory PDS:\n"
                        + "  ./demo --pds memory");
            }
        }
        line("PDS: the reference implementation (@atproto/pds 0.4.217 from testing/pds)");
        line("  starting it; the first run installs it with npm ci (about 2-4 minutes)...");
        long t0 = System.nanoTime();
        Thread ticker = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(15_000);
                    System.out.printf("  ... still starting (%d s)%n", (System.nanoTime() - t0) / 1_000_000_000);
                }
            } catch (InterruptedException e) {
                // started
            }
        }, "demo-ticker");
        ticker.setDaemon(true);
        ticker.start();
        ReferencePds pds;
        try {
            pds = ReferencePds.start(new ReferencePds.Options(false, 3));
        } finally {
            ticker.interrupt();
        }
        cleanup.push(pds);
        line("  ready at %s in %d s (log: %s)", pds.url(), (System.nanoTime() - t0) / 1_000_000_000, pds.logFile());
        return Pds.reference(pds, cleanup);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** One host user with an ATProto account. */
    record DemoUser(UserId user, Did did, String handle, String password) {
        @Override
        public String toString() {
            return handle;
        }
    }

    /** The PDS of the demo, with a way to take it down and up. */
    static final class Pds {
        final List<DemoUser> users;
        final String url;
        final TcpOutage outage;
        final InMemoryAtprotoRepo memory;
        final OkHttpClient http;

        private Pds(List<DemoUser> users, String url, TcpOutage outage, InMemoryAtprotoRepo memory, OkHttpClient http) {
            this.users = users;
            this.url = url;
            this.outage = outage;
            this.memory = memory;
            this.http = http;
        }

        static Pds memory() {
            List<DemoUser> users = List.of(
                    new DemoUser(new UserId("auth0|alice"), Did.parse("did:plc:alicealicealicealice"), "alice.test", "pw-a"),
                    new DemoUser(new UserId("auth0|bob"), Did.parse("did:plc:bobbobbobbobbobbobbob"), "bob.test", "pw-b"),
                    new DemoUser(new UserId("auth0|carol"), Did.parse("did:plc:carolcarolcarolcarol"), "carol.test", "pw-c"));
            return new Pds(users, null, null, InMemoryAtprotoRepo.create(), null);
        }

        static Pds reference(ReferencePds pds, Deque<AutoCloseable> cleanup) {
            URI uri = URI.create(pds.url());
            TcpOutage outage = TcpOutage.forward(uri.getHost(), uri.getPort());
            cleanup.push(outage);
            List<DemoUser> users = new ArrayList<>();
            for (ReferencePds.Account a : pds.accounts()) {
                String name = a.handle().replaceAll("\\..*$", "");
                users.add(new DemoUser(new UserId("auth0|" + name), Did.parse(a.did()), a.handle(), a.password()));
            }
            return new Pds(users, outage.url(), outage, null, http(cleanup));
        }

        static Pds remote(Options options, Deque<AutoCloseable> cleanup) {
            DemoUser me = new DemoUser(new UserId("auth0|demo"), Did.parse(options.did().get()), options.handle().get(),
                    options.appPassword().get());
            return new Pds(List.of(me), options.pds(), null, null, http(cleanup));
        }

        private static OkHttpClient http(Deque<AutoCloseable> cleanup) {
            OkHttpClient client = new OkHttpClient();
            cleanup.push(() -> {
                client.dispatcher().executorService().shutdown();
                client.connectionPool().evictAll();
            });
            return client;
        }

        AtprotoRepo repo(AccountDirectory accounts) {
            if (memory != null) {
                return memory;
            }
            return PdsAtprotoRepo.builder().defaultPds(url).accounts(accounts).httpClient(http)
                    .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(10))
                    .maxRetries(1).backoff(Duration.ofMillis(100), Duration.ofMillis(500))
                    .circuitBreaker(2, Duration.ofSeconds(3)).build();
        }

        void down() {
            if (memory != null) {
                memory.down(true);
            } else if (outage != null) {
                outage.down();
            } else {
                line("(a remote PDS cannot be taken down from here: this step only shows normal posts)");
            }
        }

        void up() {
            if (memory != null) {
                memory.down(false);
            } else if (outage != null) {
                outage.up();
            }
        }
    }

    /** What the legacy loader wrote. */
    record Legacy(int moods, int deleted, int records, int duplicates) {
    }

    /**
     * Writes what the origin system left behind for {@code u}: moods in MongoDB without {@code atproto.rkey},
     * records with the legacy {@code mongoId} at server-chosen keys (TIDs of when the script ran), an interrupted
     * migration's duplicates, a deleted mood still on the PDS, an orphan record and an edited text.
     */
    private Legacy loadLegacy(MongoDatabase db, AtprotoRepo repo, DemoUser u) {
        Instant base = Instant.parse("2025-03-01T09:00:00Z");
        TidClock scriptClock = TidClock.of(Clock.systemUTC(), 7);
        int moods = 24;
        int deleted = 0;
        int records = 0;
        int duplicates = 0;
        for (int i = 0; i < moods; i++) {
            Instant when = base.plus(Duration.ofHours(5L * i));
            ObjectId id = new ObjectId(Date.from(when));
            boolean isDeleted = i % 8 == 7;
            Document doc = new Document("_id", id).append("user", u.user.value())
                    .append("mood", "legacy mood #" + i).append("when", Date.from(when));
            if (isDeleted) {
                doc.append("deleted", true);
                deleted++;
            }
            db.getCollection("moods").insertOne(doc);
            if (i >= 20) {
                continue; // the interrupted migration never reached these
            }
            int copies = i < 12 ? 2 : 1; // the re-run after the interruption created second copies
            for (int c = 0; c < copies; c++) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("$type", MoodRecords.COLLECTION.toString());
                record.put("mood", i == 3 ? "legacy mood #3 (edited in the app later)" : "legacy mood #" + i);
                // the origin read the clock twice: its `when` is off by a few milliseconds
                record.put("when", computer.aesthetic.moodsync.syntax.AtDatetime.of(when.plusMillis(3)).toString());
                record.put("mongoId", id.toHexString());
                Tid tid = scriptClock.next();
                repo.putRecord(u.did, MoodRecords.COLLECTION, tid.toRecordKey(), record, SwapRecord.any());
                records++;
                if (c > 0) {
                    duplicates++;
                }
            }
        }
        Map<String, Object> orphan = new LinkedHashMap<>();
        orphan.put("$type", MoodRecords.COLLECTION.toString());
        orphan.put("mood", "a mood whose document was lost");
        orphan.put("when", "2025-02-01T00:00:00.000Z");
        orphan.put("mongoId", MoodId.generate(Instant.parse("2025-02-01T00:00:00Z")).toString());
        repo.putRecord(u.did, MoodRecords.COLLECTION, scriptClock.next().toRecordKey(), orphan, SwapRecord.any());
        records++;
        return new Legacy(moods, deleted, records, duplicates);
    }

    // ------------------------------------------------------------------------------------------------ output

    private static void showDocument(MongoDatabase db, DemoUser u) {
        Document d = db.getCollection("moods").find(new Document("user", u.user.value())).first();
        if (d != null) {
            line("a synced mood in MongoDB looks as lean as the origin's: %s", d.toJson());
        }
    }

    private static String brief(UserSyncStatus s) {
        return String.format(Locale.ROOT, "%d moods: %d synced, %d pending, %d failed, %d deleted, %d unsynced",
                s.total(), s.synced(), s.pending(), s.failed(), s.deleted(), s.unsynced());
    }

    private static String stats(computer.aesthetic.moodsync.SyncStats s) {
        return String.format(Locale.ROOT, "stats: %d changes stored, %d synced inline (dual-write success rate %.0f%%), "
                + "%d synced in all, %d failed attempts %s, %d pending now", s.stored(), s.inlineSynced(),
                100 * s.dualWriteSuccessRate(), s.synced(), s.attemptsFailed(), s.failuresByError(), s.pending());
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static String indent(String s) {
        return "  " + s.replace("\n", "\n  ");
    }

    private static void title(String s) {
        System.out.println();
        System.out.println("== " + s + " " + "=".repeat(Math.max(0, 70 - s.length())));
    }

    private static void step(int n, String s) {
        System.out.println();
        System.out.println(n + ". " + s);
    }

    static void line(String format, Object... args) {
        System.out.println("   " + String.format(Locale.ROOT, format, args));
    }

    private void closeAll() {
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    /** Node.js or npm is missing for the reference PDS. */
    static final class NodeMissing extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NodeMissing(String message) {
            super(message, null, false, false);
        }
    }
}
