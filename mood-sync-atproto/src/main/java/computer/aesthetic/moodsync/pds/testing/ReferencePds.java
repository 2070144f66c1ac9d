package computer.aesthetic.moodsync.pds.testing;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A real ATProto reference PDS ({@code @atproto/pds}) plus an in-memory PLC directory, running as a
 * child process ({@code testing/pds/run.sh}) on 127.0.0.1 for integration tests.
 *
 * <p>Most tests should use {@link ReferencePdsExtension}, which shares one instance per test run. A test
 * class that needs its own instance (for example with rate limits enabled) can call
 * {@link #start(Options)} in {@code @BeforeAll} and {@link #close()} in {@code @AfterAll}.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code moodsync.pds.startTimeoutSeconds}: how long to wait for the ready line (default 600;
 *       the first run includes {@code npm ci}, about 2 minutes);</li>
 *   <li>{@code moodsync.pds.dir}: the {@code testing/pds} directory (default: found by walking up from
 *       the working directory);</li>
 *   <li>{@code moodsync.pds.logDir}: where the child's output is logged (default
 *       {@code target/reference-pds}).</li>
 * </ul>
 */
public final class ReferencePds implements AutoCloseable {

    /**
     * A test account created at start-up. {@link #toString()} does not show the password.
     *
     * @param handle the handle, such as {@code alice.test}
     * @param did the account's DID
     * @param password the account's password
     */
    public record Account(String handle, String did, String password) {
        /** Validates presence. */
        public Account {
            Objects.requireNonNull(handle, "handle");
            Objects.requireNonNull(did, "did");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Account[handle=" + handle + ", did=" + did + ", password=***]";
        }
    }

    /**
     * Start-up options.
     *
     * @param rateLimits whether the PDS rate limiter is enabled ({@code PDS_RATE_LIMITS_ENABLED=true})
     * @param accounts how many test accounts to create ({@code alice.test}, {@code bob.test}, ...)
     * @param env further {@code PDS_*} variables for the harness, such as {@code PDS_REPO_BACKFILL_LIMIT_MS} or
     *     {@code PDS_MAX_SUBSCRIPTION_BUFFER} (see {@code testing/pds/start.js})
     */
    public record Options(boolean rateLimits, int accounts, Map<String, String> env) {
        public Options {
            if (accounts < 0 || accounts > 1000) {
                throw new IllegalArgumentException("accounts must be 0..1000: " + accounts);
            }
            env = Map.copyOf(env);
            for (String name : env.keySet()) {
                if (!name.startsWith("PDS_")) {
                    throw new IllegalArgumentException("only PDS_* variables may be set: " + name);
                }
            }
        }

        /** Options with no further variables. */
        public Options(boolean rateLimits, int accounts) {
            this(rateLimits, accounts, Map.of());
        }

        /** No rate limits, three accounts. */
        public static Options defaults() {
            return new Options(false, 3);
        }

        public Options withRateLimits(boolean enabled) {
            return new Options(enabled, accounts, env);
        }

        public Options withAccounts(int count) {
            return new Options(rateLimits, count, env);
        }

        /** These options plus one {@code PDS_*} variable for the harness. */
        public Options withEnv(String name, String value) {
            Map<String, String> more = new java.util.HashMap<>(env);
            more.put(name, value);
            return new Options(rateLimits, accounts, more);
        }
    }

    public static final String START_TIMEOUT_PROPERTY = "moodsync.pds.startTimeoutSeconds";
    public static final String DIR_PROPERTY = "moodsync.pds.dir";
    public static final String LOG_DIR_PROPERTY = "moodsync.pds.logDir";

    private static final long DEFAULT_START_TIMEOUT_SECONDS = 600;
    private static final int TAIL_LINES = 60;
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(5);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final OutputStream stdin;
    private final Path logFile;
    private final BufferedWriter log;
    private final Deque<String> tail = new ArrayDeque<>();
    private final CompletableFuture<JsonNode> readyLine = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private final List<Thread> pumps = new ArrayList<>();

    private volatile String url;
    private volatile String plcUrl;
    private volatile String adminPassword;
    private volatile boolean rateLimits;
    private volatile List<Account> accounts = List.of();

    /** Starts a PDS with {@link Options#defaults()}. */
    public static ReferencePds start() {
        return start(Options.defaults());
    }

    /**
     * Starts a PDS and waits until it is ready and its accounts exist.
     *
     * @throws IllegalStateException if node/npm are missing, the harness cannot be found, or the PDS
     *     does not become ready in time (the message includes the last lines of its output)
     */
    public static ReferencePds start(Options options) {
        Objects.requireNonNull(options, "options");
        requireOnPath("node", "npm");
        Path dir = locateHarnessDir();
        return new ReferencePds(dir, options);
    }

    private ReferencePds(Path dir, Options options) {
        Path runScript = dir.resolve("run.sh");
        if (!Files.isRegularFile(runScript)) {
            throw new IllegalStateException("reference PDS harness script not found: " + runScript);
        }
        this.logFile = newLogFile();
        try {
            Files.createDirectories(logFile.getParent());
            this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create reference PDS log file " + logFile, e);
        }

        List<String> command = List.of("bash", runScript.toString());
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = builder.environment();
        env.put("PDS_ACCOUNTS", Integer.toString(options.accounts()));
        env.put("PDS_RATE_LIMITS_ENABLED", Boolean.toString(options.rateLimits()));
        env.remove("PDS_PORT");
        env.remove("PDS_IGNORE_STDIN");
        env.putAll(options.env());
        logLine("# " + LocalDateTime.now() + " starting " + String.join(" ", command) + " in " + dir
                + " with " + options);

        Duration timeout = startTimeout();
        try {
            this.process = builder.start();
        } catch (IOException e) {
            closeLog();
            throw new IllegalStateException("could not start the reference PDS (" + String.join(" ", command)
                    + " in " + dir + "): " + e.getMessage(), e);
        }
        // Keep stdin open: start.js exits when it reaches EOF, i.e. when this JVM goes away.
        this.stdin = process.getOutputStream();
        this.shutdownHook = new Thread(this::close, "reference-pds-shutdown-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        pumps.add(pump(process.getInputStream(), "stdout", true));
        pumps.add(pump(process.getErrorStream(), "stderr", false));

        JsonNode ready;
        try {
            ready = readyLine.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            String message = failureMessage("did not become ready within " + timeout.toSeconds() + " s (set -D"
                    + START_TIMEOUT_PROPERTY + "=N to wait longer)");
            close();
            throw new IllegalStateException(message);
        } catch (ExecutionException e) {
            waitQuietly(Duration.ofSeconds(5));
            joinPumps(); // so that the failure message has the last stderr lines
            String message = failureMessage(e.getCause().getMessage());
            close();
            throw new IllegalStateException(message, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the reference PDS", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        try {
            parseReady(ready);
        } catch (RuntimeException e) {
            String message = failureMessage("unexpected ready line: " + ready + " (" + e.getMessage() + ")");
            close();
            throw new IllegalStateException(message, e);
        }
    }

    /** Base URL of the PDS, e.g. {@code http://127.0.0.1:40123} (no trailing slash). */
    public String url() {
        return url;
    }

    /** Base URL of the in-memory PLC directory. */
    public String plcUrl() {
        return plcUrl;
    }

    /** Admin password (HTTP Basic {@code admin:<password>}). */
    public String adminPassword() {
        return adminPassword;
    }

    /** Whether the PDS rate limiter is enabled. */
    public boolean rateLimits() {
        return rateLimits;
    }

    /** The test accounts, in creation order ({@code alice.test}, {@code bob.test}, ...). */
    public List<Account> accounts() {
        return accounts;
    }

    /** The account at {@code index} in {@link #accounts()}. */
    public Account account(int index) {
        return accounts.get(index);
    }

    /** The file the child's stdout/stderr is logged to. */
    public Path logFile() {
        return logFile;
    }

    /** Whether the child process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops the PDS: closes its stdin (the harness then shuts down and deletes its data directory), after
     * a grace period sends SIGTERM to it and its descendants, and after another one kills whatever is
     * left. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | SecurityException e) {
            // already shutting down (we may be running in the hook itself)
        }
        // Collect descendants first: once the parent dies they are re-parented and out of reach.
        List<ProcessHandle> descendants = process.descendants().toList();
        try {
            stdin.close();
        } catch (IOException e) {
            // the child may already be gone
        }
        // start.js shuts down cleanly (and deletes its data directory) on stdin EOF; give it a moment
        // before signalling, because Process.destroy() also closes our ends of its stdout/stderr.
        waitQuietly(GRACEFUL_STOP);
        if (process.isAlive()) {
            process.destroy();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + GRACEFUL_STOP.toNanos();
        waitUntil(process.toHandle(), deadline);
        descendants.forEach(handle -> waitUntil(handle, deadline));
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            waitQuietly(Duration.ofSeconds(5));
        }
        joinPumps();
        logLine("# " + LocalDateTime.now() + " stopped" + (process.isAlive() ? " (still alive!)"
                : ", exit code " + process.exitValue()));
        closeLog();
    }

    @Override
    public String toString() {
        return "ReferencePds[url=" + url + ", rateLimits=" + rateLimits + ", accounts=" + accounts.size()
                + ", pid=" + process.pid() + "]";
    }

    // --- start-up helpers ---------------------------------------------------------------------

    private void parseReady(JsonNode ready) {
        String parsedUrl = requiredString(ready, "url");
        this.url = parsedUrl.endsWith("/") ? parsedUrl.substring(0, parsedUrl.length() - 1) : parsedUrl;
        this.plcUrl = ready.hasNonNull("plcUrl") ? ready.get("plcUrl").asString() : null;
        this.adminPassword = requiredString(ready, "adminPassword");
        this.rateLimits = ready.path("rateLimits").asBoolean(false);
        List<Account> list = new ArrayList<>();
        JsonNode array = ready.get("accounts");
        if (array != null && array.isArray()) {
            for (JsonNode a : array) {
                list.add(new Account(requiredString(a, "handle"), requiredString(a, "did"),
                        requiredString(a, "password")));
            }
        }
        this.accounts = List.copyOf(list);
    }

    private static String requiredString(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new IllegalArgumentException("missing string field '" + field + "'");
        }
        return value.asString();
    }

    private Thread pump(InputStream in, String name, boolean watchForReady) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    logLine("[" + name + "] " + line);
                    if (watchForReady && !readyLine.isDone() && line.startsWith("{")) {
                        tryReady(line);
                    } else if (!watchForReady) {
                        synchronized (tail) {
                            tail.addLast(line);
                            while (tail.size() > TAIL_LINES) {
                                tail.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                if (!closed.get()) {
                    logLine("# error reading " + name + ": " + e);
                }
            } finally {
                if (watchForReady) {
                    readyLine.completeExceptionally(new IllegalStateException(
                            "the process closed its stdout before printing the ready line"));
                }
            }
        }, "reference-pds-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void tryReady(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            if (node.path("ready").asBoolean(false)) {
                readyLine.complete(node);
            }
        } catch (RuntimeException e) {
            logLine("# ignoring unparsable stdout line: " + e.getMessage());
        }
    }

    private String failureMessage(String reason) {
        StringBuilder sb = new StringBuilder("The reference PDS (testing/pds/run.sh) failed to start: ")
                .append(reason);
        if (!process.isAlive()) {
            sb.append("; exit code ").append(process.exitValue());
        }
        sb.append(". Full log: ").append(logFile.toAbsolutePath());
        List<String> lines;
        synchronized (tail) {
            lines = new ArrayList<>(tail);
        }
        if (lines.isEmpty()) {
            sb.append(" (no stderr output)");
        } else {
            sb.append("\nLast ").append(lines.size()).append(" stderr line(s):");
            for (String l : lines) {
                sb.append("\n  ").append(l);
            }
        }
        return sb.toString();
    }

    private synchronized void logLine(String line) {
        try {
            if (log != null) {
                log.write(line);
                log.newLine();
                log.flush();
            }
        } catch (IOException e) {
            // logging is best effort (the writer may be closed during shutdown)
        }
    }

    private synchronized void closeLog() {
        try {
            log.close();
        } catch (IOException e) {
            // ignore
        }
    }

    private void joinPumps() {
        for (Thread pump : pumps) {
            try {
                pump.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void waitQuietly(Duration duration) {
        try {
            process.waitFor(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntil(ProcessHandle handle, long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0 || !handle.isAlive()) {
            return;
        }
        try {
            handle.onExit().get(remaining, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // fall through to destroyForcibly
        }
    }

    private static Duration startTimeout() {
        String value = System.getProperty(START_TIMEOUT_PROPERTY);
        if (value == null || value.isBlank()) {
            return Duration.ofSeconds(DEFAULT_START_TIMEOUT_SECONDS);
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds <= 0) {
                throw new NumberFormatException("must be positive");
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(START_TIMEOUT_PROPERTY + " must be a positive number of seconds: "
                    + value, e);
        }
    }

    private static Path newLogFile() {
        String configured = System.getProperty(LOG_DIR_PROPERTY);
        Path dir = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.dir"), "target", "reference-pds");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return dir.resolve("pds-" + stamp + "-" + ProcessHandle.current().pid() + "-"
                + INSTANCES.incrementAndGet() + ".log");
    }

    /** Finds {@code testing/pds} by walking up from the working directory. */
    static Path locateHarnessDir() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isRegularFile(dir.resolve("package.json"))) {
                throw new IllegalStateException("-D" + DIR_PROPERTY + "=" + configured
                        + " does not contain package.json");
            }
            return dir;
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("testing").resolve("pds");
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("could not find testing/pds/package.json in " + start
                + " or any parent directory; run the tests from inside the mood-sync checkout or set -D"
                + DIR_PROPERTY + "=/path/to/testing/pds");
    }

    /** Fails with installation instructions when a required command is not on the PATH. */
    static void requireOnPath(String... commands) {
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        List<String> missing = new ArrayList<>();
        for (String command : commands) {
            if (!onPath(command, path)) {
                missing.add(command);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("The reference PDS integration tests need Node.js 20+ and npm, but "
                    + String.join(" and ", missing.stream().map(c -> "'" + c + "'").toList())
                    + (missing.size() == 1 ? " is" : " are") + " not on the PATH (PATH=" + path + "). "
                    + "Install Node.js 20 with npm, e.g. 'sudo apt-get install nodejs npm' (Debian/Ubuntu; "
                    + "check 'node -v' is 20 or newer), 'brew install node@20' (macOS), or from "
                    + "https://nodejs.org/, then run the tests again. The first run installs testing/pds "
                    + "with 'npm ci' (about 2 minutes; needs the npm registry and a C++ toolchain for "
                    + "better-sqlite3). To skip integration tests, run Maven with -DskipITs.");
        }
    }

    private static boolean onPath(String command, String path) {
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }
}
