package computer.aesthetic.moodsync.examples.shell;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.pds.IdentityResolver;
import computer.aesthetic.moodsync.pds.PdsAdmin;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.reconcile.MigrationListener;
import computer.aesthetic.moodsync.reconcile.MigrationProgress;
import computer.aesthetic.moodsync.reconcile.MigrationReport;
import computer.aesthetic.moodsync.reconcile.Migrator;
import computer.aesthetic.moodsync.reconcile.Reconciler;
import computer.aesthetic.moodsync.reconcile.RepairPolicy;
import computer.aesthetic.moodsync.reconcile.Repairer;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.Secret;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import org.bson.Document;

/**
 * The wiring of the JShell operations scripts ({@code examples/jshell/*.jsh}): connects to MongoDB and the PDS from
 * environment variables, builds the service and the repair engine on them, and closes everything so the script exits
 * with no thread left behind.
 *
 * <table>
 *   <caption>Settings: environment variable, or the system property in brackets (in JShell: {@code -R-Dname=value})
 *   </caption>
 *   <tr><th>setting</th><th>meaning</th></tr>
 *   <tr><td>{@value #MONGO_URI} ({@code moodsync.mongo.uri})</td><td>MongoDB connection string, required</td></tr>
 *   <tr><td>{@value #MONGO_DB} ({@code moodsync.mongo.db})</td><td>database, default {@value #DEFAULT_DB}</td></tr>
 *   <tr><td>{@value #PDS_URL} ({@code moodsync.pds.url})</td><td>the PDS of accounts that name none; default: each
 *       DID's document tells</td></tr>
 *   <tr><td>{@value #USER} ({@code moodsync.user})</td><td>the host user id, such as {@code auth0|...}; several,
 *       comma-separated, for migrate</td></tr>
 *   <tr><td>{@value #HANDLE} ({@code moodsync.handle})</td><td>or the user's handle ({@code @handles}, or the
 *       ATProto handle in {@code users})</td></tr>
 *   <tr><td>{@value #APPLY} ({@code moodsync.apply})</td><td>{@code 1} or {@code true} to write; dry run
 *       otherwise</td></tr>
 *   <tr><td>{@value #CONCURRENCY} ({@code moodsync.concurrency})</td><td>users migrated in parallel, default
 *       4</td></tr>
 *   <tr><td>{@value #ADMIN_PASSWORD} ({@code moodsync.pds.adminPassword})</td><td>the PDS admin password, only for
 *       erase with {@value #DELETE_ACCOUNT}=1</td></tr>
 *   <tr><td>{@value #ORPHANS}, {@value #INVALID_RECORDS}, {@value #CONTENT_DRIFT}, {@value #MAX_DELETES}</td>
 *       <td>the repair policy of check-sync and migrate: see {@link #policy()}</td></tr>
 * </table>
 *
 * <p>Not thread-safe to build; the parts it hands out are thread-safe. Close it once (the scripts use
 * {@link #run}, which does).
 */
public final class Ops implements AutoCloseable {
    /** MongoDB connection string. */
    public static final String MONGO_URI = "MOODSYNC_MONGO_URI";
    /** MongoDB database name. */
    public static final String MONGO_DB = "MOODSYNC_MONGO_DB";
    /** The default PDS URL. */
    public static final String PDS_URL = "MOODSYNC_PDS_URL";
    /** The host user id(s). */
    public static final String USER = "MOODSYNC_USER";
    /** The user's handle. */
    public static final String HANDLE = "MOODSYNC_HANDLE";
    /** Write, rather than dry-run. */
    public static final String APPLY = "APPLY";
    /** Users migrated in parallel. */
    public static final String CONCURRENCY = "MOODSYNC_CONCURRENCY";
    /** Erase deletes the PDS account too. */
    public static final String DELETE_ACCOUNT = "MOODSYNC_DELETE_ACCOUNT";
    /** The PDS admin password. */
    public static final String ADMIN_PASSWORD = "MOODSYNC_PDS_ADMIN_PASSWORD";
    /** Repair policy: what to do with orphan records ({@code report}, {@code delete} or {@code import}). */
    public static final String ORPHANS = "MOODSYNC_ORPHANS";
    /** Repair policy: what to do with invalid records ({@code report} or {@code delete}). */
    public static final String INVALID_RECORDS = "MOODSYNC_INVALID_RECORDS";
    /** Repair policy: which side wins on content drift ({@code store_wins}, {@code pds_wins} or {@code report}). */
    public static final String CONTENT_DRIFT = "MOODSYNC_CONTENT_DRIFT";
    /** Repair policy: the most record deletions one plan makes. */
    public static final String MAX_DELETES = "MOODSYNC_MAX_DELETES";
    /** The default database: the origin system's. */
    public static final String DEFAULT_DB = "aesthetic";

    static {
        // The scripts print their own findings; keep the drivers' INFO chatter off the screen.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    /** A script's body. */
    @FunctionalInterface
    public interface Task {
        /**
         * Runs the body.
         *
         * @param ops the connections
         * @return the exit code
         * @throws Exception on failure (printed by {@link Ops#run}, exit code 1)
         */
        int run(Ops ops) throws Exception;
    }

    /** A mistake in the settings: printed without a stack trace. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message what is wrong and how to fix it
         */
        public UsageException(String message) {
            super(message);
        }
    }

    private final Function<String, Optional<String>> settings;
    private final String database;
    private final Optional<String> pdsUrl;
    private final MongoClient mongo;
    private final OkHttpClient http;
    private final MongoMoodStore store;
    private final MongoAccountDirectory accounts;
    private final PdsAtprotoRepo repo;
    private final MoodSyncService service;
    private final Reconciler reconciler;
    private final Repairer repairer;
    private boolean closed;

    private Ops(Function<String, Optional<String>> settings) {
        this.settings = settings;
        String uri = setting(MONGO_URI).orElseThrow(() -> new UsageException(MONGO_URI
                + " is not set: give the MongoDB connection string, e.g. " + MONGO_URI
                + "=mongodb://localhost:27017"));
        try {
            new ConnectionString(uri);
        } catch (IllegalArgumentException e) {
            throw new UsageException(MONGO_URI + " is not a MongoDB connection string: " + e.getMessage());
        }
        this.database = setting(MONGO_DB).orElse(DEFAULT_DB);
        this.pdsUrl = setting(PDS_URL);
        this.mongo = MongoClients.create(uri);
        this.http = new OkHttpClient();
        try {
            MongoDatabase db = mongo.getDatabase(database);
            this.store = MongoMoodStore.builder(db).build();
            this.accounts = MongoAccountDirectory.builder(db).build();
            PdsAtprotoRepo.Builder pds = PdsAtprotoRepo.builder().accounts(accounts).httpClient(http);
            if (pdsUrl.isPresent()) {
                pds.defaultPds(pdsUrl.get());
            } else {
                pds.identityResolver(IdentityResolver.builder().httpClient(http).build());
            }
            this.repo = pds.build();
            MoodSyncService.Builder sb = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                    .startWorker(false);
            Optional<String> admin = setting(ADMIN_PASSWORD);
            if (admin.isPresent() && pdsUrl.isPresent()) {
                PdsAdmin pdsAdmin = PdsAdmin.builder().pds(pdsUrl.get()).adminPassword(Secret.of(admin.get()))
                        .httpClient(http).build();
                sb.accountDeleter(pdsAdmin::deleteAccount);
            }
            this.service = sb.build();
            this.reconciler = Reconciler.builder().store(store).repo(repo).accounts(accounts).build();
            this.repairer = Repairer.builder().reconciler(reconciler).build();
        } catch (RuntimeException e) {
            closeClients();
            throw e;
        }
    }

    /**
     * Connects with the settings of the environment (and system properties, which win).
     *
     * @return the connections
     * @throws UsageException if a required setting is missing or malformed
     */
    public static Ops fromEnv() {
        return new Ops(name -> {
            String property = System.getProperty(propertyName(name));
            if (property != null && !property.isBlank()) {
                return Optional.of(property.trim());
            }
            String env = System.getenv(name);
            return env == null || env.isBlank() ? Optional.empty() : Optional.of(env.trim());
        });
    }

    /**
     * Connects with explicit settings (environment variable names as keys), for tests and programs.
     *
     * @param settings the settings, such as {@code Map.of(Ops.MONGO_URI, "mongodb://...")}
     * @return the connections
     * @throws UsageException if a required setting is missing or malformed
     */
    public static Ops connect(Map<String, String> settings) {
        Map<String, String> copy = Map.copyOf(settings);
        return new Ops(name -> Optional.ofNullable(copy.get(name)).filter(v -> !v.isBlank()).map(String::trim));
    }

    /**
     * Runs a script: connects from the environment, prints a header, runs the body, prints a failure (without a
     * stack trace for usage mistakes and MoodSync errors) and closes everything. Never throws.
     *
     * @param tool the script's name, for the header
     * @param task the body
     * @return the exit code: the body's, or 1 on failure
     */
    public static int run(String tool, Task task) {
        return run(tool, true, task);
    }

    /**
     * Runs a script that only reads, as {@link #run(String, Task)} does; its header says so instead of announcing a
     * dry run.
     *
     * @param tool the script's name, for the header
     * @param task the body
     * @return the exit code: the body's, or 1 on failure
     */
    public static int runReadOnly(String tool, Task task) {
        return run(tool, false, task);
    }

    private static int run(String tool, boolean writes, Task task) {
        PrintStream out = System.out;
        Ops ops;
        try {
            ops = fromEnv();
        } catch (RuntimeException e) {
            System.err.println(tool + ": " + message(e));
            return 1;
        }
        try {
            out.println(writes ? ops.header(tool) : ops.readOnlyHeader(tool));
            return task.run(ops);
        } catch (UsageException e) {
            System.err.println(tool + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println(tool + " FAILED: " + message(e));
            if (ops.setting("MOODSYNC_DEBUG").isPresent()) {
                e.printStackTrace();
            }
            return 1;
        } finally {
            ops.close();
            out.flush();
        }
    }

    /**
     * Returns a line naming the tool, the database, the PDS and whether this is a dry run.
     *
     * @param tool the script's name
     * @return the line
     */
    public String header(String tool) {
        return "== " + tool + " | mongo db '" + database + "' | PDS " + pdsUrl.orElse("(from each DID document)")
                + " | " + (apply() ? "APPLY: changes will be written" : "DRY RUN: nothing will be written (APPLY=1 to write)");
    }

    /**
     * Returns the header of a script that only reads: tool, database and PDS.
     *
     * @param tool the script's name
     * @return the line
     */
    public String readOnlyHeader(String tool) {
        return "== " + tool + " | mongo db '" + database + "' | PDS " + pdsUrl.orElse("(from each DID document)")
                + " | reads only";
    }

    /**
     * Returns the repair policy of the settings: {@value #ORPHANS} ({@code report}, default; {@code delete};
     * {@code import}), {@value #INVALID_RECORDS} ({@code report}, default; {@code delete}), {@value #CONTENT_DRIFT}
     * ({@code store_wins}, default; {@code pds_wins}; {@code report}) and {@value #MAX_DELETES} (default
     * {@value RepairPolicy#DEFAULT_MAX_DELETES}). Records of other users' moods (foreign) are always only reported.
     *
     * @return the policy
     * @throws UsageException if a value is not one of those
     */
    public RepairPolicy policy() {
        RepairPolicy p = RepairPolicy.DEFAULT;
        p = p.withOrphans(choice(ORPHANS, RepairPolicy.Orphans.class, p.orphans()));
        p = p.withInvalidRecords(choice(INVALID_RECORDS, RepairPolicy.InvalidRecords.class, p.invalidRecords()));
        p = p.withContentDrift(choice(CONTENT_DRIFT, RepairPolicy.ContentDrift.class, p.contentDrift()));
        Optional<String> max = setting(MAX_DELETES);
        if (max.isPresent()) {
            try {
                p = p.withMaxDeletes(Integer.parseInt(max.get()));
            } catch (IllegalArgumentException e) {
                throw new UsageException(MAX_DELETES + " must be a number >= 0, found '" + max.get() + "'");
            }
        }
        return p;
    }

    private <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
        Optional<String> value = setting(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, value.get().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            List<String> allowed = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                allowed.add(c.name().toLowerCase(Locale.ROOT));
            }
            throw new UsageException(name + " must be one of " + String.join(", ", allowed) + ", found '"
                    + value.get() + "'");
        }
    }

    /**
     * Tells whether the script should write: {@value #APPLY}={@code 1|true|yes}.
     *
     * @return true to write
     */
    public boolean apply() {
        return flag(APPLY);
    }

    /**
     * Tells whether a boolean setting is on ({@code 1}, {@code true} or {@code yes}).
     *
     * @param name the setting
     * @return true when on
     */
    public boolean flag(String name) {
        return setting(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"))
                .orElse(false);
    }

    /**
     * Returns a setting.
     *
     * @param name the environment variable's name
     * @return the value, or empty when unset or blank
     */
    public Optional<String> setting(String name) {
        return settings.apply(name);
    }

    /**
     * Returns the one user the script works on, from {@value #USER} or {@value #HANDLE}.
     *
     * @return the user
     * @throws UsageException if neither is set, or the handle names nobody
     */
    public UserId user() {
        List<UserId> users = users().orElseThrow(() -> new UsageException("no user given: set " + USER
                + "='auth0|...' or " + HANDLE + "=jeffrey"));
        if (users.size() != 1) {
            throw new UsageException("this script works on one user, found " + users.size() + " in " + USER);
        }
        return users.get(0);
    }

    /**
     * Returns the users given by {@value #USER} (comma-separated) or {@value #HANDLE}, if any.
     *
     * @return the users, or empty when neither is set
     * @throws UsageException if a user id is malformed or the handle names nobody
     */
    public Optional<List<UserId>> users() {
        Optional<String> ids = setting(USER);
        if (ids.isPresent()) {
            List<UserId> users = new ArrayList<>();
            for (String id : ids.get().split(",")) {
                if (!id.isBlank()) {
                    users.add(UserId.tryParse(id.trim()).orElseThrow(() -> new UsageException(USER
                            + " must hold user ids such as auth0|abc, found '" + id.trim() + "'")));
                }
            }
            return users.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(users));
        }
        Optional<String> handle = setting(HANDLE);
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(List.of(userByHandle(handle.get())));
    }

    /**
     * Finds the user of a handle: the host's own handle in {@code @handles}, else the ATProto handle in
     * {@code users}.
     *
     * @param handle the handle, with or without {@code @}
     * @return the user
     * @throws UsageException if no user has the handle
     */
    public UserId userByHandle(String handle) {
        String bare = handle.startsWith("@") ? handle.substring(1) : handle;
        Optional<UserId> user = accounts.findUserByHandle(bare);
        if (user.isPresent()) {
            return user.get();
        }
        Document d = mongo.getDatabase(database).getCollection(MongoAccountDirectory.DEFAULT_USERS)
                .find(Filters.or(Filters.eq("atproto.handle", bare), Filters.eq("atproto_handle", bare))).first();
        if (d != null && d.get("_id") instanceof String id && UserId.tryParse(id).isPresent()) {
            return UserId.parse(id);
        }
        throw new UsageException("no user has the handle '" + bare + "' (looked in @handles and users.atproto.handle)");
    }

    /**
     * Describes a user: id, handle and DID (never the password).
     *
     * @param user the user
     * @return such as {@code auth0|abc (@jeffrey, did:plc:...)}
     */
    public String describe(UserId user) {
        Optional<Account> account = accounts.findByUser(user);
        Optional<String> handle = accounts.handleOf(user);
        List<String> parts = new ArrayList<>();
        handle.ifPresent(h -> parts.add("@" + h));
        account.flatMap(Account::handle).filter(h -> handle.isEmpty() || !h.value().equals(handle.get()))
                .ifPresent(h -> parts.add(h.value()));
        parts.add(account.map(a -> a.did().value()).orElse("no ATProto account"));
        return user + " (" + String.join(", ", parts) + ")";
    }

    /**
     * Returns a migrator on this connection's repair engine, printing one progress line per user to standard
     * output, with the concurrency of {@value #CONCURRENCY} (default 4).
     *
     * @return a builder to adjust or build
     */
    public Migrator.Builder migrator() {
        int concurrency = setting(CONCURRENCY).map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new UsageException(CONCURRENCY + " must be a number, found '" + v + "'");
            }
        }).orElse(Migrator.DEFAULT_CONCURRENCY);
        return Migrator.builder().repairer(repairer).concurrency(concurrency).policy(policy())
                .listener(printingProgress(System.out));
    }

    /**
     * Returns a listener that prints a line per finished user with the run's progress.
     *
     * @param out where to print
     * @return the listener
     */
    public static MigrationListener printingProgress(PrintStream out) {
        return new MigrationListener() {
            @Override
            public void started(int users, boolean dryRun) {
                out.println((dryRun ? "planning" : "migrating") + " " + users + " users");
                out.flush();
            }

            @Override
            public void userFinished(MigrationReport.UserResult result, MigrationProgress progress) {
                out.println("[" + progress.usersDone() + "/" + progress.usersTotal() + "] " + result);
                out.println("    progress: " + progress);
                out.flush();
            }
        };
    }

    /**
     * Returns the service (no background worker: scripts drive it).
     *
     * @return the service
     */
    public MoodSyncService service() {
        return service;
    }

    /**
     * Returns the store of moods.
     *
     * @return the store
     */
    public MongoMoodStore store() {
        return store;
    }

    /**
     * Returns the PDS client.
     *
     * @return the repo
     */
    public PdsAtprotoRepo repo() {
        return repo;
    }

    /**
     * Returns the directory of accounts.
     *
     * @return the directory
     */
    public MongoAccountDirectory accounts() {
        return accounts;
    }

    /**
     * Returns the reconciler on the same parts.
     *
     * @return the reconciler
     */
    public Reconciler reconciler() {
        return reconciler;
    }

    /**
     * Returns the repairer on the same parts (for {@link Migrator}; the service has its own).
     *
     * @return the repairer
     */
    public Repairer repairer() {
        return repairer;
    }

    /**
     * Returns the MongoDB client (closed with this object).
     *
     * @return the client
     */
    public MongoClient mongo() {
        return mongo;
    }

    /**
     * Closes the service, the MongoDB client and the HTTP client's threads and connections. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            service.close();
        } finally {
            closeClients();
        }
    }

    private void closeClients() {
        try {
            mongo.close();
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
            try {
                http.dispatcher().executorService().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String propertyName(String env) {
        return switch (env) {
            case MONGO_URI -> "moodsync.mongo.uri";
            case MONGO_DB -> "moodsync.mongo.db";
            case PDS_URL -> "moodsync.pds.url";
            case USER -> "moodsync.user";
            case HANDLE -> "moodsync.handle";
            case APPLY -> "moodsync.apply";
            case CONCURRENCY -> "moodsync.concurrency";
            case DELETE_ACCOUNT -> "moodsync.deleteAccount";
            case ADMIN_PASSWORD -> "moodsync.pds.adminPassword";
            case MAX_DELETES -> "moodsync.maxDeletes";
            default -> "moodsync." + Arrays.stream(env.replaceFirst("^MOODSYNC_", "").toLowerCase().split("_"))
                    .reduce((a, b) -> a + Character.toUpperCase(b.charAt(0)) + b.substring(1)).orElse("");
        };
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return e instanceof UsageException ? m : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public String toString() {
        return "Ops[db=" + database + ", pds=" + pdsUrl.orElse("(DID documents)") + "]";
    }
}
