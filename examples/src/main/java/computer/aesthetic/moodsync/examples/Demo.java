package computer.aesthetic.moodsync.examples;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.ingest.CommitAuthenticator;
import computer.aesthetic.moodsync.ingest.EventSource;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestChange;
import computer.aesthetic.moodsync.ingest.IngestListener;
import computer.aesthetic.moodsync.mongo.MongoIngestStateStore;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
import computer.aesthetic.moodsync.pds.sync.RepoKeys;
import computer.aesthetic.moodsync.sync.CommitVerifier;
import computer.aesthetic.moodsync.sync.JdkP256;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.testing.InMemoryFirehose;
import okhttp3.HttpUrl;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncResult;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.UserSyncStatus;
import computer.aesthetic.moodsync.micrometer.MeteredAtprotoRepo;
import computer.aesthetic.moodsync.micrometer.MoodSyncMetrics;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.embedded.EmbeddedMongo;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.reconcile.DriftKind;
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
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Comparator;
import java.util.stream.Collectors;
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
                    default -> throw new IllegalArgumentException("unknown option " + a + " (./demo --help lists them)");
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

        /**
         * The help, one line per option. The {@code demo} script prints the same text without starting Java (a test
         * keeps them equal).
         */
        static String usage() {
            return String.join("\n",
                    "usage: ./demo [options]   (runs the whole story on embedded defaults and exits 0)",
                    "  --pds reference      the reference PDS, @atproto/pds from testing/pds (default; Node.js 20 and npm)",
                    "  --pds memory         the in-memory PDS: no Node.js, starts in a second",
                    "  --pds URL            a real PDS; needs --handle, --did and --app-password (its repo gets demo moods)",
                    "  --mongo URI          a real MongoDB (default: an embedded mongo-java-server); uses a fresh database",
                    "                       moodsync_demo_<time> and drops it at the end",
                    "  --handle H           with --pds URL: your account's handle",
                    "  --did DID            with --pds URL: your account's DID",
                    "  --app-password P     with --pds URL: an app password (default: $MOODSYNC_APP_PASSWORD)",
                    "  -h, --help           this help",
                    "environment: MOODSYNC_APP_PASSWORD (the app password), JAVA_OPTS (JVM options, such as",
                    "  -Dmoodsync.pds.dir=/path/to/testing/pds for another copy of the reference PDS), MOODSYNC_DEBUG=1",
                    "  (stack traces on failure)");
        }
    }

    /**
     * Runs the demo.
     *
     * @param args see {@link Options#usage()}
     */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the demo and returns its exit code: 0 done, 1 failed, 2 bad options, 3 Node.js missing.
     *
     * @param args see {@link Options#usage()}
     * @return the exit code
     */
    static int execute(String[] args) {
        // The demo says in its own words when the client's circuit breaker opens (step 2); the client's WARN would
        // name the outage proxy's address and an ISO duration.
        if (System.getProperty(QUIET_LOGGER) == null) {
            System.setProperty(QUIET_LOGGER, "error");
        }
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(Options.usage());
            return 0;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            return 2;
        }
        int code;
        Demo demo = new Demo(options);
        try {
            demo.run();
            code = 0;
        } catch (NodeMissing e) {
            System.err.println("\n" + e.getMessage());
            code = 3;
        } catch (DemoFailure e) {
            System.err.println("\ndemo: " + e.getMessage());
            code = e.exitCode;
        } catch (Exception e) {
            System.err.println("\ndemo: failed: " + e + (DEBUG ? "" : " (MOODSYNC_DEBUG=1 prints the stack trace)"));
            if (DEBUG) {
                e.printStackTrace();
            }
            code = 1;
        } finally {
            demo.closeAll();
        }
        return code;
    }

    private static final String QUIET_LOGGER = "org.slf4j.simpleLogger.log.computer.aesthetic.moodsync.pds.internal";
    private static final boolean DEBUG = System.getenv("MOODSYNC_DEBUG") != null;
    /** How long the demo waits for a MongoDB given with {@code --mongo}. */
    static final Duration MONGO_WAIT = Duration.ofSeconds(5);
    /** The demo client's circuit breaker: opens after this many failed calls in a row... */
    static final int CIRCUIT_FAILURES = 2;
    /** ...for this long. */
    static final Duration CIRCUIT_OPEN = Duration.ofSeconds(3);

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
        SimpleMeterRegistry registry = new SimpleMeterRegistry(); // the host's registry, in a real app
        MeteredAtprotoRepo repo = MeteredAtprotoRepo.wrap(pds.repo(accounts), registry);
        MongoMoodStore store = MongoMoodStore.builder(db).build();
        MoodSyncService service = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                .inlineTimeout(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .backoff(Duration.ofMillis(500), Duration.ofSeconds(2)).build();
        cleanup.push(service);
        MoodSyncMetrics metrics = MoodSyncMetrics.of(service, repo);
        metrics.bindTo(registry);
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
        for (String text : List.of("is anyone there?", "still posting", "hello?", "back soon, I hope")) {
            boolean wasOpen = repo.unavailableUntil(alice.did).isPresent();
            long t0 = System.nanoTime();
            SyncResult r = service.post(alice.user, text);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String how;
            if (wasOpen) {
                how = "circuit open: the PDS was not called";
            } else {
                pds.failed();
                Optional<Instant> open = repo.unavailableUntil(alice.did);
                how = open.isPresent() ? "tried: no answer; the client's circuit breaker opens for "
                        + human(Duration.between(Instant.now(), open.get())) : "tried: no answer";
            }
            line("%-14s %-24s -> %s (%s) in %d ms (%s)", alice.handle, quote(text), r.outcome(),
                    r.reason().map(Enum::name).orElse(""), ms, how);
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
        line("loaded for %s: %s in MongoDB (%d deleted), %s on the PDS written by the origin's scripts",
                carol.handle, count(legacy.moods, "mood"), legacy.deleted, count(legacy.records, "record"));
        line("(legacy mongoId, keys chosen by the server). What reconcile should find in them:");
        legacy.expected.forEach((kind, n) -> System.out.printf(Locale.ROOT, "     %-20s %3d  %s%n", kind + ":", n,
                EXPECTED_WHY.get(kind)));

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

        step(7, "Another client edits and deletes records on the PDS: MongoDB follows (live ingest)");
        followAnotherClient(pds, service, store, db, alice);

        step(8, "Final status");
        for (DemoUser u : List.of(alice, bob, carol)) {
            line("%-14s %s", u.handle, brief(service.status(u.user)));
        }
        line("%s", stats(service.stats()));
        metrics.refresh();
        line("Micrometer (mood-sync-micrometer), as the host's registry sees it:");
        registry.getMeters().stream().sorted(Comparator.comparing((Meter m) -> m.getId().getName())
                .thenComparing(m -> m.getId().getTags().toString())).forEach(m -> line("  %s", meter(m)));
        title("done");
    }

    /**
     * Starts a {@link Follower} of the PDS (the reference PDS's subscribeRepos through {@link FirehoseEventSource}, or
     * the in-memory PDS's {@link InMemoryFirehose}), then plays another ATProto client: it edits one of alice's
     * records, deletes another and writes a new one; MongoDB follows.
     */
    private void followAnotherClient(Pds pds, MoodSyncService service, MongoMoodStore store, MongoDatabase db,
            DemoUser alice) throws Exception {
        if (pds.memory == null && pds.plcUrl == null) {
            line("(a remote PDS: this step needs another client's password; see examples/jshell/follow.jsh)");
            return;
        }
        List<Mood> live;
        try (java.util.stream.Stream<Mood> s = store.listByUser(alice.user)) {
            live = s.filter(m -> !m.deleted() && m.rkey().isPresent() && m.pending().isEmpty()).toList();
        }
        if (live.size() < 2) {
            line("(alice has fewer than two synced moods: nothing to edit and delete)");
            return;
        }
        Mood edited = live.get(0);
        Mood deleted = live.get(1);
        RecordKey fresh = RecordKey.parse("3kdemoanother");
        IngestListener printing = new IngestListener() {
            @Override
            public void changed(IngestChange c) {
                if (c.kind() != IngestChange.Kind.RESYNCED && c.kind() != IngestChange.Kind.ECHO) {
                    line("  follower: %-9s %s%s", c.kind(), c.rkey().map(k -> k + " ").orElse(""), c.detail());
                }
            }
        };
        EventSource source;
        CommitAuthenticator authenticator;
        FirehoseEventSource websocket = null;
        if (pds.memory != null) {
            InMemoryFirehose firehose = pds.firehose;
            source = EventSource.decoding(firehose::subscribe);
            authenticator = CommitAuthenticator.of(CommitVerifier.of(JdkP256.verifier()), firehose::key);
            line("follower: the in-memory PDS's event stream (InMemoryFirehose), signed p256 commits");
        } else {
            websocket = FirehoseEventSource.builder().pds(HttpUrl.get(pds.url)).httpClient(pds.http)
                    .backoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
            cleanup.push(websocket);
            source = websocket;
            authenticator = new RepoKeys(pds.http, pds.plcUrl).authenticator();
            line("follower: %s/xrpc/com.atproto.sync.subscribeRepos (FirehoseEventSource), keys from the PLC"
                    + " directory", pds.url);
        }
        try (Follower follower = service.follower().state(MongoIngestStateStore.builder(db).build())
                .source("demo-pds", source).authenticator(authenticator).listener(printing).build()) {
            follower.start();
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (websocket != null && websocket.opened() == 0 && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            Thread.sleep(200);
            line("another client edits %s, deletes %s and writes %s:", edited.rkey().get(), deleted.rkey().get(),
                    fresh);
            long t0 = System.nanoTime();
            Map<String, Object> changed = new LinkedHashMap<>(MoodRecords.toRecord(edited));
            changed.put("mood", "edited in another app");
            Map<String, Object> created = new LinkedHashMap<>();
            created.put("$type", MoodRecords.COLLECTION.toString());
            created.put("mood", "posted from another app");
            created.put("when", AtDatetime.of(Instant.now()).toString());
            pds.otherClient(alice).put(edited.rkey().get(), changed);
            pds.otherClient(alice).delete(deleted.rkey().get());
            pds.otherClient(alice).put(fresh, created);
            until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean done = false;
            while (!done && System.nanoTime() < until) {
                done = store.find(edited.id()).map(m -> m.text().equals("edited in another app")).orElse(false)
                        && store.find(deleted.id()).map(Mood::deleted).orElse(false)
                        && store.findByRkey(alice.user, fresh).isPresent();
                Thread.sleep(done ? 0 : 50);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            line(done ? "MongoDB followed in %d ms: the edit taken, the mood soft-deleted, the new record imported"
                    : "MongoDB had not followed after %d ms", ms);
            line("follower: %s", follower.stats());
        }
    }

    // ------------------------------------------------------------------------------------------------ pieces

    private MongoDatabase startMongo() {
        String uri;
        String shown;
        if (options.mongo.isPresent()) {
            uri = options.mongo.get();
            shown = uri.replaceAll("//[^@/]*@", "//***@");
            line("MongoDB: %s", shown);
        } else {
            EmbeddedMongo mongo = EmbeddedMongo.start();
            cleanup.push(mongo);
            uri = mongo.connectionString();
            shown = uri;
            line("MongoDB: embedded (mongo-java-server) at %s", uri);
        }
        ConnectionString connection;
        try {
            connection = new ConnectionString(uri);
        } catch (IllegalArgumentException e) {
            throw new DemoFailure("--mongo " + shown + " is not a MongoDB connection string: " + e.getMessage(), 2);
        }
        long waitMs = MONGO_WAIT.toMillis();
        MongoClient client = MongoClients.create(MongoClientSettings.builder().applyConnectionString(connection)
                .applyToClusterSettings(b -> b.serverSelectionTimeout(waitMs, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(b -> b.connectTimeout((int) waitMs, TimeUnit.MILLISECONDS))
                .build());
        cleanup.push(client);
        String name = "moodsync_demo_" + Long.toString(System.currentTimeMillis(), 36);
        MongoDatabase db = client.getDatabase(name);
        try {
            db.runCommand(new Document("ping", 1));
        } catch (MongoException e) {
            throw new DemoFailure("cannot reach MongoDB at " + shown + " within " + human(MONGO_WAIT) + " ("
                    + e.getClass().getSimpleName() + "); is it running, and is the URI right?", 1);
        }
        if (options.mongo.isPresent()) {
            cleanup.push(db::drop);
            line("  (database %s, dropped at the end)", name);
        }
        return db;
    }

    private Pds startPds() {
        if (options.pds.equals("memory")) {
            line("PDS: in memory (computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo); in step 2 the demo plays");
            line("  the real client's circuit breaker on it (open for %s after a failure)", human(CIRCUIT_OPEN));
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
        Path dir = harnessDir();
        line("PDS: the reference implementation (@atproto/pds 0.4.217 from %s)", dir);
        ensureInstalled(dir, List.of("npm", "ci", "--no-audit", "--no-fund"), System.out);
        line("  starting it (about 5 to 30 s)...");
        long t0 = System.nanoTime();
        ReferencePds pds = ReferencePds.start(new ReferencePds.Options(false, 3));
        cleanup.push(pds);
        line("  ready at %s in %d s (log: %s)", pds.url(), (System.nanoTime() - t0) / 1_000_000_000, pds.logFile());
        Pds result = Pds.reference(pds, cleanup);
        line("  the demo reaches it through a local proxy at %s, which step 2 cuts to play an outage", result.url);
        return result;
    }

    /** The reference PDS's harness: {@code -Dmoodsync.pds.dir}, else {@code testing/pds} above the working directory. */
    static Path harnessDir() {
        String property = System.getProperty(ReferencePds.DIR_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("testing/pds/run.sh"))) {
                return dir.resolve("testing/pds");
            }
        }
        throw new DemoFailure("testing/pds not found above " + Path.of("").toAbsolutePath() + ": run the demo from "
                + "the mood-sync checkout, or pass JAVA_OPTS=-D" + ReferencePds.DIR_PROPERTY + "=/path/to/testing/pds", 1);
    }

    /**
     * Installs the reference PDS with npm in the foreground when it is not installed yet (the test of
     * {@code testing/pds/run.sh}), so that npm's own progress shows; says nothing when it is.
     *
     * @param dir the harness directory
     * @param npmCi the install command
     * @param out where to announce it
     * @return true when it installed
     */
    static boolean ensureInstalled(Path dir, List<String> npmCi, PrintStream out) {
        Path stamp = dir.resolve("node_modules/.package-lock.json");
        try {
            if (Files.isRegularFile(stamp) && !Files.getLastModifiedTime(dir.resolve("package-lock.json"))
                    .toInstant().isAfter(Files.getLastModifiedTime(stamp).toInstant())) {
                return false;
            }
            out.println("   installing it first (npm ci: first run only, about 2 to 4 minutes and 250 MB); npm says:");
            out.flush();
            ProcessBuilder npm = new ProcessBuilder(npmCi).directory(dir.toFile()).inheritIO();
            if (System.getenv("npm_config_nodedir") == null && Files.isRegularFile(Path.of("/usr/include/node/node.h"))) {
                npm.environment().put("npm_config_nodedir", "/usr"); // better-sqlite3 builds with the local headers
            }
            long t0 = System.nanoTime();
            int code = npm.start().waitFor();
            if (code != 0) {
                throw new DemoFailure("npm ci failed in " + dir + " (exit code " + code + ", its output is above); "
                        + "or run the demo without Node.js: ./demo --pds memory", 1);
            }
            Files.setLastModifiedTime(stamp, FileTime.from(Instant.now()));
            out.printf(Locale.ROOT, "   installed in %s%n", human(Duration.ofNanos(System.nanoTime() - t0)));
            return true;
        } catch (IOException e) {
            throw new DemoFailure("could not install the reference PDS in " + dir + ": " + e.getMessage(), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoFailure("interrupted while installing the reference PDS", 1);
        }
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
        final InMemoryFirehose firehose;
        final OkHttpClient http;
        final String plcUrl;

        private Pds(List<DemoUser> users, String url, TcpOutage outage, InMemoryAtprotoRepo memory, OkHttpClient http,
                String plcUrl) {
            this.users = users;
            this.url = url;
            this.outage = outage;
            this.memory = memory;
            this.http = http;
            this.plcUrl = plcUrl;
            if (memory != null) {
                this.firehose = InMemoryFirehose.create();
                memory.attachFirehose(firehose);
            } else {
                this.firehose = null;
            }
        }

        /** Another ATProto client of the user's repository (raw XRPC with the account's password, or the fake). */
        OtherClient otherClient(DemoUser u) throws IOException {
            if (memory != null) {
                return new OtherClient() {
                    @Override
                    public void put(RecordKey rkey, Map<String, Object> record) {
                        memory.seedRaw(u.did, MoodRecords.COLLECTION, rkey, record);
                    }

                    @Override
                    public void delete(RecordKey rkey) {
                        memory.unseed(u.did, MoodRecords.COLLECTION, rkey);
                    }
                };
            }
            String token = xrpc("com.atproto.server.createSession", null,
                    Map.of("identifier", u.handle, "password", u.password)).get("accessJwt").asString();
            return new OtherClient() {
                @Override
                public void put(RecordKey rkey, Map<String, Object> record) throws IOException {
                    xrpc("com.atproto.repo.putRecord", token, Map.of("repo", u.did.value(),
                            "collection", MoodRecords.COLLECTION.toString(), "rkey", rkey.value(), "record", record));
                }

                @Override
                public void delete(RecordKey rkey) throws IOException {
                    xrpc("com.atproto.repo.deleteRecord", token, Map.of("repo", u.did.value(),
                            "collection", MoodRecords.COLLECTION.toString(), "rkey", rkey.value()));
                }
            };
        }

        private tools.jackson.databind.JsonNode xrpc(String method, String token, Map<String, ?> body)
                throws IOException {
            tools.jackson.databind.ObjectMapper json = new tools.jackson.databind.ObjectMapper();
            okhttp3.Request.Builder b = new okhttp3.Request.Builder().url(url + "/xrpc/" + method)
                    .post(okhttp3.RequestBody.create(json.writeValueAsString(body),
                            okhttp3.MediaType.get("application/json")));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            try (okhttp3.Response r = http.newCall(b.build()).execute()) {
                String text = r.body().string();
                if (r.code() != 200) {
                    throw new IOException(method + ": HTTP " + r.code());
                }
                return json.readTree(text);
            }
        }

        static Pds memory() {
            List<DemoUser> users = List.of(
                    new DemoUser(new UserId("auth0|alice"), Did.parse("did:plc:alicealicealicealice"), "alice.test", "pw-a"),
                    new DemoUser(new UserId("auth0|bob"), Did.parse("did:plc:bobbobbobbobbobbobbob"), "bob.test", "pw-b"),
                    new DemoUser(new UserId("auth0|carol"), Did.parse("did:plc:carolcarolcarolcarol"), "carol.test", "pw-c"));
            return new Pds(users, null, null, InMemoryAtprotoRepo.create(), null, null);
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
            return new Pds(users, outage.url(), outage, null, http(cleanup), pds.plcUrl());
        }

        static Pds remote(Options options, Deque<AutoCloseable> cleanup) {
            DemoUser me = new DemoUser(new UserId("auth0|demo"), Did.parse(options.did().get()), options.handle().get(),
                    options.appPassword().get());
            return new Pds(List.of(me), options.pds(), null, null, http(cleanup), null);
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
                    .circuitBreaker(CIRCUIT_FAILURES, CIRCUIT_OPEN).build();
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
                memory.circuitOpenUntil(null);
            } else if (outage != null) {
                outage.up();
            }
        }

        /**
         * After a post that tried the PDS and failed: the in-memory PDS plays the real client's breaker, which opens
         * after {@link #CIRCUIT_FAILURES} failed calls (a post's call and its one retry).
         */
        void failed() {
            if (memory != null) {
                memory.circuitOpenUntil(Instant.now().plus(CIRCUIT_OPEN));
            }
        }
    }

    /** Another ATProto client writing to a user's repository. */
    interface OtherClient {
        void put(RecordKey rkey, Map<String, Object> record) throws IOException;

        void delete(RecordKey rkey) throws IOException;
    }

    /** What the legacy loader wrote, and the drift it expects reconcile to find, by kind. */
    record Legacy(int moods, int deleted, int records, Map<DriftKind, Integer> expected) {
    }

    private static final Map<DriftKind, String> EXPECTED_WHY = Map.of(
            DriftKind.IN_SYNC, "a deleted mood the migration never reached: nothing to do",
            DriftKind.MISSING_ON_PDS, "live moods the interrupted migration never reached",
            DriftKind.UNLINKED, "live moods with a legacy record MongoDB does not link yet (#3's text was edited in "
                    + "the app since)",
            DriftKind.DUPLICATE, "second copies written when the migration was run again",
            DriftKind.DELETED_BUT_ON_PDS, "records of moods deleted in the app (#7 twice, #15 once)",
            DriftKind.ORPHAN, "a record whose mood is gone from MongoDB");

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
        Map<DriftKind, Integer> expected = new EnumMap<>(DriftKind.class);
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
            int copies = i >= 20 ? 0 // the interrupted migration never reached these
                    : i < 12 ? 2 : 1; // the re-run after the interruption created second copies
            if (isDeleted) {
                expected.merge(copies == 0 ? DriftKind.IN_SYNC : DriftKind.DELETED_BUT_ON_PDS, Math.max(copies, 1),
                        Integer::sum);
            } else if (copies == 0) {
                expected.merge(DriftKind.MISSING_ON_PDS, 1, Integer::sum);
            } else {
                expected.merge(DriftKind.UNLINKED, 1, Integer::sum);
                if (copies > 1) {
                    expected.merge(DriftKind.DUPLICATE, copies - 1, Integer::sum);
                }
            }
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
            }
        }
        Map<String, Object> orphan = new LinkedHashMap<>();
        orphan.put("$type", MoodRecords.COLLECTION.toString());
        orphan.put("mood", "a mood whose document was lost");
        orphan.put("when", "2025-02-01T00:00:00.000Z");
        orphan.put("mongoId", MoodId.generate(Instant.parse("2025-02-01T00:00:00Z")).toString());
        repo.putRecord(u.did, MoodRecords.COLLECTION, scriptClock.next().toRecordKey(), orphan, SwapRecord.any());
        records++;
        expected.merge(DriftKind.ORPHAN, 1, Integer::sum);
        return new Legacy(moods, deleted, records, expected);
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
        return String.format(Locale.ROOT, "stats: %s stored, %d synced inline (dual-write success rate %.0f%%), "
                + "%d synced in all, %s %s, %d pending now", count(s.stored(), "change"), s.inlineSynced(),
                100 * s.dualWriteSuccessRate(), s.synced(), count(s.attemptsFailed(), "failed attempt"),
                s.failuresByError(), s.pending());
    }

    /** One meter on one line: name, tags and value. */
    static String meter(Meter m) {
        String tags = m.getId().getTags().stream().map(Tag::getValue).collect(Collectors.joining(", "));
        String name = m.getId().getName() + (tags.isEmpty() ? "" : "{" + tags + "}");
        String value;
        if (m instanceof Timer t) {
            value = count(t.count(), "call") + ", mean " + human(Duration.ofNanos((long) t.mean(TimeUnit.NANOSECONDS)))
                    + ", max " + human(Duration.ofNanos((long) t.max(TimeUnit.NANOSECONDS)));
        } else if (m instanceof TimeGauge g) {
            value = human(Duration.ofMillis((long) g.value(TimeUnit.MILLISECONDS)));
        } else if (m instanceof Gauge g) {
            value = Double.isNaN(g.value()) ? "unknown" : String.valueOf((long) g.value());
        } else if (m instanceof FunctionCounter c) {
            value = String.valueOf((long) c.count());
        } else {
            value = String.valueOf(m.measure());
        }
        return String.format(Locale.ROOT, "%-66s %s", name, value);
    }

    /** A duration as people say it: {@code 3 s}, {@code 250 ms}, {@code 2 min 5 s}. */
    static String human(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 1000) {
            return ms + " ms";
        }
        long s = Math.round(ms / 1000.0);
        return s < 60 ? s + " s" : s / 60 + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
    }

    /** A count and a noun, singular for one. */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
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

    /** A failure the demo explains in one line, without a stack trace. */
    static final class DemoFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        DemoFailure(String message, int exitCode) {
            super(message, null, false, false);
            this.exitCode = exitCode;
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
