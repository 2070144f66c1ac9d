package computer.aesthetic.moodsync.examples.dualwrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.MoodSyncService;
import computer.aesthetic.moodsync.SyncMode;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.dualwrite.RealStack.TestUser;
import computer.aesthetic.moodsync.mongo.MongoAccountDirectory;
import computer.aesthetic.moodsync.mongo.MongoMoodStore;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.PdsAtprotoRepo;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash consistency with a real crash: a child JVM posts several hundred moods for two users in {@code QUEUED} mode
 * against the real reference PDS and MongoDB, drives the worker in batches of 50, and is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) after a given number of synced moods (in the middle of a batch: after its
 * {@code applyWrites} landed, while the store is being updated), or right after posting. A fresh service in this JVM
 * then takes over once the child's 3 s leases expire, and runs the worker dry: every mood is synced exactly once.
 */
@ExtendWith(ReferencePdsExtension.class)
class KillDashNineIT {
    private static final int PER_USER = 200;
    private static final int BATCH = 50;
    private static final Duration CHILD_LEASE = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    /** A running child and the lines it printed. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader;
        final Path log;

        Child(Process process, Path log) {
            this.process = process;
            this.log = log;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child died: its pipe is closed
                }
                lines.add("EOF");
            }, "kill-dash-nine-child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        String next() throws InterruptedException, IOException {
            String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(line).as("the child printed a line in time (its stderr: %s)", log).isNotNull();
            if (line.equals("EOF")) {
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the child died on its own (exit " + (process.isAlive() ? "-"
                        : process.exitValue()) + "); the end of its stderr (" + log + "):\n" + tail());
            }
            return line;
        }

        String tail() throws IOException {
            List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * @param killAfterSynced kill the child after this many SYNCED lines, or -1 to kill it right after it posted
     *     everything (before any sync)
     */
    @ParameterizedTest(name = "kill -9 after {0} synced moods (-1: right after posting)")
    @ValueSource(ints = {-1, 75, 160})
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aKilledAppInstanceLeavesEveryMoodSyncedExactlyOnceAfterRestart(int killAfterSynced, ReferencePds pds)
            throws Exception {
        MongoDatabase db = MONGO.database();
        List<TestUser> users = RealStack.seedUsers(db, pds, 2);
        MongoMoodStore store = MongoMoodStore.builder(db).build();
        MongoAccountDirectory accounts = MongoAccountDirectory.builder(db).build();
        PdsAtprotoRepo repo = RealStack.repo(pds.url(), accounts).build();
        for (TestUser u : users) {
            RealStack.wipe(repo, u.did());
        }

        List<MoodId> posted = new ArrayList<>();
        Map<UserId, Integer> postedBy = new HashMap<>();
        List<MoodId> deleted = new ArrayList<>();
        int syncedLines = 0;
        boolean drained = false;
        try (Child child = startChild(db.getName(), pds.url(), killAfterSynced < 0 ? "post-only" : "sync", users)) {
            String line;
            while (!(line = child.next()).equals("POSTED-ALL")) {
                String[] f = line.split(" ");
                if (f[0].equals("POSTED")) {
                    posted.add(MoodId.parse(f[1]));
                    postedBy.merge(new UserId(f[2]), 1, Integer::sum);
                } else if (f[0].equals("DELETED")) {
                    deleted.add(MoodId.parse(f[1]));
                }
            }
            assertThat(posted).hasSize(PER_USER * users.size());
            while (killAfterSynced >= 0 && syncedLines < killAfterSynced) {
                line = child.next();
                if (line.startsWith("SYNCED ")) {
                    syncedLines++;
                } else if (line.startsWith("DELETED ")) {
                    deleted.add(MoodId.parse(line.split(" ")[1]));
                } else if (line.equals("DRAINED")) {
                    drained = true;
                    break;
                }
            }
            child.process.destroyForcibly(); // SIGKILL: no shutdown hook, no finally, no lease released
            assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).as("the child died").isTrue();
            // what the child managed to print between our decision and its death
            child.reader.join(TimeUnit.SECONDS.toMillis(10));
            for (String rest : child.lines) {
                if (rest.startsWith("DELETED ")) {
                    deleted.add(MoodId.parse(rest.split(" ")[1]));
                } else if (rest.startsWith("SYNCED ")) {
                    syncedLines++;
                } else if (rest.equals("DRAINED")) {
                    drained = true;
                }
            }
        }
        assertThat(drained).as("the child was killed before it finished syncing (else the test proves little)")
                .isFalse();
        int leftOver = RealStack.pending(store).size();
        assertThat(leftOver).as("work left behind by the killed child").isPositive();
        // records the child wrote (its applyWrites landed) that the store does not link yet: the mid-batch state
        int ahead = 0;
        for (TestUser u : users) {
            long linked = RealStack.moodsOf(store, u.user()).stream()
                    .filter(m -> !m.deleted() && m.rkey().isPresent()).count();
            ahead += (int) (RealStack.records(repo, u.did()).size() - linked);
        }

        // A fresh app instance on the same MongoDB and PDS; the child's leases expire after 3 s.
        RecordingListener events = new RecordingListener();
        try (MoodSyncService fresh = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                .listener(events).mode(SyncMode.QUEUED).startWorker(false).batchSize(BATCH)
                .inlineTimeout(Duration.ofSeconds(1)).lease(Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).instanceId("parent").build()) {
            RealStack.drain(store, fresh::syncNow, WAIT);
            assertThat(fresh.failed(java.util.Optional.empty())).as("nothing parked").isEmpty();
        }

        RealStack.assertAllStored(store, posted, deleted);
        int live = 0;
        for (TestUser u : users) {
            assertThat(RealStack.moodsOf(store, u.user())).as("no mood lost or invented for %s", u.user())
                    .hasSize(postedBy.get(u.user()));
            live += RealStack.assertExactlyOnce(store, repo, u);
        }
        assertThat(live).as("live moods").isEqualTo(posted.size() - deleted.size());
        System.out.printf("kill after %d synced: child printed %d SYNCED lines; %d moods left pending, %d records on"
                + " the PDS not yet linked in the store; the fresh instance wrote %d (%s)%n", killAfterSynced,
                syncedLines, leftOver, ahead, events.synced(), events);
    }

    private static Child startChild(String dbName, String pdsUrl, String phase, List<TestUser> users)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Xmx256m",
                KillDashNineChild.class.getName(),
                MONGO.connectionString(), dbName, pdsUrl, phase, Integer.toString(PER_USER), Integer.toString(BATCH),
                Long.toString(CHILD_LEASE.toMillis())));
        for (TestUser u : users) {
            command.add(u.user().value());
        }
        Path logDir = Path.of("target", "kill-dash-nine");
        Files.createDirectories(logDir);
        File log = logDir.resolve("child-" + phase + "-" + System.nanoTime() + ".stderr.log").toFile();
        Process p = new ProcessBuilder(command).redirectError(log).start();
        p.getOutputStream().close();
        return new Child(p, log.toPath());
    }
}
