package computer.aesthetic.moodsync.examples.dualwrite;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import computer.aesthetic.moodsync.Mood;
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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * A worker frozen past its lease (issue 11): the child is paused with SIGSTOP after {@code stopAfterSynced}
     * synced moods (at a batch boundary it is then claiming or writing the next batch; mid-batch it is completing
     * one), a fresh instance takes over its moods once the 3 s leases expire, edits and deletes some of them and
     * drains; then the child is resumed with SIGCONT and goes on from where it froze (its in-flight
     * {@code applyWrites} answer, its completions, further worker passes). Its stale work must be refused: it never
     * reports as synced a mood changed while it was frozen, no edit or delete made meanwhile is undone on the PDS,
     * nothing is lost or duplicated, and both sides agree after the last drain.
     */
    @ParameterizedTest(name = "SIGSTOP after {0} synced moods, take over, SIGCONT")
    @ValueSource(ints = {50, 130})
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aWorkerPausedPastItsLeaseAndResumedWritesNothingStale(int stopAfterSynced, ReferencePds pds)
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
        Set<MoodId> deleted = new LinkedHashSet<>();
        Set<MoodId> syncedByChild = new HashSet<>();
        List<String> afterResume = new ArrayList<>();
        Set<MoodId> changedWhileFrozen = new HashSet<>();
        Map<MoodId, String> edits = new HashMap<>();
        RecordingListener events = new RecordingListener();
        int leftOver;
        try (Child child = startChild(db.getName(), pds.url(), "sync", users)) {
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
            int syncedLines = 0;
            while (syncedLines < stopAfterSynced) {
                line = child.next();
                assertThat(line).as("the child drained before it was paused (else the test proves little)")
                        .isNotEqualTo("DRAINED");
                syncedLines += readLine(line, deleted, syncedByChild) ? 1 : 0;
            }
            signal(child, "STOP");
            // what the child printed between our decision and the signal
            Thread.sleep(200);
            for (String rest; (rest = child.lines.poll()) != null; ) {
                assertThat(rest).isNotIn("EOF", "DRAINED");
                readLine(rest, deleted, syncedByChild);
            }
            leftOver = RealStack.pending(store).size();
            assertThat(leftOver).as("work the paused child left pending").isPositive();
            // Past the child's 3 s leases: its claims are free to take.
            Thread.sleep(CHILD_LEASE.plusSeconds(1).toMillis());

            try (MoodSyncService fresh = MoodSyncService.builder().store(store).repo(repo).accounts(accounts)
                    .listener(events).mode(SyncMode.QUEUED).startWorker(false).batchSize(BATCH)
                    .inlineTimeout(Duration.ofSeconds(1)).lease(Duration.ofSeconds(30))
                    .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).instanceId("parent").build()) {
                // Change moods the child may hold or have written: pending ones (in its frozen batch, or due) and
                // synced ones alike. Its stale writes of them must be refused.
                List<MoodId> live = posted.stream().filter(id -> !deleted.contains(id)).toList();
                for (int i = 0; i < live.size(); i += 7) {
                    MoodId id = live.get(i);
                    if (i % 2 == 0) {
                        String text = "edited by the parent while the child was frozen " + i;
                        fresh.edit(id, text);
                        edits.put(id, text);
                    } else {
                        fresh.delete(id);
                        deleted.add(id);
                    }
                    changedWhileFrozen.add(id);
                }
                RealStack.drain(store, fresh::syncNow, WAIT);
                assertThat(fresh.failed(java.util.Optional.empty())).as("nothing parked").isEmpty();
                assertThat(events.synced()).as("the parent took over while the child was frozen").isPositive();
                for (TestUser u : users) {
                    RealStack.assertExactlyOnce(store, repo, u);
                }

                signal(child, "CONT");
                while (!(line = child.next()).equals("DRAINED")) {
                    afterResume.add(line);
                    readLine(line, deleted, syncedByChild);
                }
                // The resumed child may have left work behind (a marker it put back): the parent drains again.
                RealStack.drain(store, fresh::syncNow, WAIT);
                assertThat(fresh.failed(java.util.Optional.empty())).as("nothing parked").isEmpty();
            }
        }
        // What the resumed child reports as synced must be the current state: a write of the mood as it was when
        // it froze (a create or the old text of a mood edited or deleted meanwhile) must be refused, never reported.
        // (It may legitimately write a changed mood again: a completion that finds its token superseded puts a
        // marker back, and the child's next pass writes the mood as it now is.)
        // (A mood the resumed child deleted itself later is left out: its state moved on by the child's own hand.)
        Set<String> deletedByResumedChild = new HashSet<>();
        afterResume.stream().filter(l -> l.startsWith("DELETED ")).forEach(l -> deletedByResumedChild.add(
                l.split(" ")[1]));
        List<String> stale = new ArrayList<>();
        for (String l : afterResume) {
            String[] f = l.split(" ");
            if (!f[0].equals("SYNCED") || !changedWhileFrozen.contains(MoodId.parse(f[1]))
                    || deletedByResumedChild.contains(f[1])) {
                continue;
            }
            Mood now = store.find(MoodId.parse(f[1])).orElseThrow();
            boolean current = f[2].equals("DELETE") ? now.deleted()
                    : f[3].equals("false") && Integer.toHexString(now.text().hashCode()).equals(f[4]);
            if (!current) {
                stale.add(l + " (now: deleted=" + now.deleted() + ", text=" + now.text() + ")");
            }
        }
        assertThat(stale).as("the resumed child reported a stale write of a mood changed while it was frozen")
                .isEmpty();

        RealStack.assertAllStored(store, posted, deleted);
        int live = 0;
        for (TestUser u : users) {
            assertThat(RealStack.moodsOf(store, u.user())).as("no mood lost or invented for %s", u.user())
                    .hasSize(postedBy.get(u.user()));
            live += RealStack.assertExactlyOnce(store, repo, u);
        }
        assertThat(live).as("live moods").isEqualTo(posted.size() - deleted.size());
        for (Map.Entry<MoodId, String> e : edits.entrySet()) {
            assertThat(store.find(e.getKey()).orElseThrow().text()).as("the parent's edit of %s stands", e.getKey())
                    .isEqualTo(e.getValue());
        }
        System.out.printf("SIGSTOP after %d synced: %d moods left pending by the frozen child; the parent changed %d"
                + " and wrote %d (%s); the resumed child printed %d lines (%d SYNCED) before draining%n",
                stopAfterSynced, leftOver, changedWhileFrozen.size(), events.synced(), events, afterResume.size(),
                afterResume.stream().filter(l -> l.startsWith("SYNCED ")).count());
    }

    /** Records a DELETED or SYNCED line; true for a SYNCED line. */
    private static boolean readLine(String line, Set<MoodId> deleted, Set<MoodId> synced) {
        String[] f = line.split(" ");
        if (f[0].equals("DELETED")) {
            deleted.add(MoodId.parse(f[1]));
        } else if (f[0].equals("SYNCED")) {
            synced.add(MoodId.parse(f[1]));
            return true;
        }
        return false;
    }

    /** Sends a signal ({@code STOP}, {@code CONT}) to the child with {@code kill}. */
    private static void signal(Child child, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.process.pid()))
                .redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s returned", signal).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d: %s", signal, child.process.pid(),
                new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
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
