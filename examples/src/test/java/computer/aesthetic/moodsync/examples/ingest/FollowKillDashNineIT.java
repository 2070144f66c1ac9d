package computer.aesthetic.moodsync.examples.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.Changes;
import computer.aesthetic.moodsync.examples.ingest.FollowStack.OtherClient;
import computer.aesthetic.moodsync.ingest.Follower;
import computer.aesthetic.moodsync.ingest.IngestChange;
import computer.aesthetic.moodsync.mongo.testing.MongoTestExtension;
import computer.aesthetic.moodsync.pds.sync.FirehoseEventSource;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A follower in a child JVM is killed with SIGKILL in the middle of a stream of another client's creates, edits and
 * deletes; a fresh follower in this JVM takes over once the child's 3 s lease has stood still and continues from the
 * saved cursor: MongoDB ends equal to the PDS, no record is imported twice, none is lost.
 */
@ExtendWith(ReferencePdsExtension.class)
class FollowKillDashNineIT {
    private static final int RECORDS = 80;
    private static final int KILL_AFTER_IMPORTS = 25;
    private static final Duration LEASE = Duration.ofSeconds(3);

    @RegisterExtension
    static final MongoTestExtension MONGO = new MongoTestExtension();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aFollowerKilledMidStreamResumesWithEveryEventAppliedExactlyOnce(ReferencePds pds) throws Exception {
        ReferencePds.Account account = pds.account(1);
        try (FollowStack stack = new FollowStack(MONGO.database(), pds)) {
            UserId user = stack.user(account);
            OtherClient other = new OtherClient(stack.http, pds, account);
            Map<String, Integer> childImports = new HashMap<>();
            Process child = startChild(stack, pds);
            BlockingQueue<String> lines = reader(child);
            try {
                assertThat(next(lines)).isEqualTo("ACTIVE");
                // warm up: until the child imports one record, it may not be connected yet
                String warm = null;
                for (int i = 0; warm == null; i++) {
                    String rkey = "3kkillwarm" + String.format("%03d", i);
                    other.put(rkey, "warm-up " + i);
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (warm == null && System.nanoTime() < until) {
                        String line = lines.poll(200, TimeUnit.MILLISECONDS);
                        if (line != null && line.startsWith("CHANGE IMPORTED " + rkey)) {
                            warm = rkey;
                        }
                    }
                    assertThat(i).as("the child imported a warm-up record").isLessThan(10);
                }

                // Another client writes RECORDS creates, editing every 4th and deleting every 7th as it goes.
                Map<String, String> expected = new HashMap<>();
                Set<String> deleted = new HashSet<>();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        for (int i = 0; i < RECORDS; i++) {
                            String rkey = "3kkill" + String.format("%05d", i);
                            other.put(rkey, "record " + i);
                            synchronized (expected) {
                                expected.put(rkey, "record " + i);
                            }
                            if (i % 4 == 3) {
                                String prev = "3kkill" + String.format("%05d", i - 1);
                                other.put(prev, "record " + (i - 1) + " edited");
                                synchronized (expected) {
                                    expected.put(prev, "record " + (i - 1) + " edited");
                                    deleted.remove(prev); // putRecord recreates a deleted record
                                }
                            }
                            if (i % 7 == 6) {
                                other.delete(rkey);
                                synchronized (expected) {
                                    deleted.add(rkey);
                                }
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                int imports = 0;
                while (imports < KILL_AFTER_IMPORTS) {
                    String line = next(lines);
                    if (line.startsWith("CHANGE IMPORTED ")) {
                        imports++;
                        childImports.merge(line.split(" ")[2], 1, Integer::sum);
                    }
                }
                child.destroyForcibly(); // SIGKILL: no lease released, no cursor flushed
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(200);
                for (String line : lines) {
                    if (line.startsWith("CHANGE IMPORTED ")) {
                        childImports.merge(line.split(" ")[2], 1, Integer::sum);
                    }
                }
                assertThat(writer.isDone()).as("the child was killed while the other client still wrote").isFalse();

                Changes parent = new Changes();
                try (FirehoseEventSource source = stack.source().build();
                        Follower follower = stack.follower(source, parent).leaseTime(LEASE).owner("parent")
                                .build()) {
                    follower.start();
                    writer.get(3, TimeUnit.MINUTES);
                    try {
                        FollowStack.await("MongoDB equals the PDS", () -> matches(stack, user, expected, deleted));
                    } catch (AssertionError e) {
                        List<String> diff = new ArrayList<>();
                        synchronized (expected) {
                            for (Map.Entry<String, String> x : expected.entrySet()) {
                                Mood m = stack.moodAt(user, x.getKey()).orElse(null);
                                diff.add(x.getKey() + " expected " + x.getValue() + (deleted.contains(x.getKey())
                                        ? " (deleted)" : "") + ", found " + (m == null ? "none"
                                        : m.text() + (m.deleted() ? " (deleted)" : "")));
                            }
                        }
                        diff.sort(null);
                        throw new AssertionError(e.getMessage() + "\n" + String.join("\n", diff) + "\nparent: "
                                + parent.all + "\nchild imports: " + childImports + "\nstats: " + follower.stats(), e);
                    }
                    Map<String, Integer> all = new HashMap<>(childImports);
                    for (IngestChange c : parent.of(IngestChange.Kind.IMPORTED)) {
                        all.merge(c.rkey().orElseThrow().toString(), 1, Integer::sum);
                    }
                    assertThat(all.entrySet()).as("no record imported twice").allSatisfy(e ->
                            assertThat(e.getValue()).as(e.getKey()).isEqualTo(1));
                    // A resync lists the repository and would import a record whose event was lost, hiding the loss:
                    // the standby must have caught up from the saved cursor alone.
                    assertThat(follower.stats().resyncs()).as("resyncs by the standby (they could hide a lost event)")
                            .isZero();
                    List<Mood> moods = stack.moods(user);
                    assertThat(new HashSet<>(moods.stream().map(m -> m.rkey().orElseThrow()).toList()))
                            .as("one mood per record key, none invented").hasSize(moods.size());
                    System.out.printf("follow IT: kill -9 after %d child imports; the parent imported %d, edited %d,"
                            + " deleted %d, skipped %d as echoes, resynced %d%n", childImports.size(),
                            parent.count(IngestChange.Kind.IMPORTED), parent.count(IngestChange.Kind.EDITED),
                            parent.count(IngestChange.Kind.DELETED), follower.stats().echoes(),
                            follower.stats().resyncs());
                }
            } finally {
                child.destroyForcibly();
            }
        }
    }

    private static boolean matches(FollowStack stack, UserId user, Map<String, String> expected,
            Set<String> deleted) {
        Map<String, String> copy;
        synchronized (expected) {
            copy = new HashMap<>(expected);
        }
        if (copy.size() < RECORDS) {
            return false;
        }
        for (Map.Entry<String, String> e : copy.entrySet()) {
            Mood m = stack.moodAt(user, e.getKey()).orElse(null);
            boolean gone = deleted.contains(e.getKey());
            if (gone && (m == null || m.deleted())) {
                continue; // a record deleted before it was seen is never imported (its create is superseded)
            }
            if (m == null || m.deleted() != gone
                    || (!m.deleted() && !m.text().equals(e.getValue()))) {
                return false;
            }
        }
        return true;
    }

    private static String next(BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(FollowStack.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(line).as("the child printed a line in time").isNotNull();
        assertThat(line).as("the child is alive").isNotEqualTo("EOF");
        return line;
    }

    private static BlockingQueue<String> reader(Process p) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child died
            }
            lines.add("EOF");
        }, "follower-child-stdout");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    private static Process startChild(FollowStack stack, ReferencePds pds) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", FollowerChild.class.getName(),
                MONGO.connectionString(), stack.db.getName(), pds.url(), pds.plcUrl(),
                Long.toString(LEASE.toMillis())));
        Path logDir = Path.of("target", "follow-kill-dash-nine");
        Files.createDirectories(logDir);
        File log = logDir.resolve("child-" + System.nanoTime() + ".stderr.log").toFile();
        Process p = new ProcessBuilder(command).redirectError(log).start();
        p.getOutputStream().close();
        return p;
    }
}
