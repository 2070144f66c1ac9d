package computer.aesthetic.moodsync.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.shell.Ops;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the JShell scripts for real: {@code examples/jshell/moodsync-jshell.sh} with the JDK's {@code jshell}, against
 * the reference PDS (its first account, wiped before and after) and an embedded MongoDB, as an operator would. The
 * read-only scripts run in parallel (JShell starts slowly).
 */
@ExtendWith(ReferencePdsExtension.class)
class JshellScriptsIT {
    private static final UserId USER = new UserId("auth0|jshell-user");
    private static final long BASE = 1_600_000_000L;
    private static final long TIMEOUT_SECONDS = 240;

    private static RealStack stack;
    private static Did did;
    private static Path root;

    @BeforeAll
    static void start(ReferencePds pds) {
        stack = new RealStack(pds);
        did = RealStack.did(pds.account(0));
        stack.wipe(did);
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        root = Files.isDirectory(dir.resolve("examples/jshell")) ? dir : dir.getParent();
        assertThat(root.resolve("examples/jshell/moodsync-jshell.sh")).isExecutable();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            try {
                stack.wipe(did);
            } finally {
                stack.close();
            }
        }
    }

    /** A finished script: exit code and everything it printed. */
    record Run(int exitCode, String output) {
    }

    @Test
    void checkSyncFindDuplicatesAndMigrateRunDryThenMigrateApplies() throws Exception {
        String db = RealStack.freshDb();
        try {
            // Six moods: 0-2 mirrored by legacy records the store never linked (mood 0 twice), 3-5 never mirrored.
            stack.addUser(db, USER, stack.pds.account(0));
            stack.addHandle(db, USER, "jshellhandle");
            Map<String, Map<String, Object>> records = new LinkedHashMap<>();
            try (Ops ops = Ops.connect(stack.settings(db))) {
                for (int i = 0; i < 6; i++) {
                    MoodId id = MoodId.of(BASE + 60L * i, 0xBEEFL, i);
                    Mood m = new Mood(id, USER, "jshell mood " + i, Instant.ofEpochSecond(id.seconds()), false,
                            Optional.empty(), Optional.empty());
                    ops.store().insertIfAbsent(m);
                    if (i <= 2) {
                        records.put("3m3legacy" + i + "aa2", legacy(m));
                    }
                    if (i == 0) {
                        records.put(MoodRecords.rkeyFor(id).value(), MoodRecords.toRecord(m));
                    }
                }
            }
            stack.create(did, records);
            Map<String, String> before = stack.recordState(did);

            CompletableFuture<Run> check = runAsync("check-sync.jsh", db, Map.of(Ops.USER, USER.value()));
            CompletableFuture<Run> duplicates = runAsync("find-duplicates.jsh", db, Map.of(Ops.HANDLE, "@jshellhandle"));
            CompletableFuture<Run> dryRun = runAsync("migrate.jsh", db, Map.of());
            CompletableFuture<Run> list = runAsync("list-records.jsh", db, Map.of(Ops.USER, USER.value()));
            CompletableFuture<Run> deleteDry = runAsync("delete-duplicates.jsh", db, Map.of(Ops.USER, USER.value()));
            CompletableFuture<Run> relinkDry = runAsync("sync-from-atproto.jsh", db, Map.of(Ops.USER, USER.value()));

            Run c = check.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(c.exitCode()).as(c.output()).isZero();
            assertThat(c.output()).contains("== check-sync").contains("DRY RUN")
                    .contains("user: auth0|jshell-user (@jshellhandle, alice.test, " + did + ")")
                    .contains("MISSING_ON_PDS: 3").contains("UNLINKED: 3").contains("DUPLICATE: 1")
                    .contains("DRIFT: 7 items").contains("CREATE_RECORD: 3").contains("LINK: 3")
                    .contains("DRY RUN: nothing written");

            Run d = duplicates.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(d.exitCode()).as(d.output()).isZero();
            assertThat(d.output()).contains("1 duplicate record of 1 mood").contains("reads only").doesNotContain("DRY RUN")
                    .contains("mood " + MoodId.of(BASE, 0xBEEFL, 0) + ": 1 extra copy")
                    .contains("delete-duplicates.jsh");

            Run plan = dryRun.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(plan.exitCode()).as(plan.output()).isZero();
            assertThat(plan.output()).contains("planning 1 users").contains("PLANNED: 1")
                    .contains("would write 3, delete 1, link 3").contains("DRY RUN: nothing written");

            Run l = list.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(l.exitCode()).as(l.output()).isZero();
            assertThat(l.output()).contains("3m3legacy1aa2").contains("mongoId=" + MoodId.of(BASE + 60, 0xBEEFL, 1))
                    .contains("\"jshell mood 1\"").contains("ref=" + MoodId.of(BASE, 0xBEEFL, 0))
                    .contains("4 records at at://" + did + "/computer.aesthetic.mood: 3 with the legacy mongoId, 0 invalid, "
                            + "4 not linked by any mood")
                    .contains("| reads only").doesNotContain("DRY RUN").doesNotContain("nothing will be written");

            Run dd = deleteDry.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(dd.exitCode()).as(dd.output()).isZero();
            assertThat(dd.output()).contains("would delete at://" + did + "/computer.aesthetic.mood/3m3legacy0aa2")
                    .contains("DRY RUN: 1 duplicate record would be deleted");

            Run rd = relinkDry.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(rd.exitCode()).as(rd.output()).isZero();
            assertThat(rd.output()).contains("would LINK").contains("3 moods to relink, 0 moods to bring back")
                    .contains("DRY RUN: nothing written");
            assertThat(stack.recordState(did)).as("dry runs write nothing").isEqualTo(before);

            Run apply = runAsync("migrate.jsh", db, Map.of(Ops.APPLY, "1")).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(apply.exitCode()).as(apply.output()).isZero();
            assertThat(apply.output()).contains("APPLY: changes will be written").contains("migrating 1 users")
                    .contains("[1/1] MIGRATED auth0|jshell-user").contains("MIGRATED: 1")
                    .doesNotContain("not complete");
            try (Ops ops = Ops.connect(stack.settings(db))) {
                ReconcileReport after = ops.service().reconcile(USER);
                assertThat(after.isInSync()).as(after.toString()).isTrue();
                assertThat(after.recordCount()).isEqualTo(6);
            }

            Run erase = runAsync("erase.jsh", db, Map.of(Ops.HANDLE, "jshellhandle", Ops.APPLY, "true"))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(erase.exitCode()).as(erase.output()).isZero();
            assertThat(erase.output()).contains("erasing: 6 moods in MongoDB, 6 records").contains("VERIFIED")
                    .contains("records deleted: 6");
            assertThat(stack.records(did)).isEmpty();
        } finally {
            stack.db(db).drop();
        }
    }

    @Test
    void followImportsWhatAnotherClientWritesWhileItRuns() throws Exception {
        String db = RealStack.freshDb();
        UserId follower = new UserId("auth0|jshell-follow");
        stack.addUser(db, follower, stack.pds.account(0));
        try {
            CompletableFuture<Run> follow = runAsync("follow.jsh", db, Map.of(Ops.APPLY, "1",
                    "MOODSYNC_PLC_URL", stack.pds.plcUrl(), "MOODSYNC_FOLLOW_SECONDS", "45"));
            // The script follows live from when it connects (JShell starts slowly): write until it has exited.
            for (int i = 0; !follow.isDone() && i < 60; i++) {
                stack.create(did, Map.of("3kjshfollow" + String.format("%02d", i), Map.of("$type",
                        MoodRecords.COLLECTION.toString(), "mood", "from another client " + i,
                        "when", "2026-01-01T00:00:00.000Z")));
                Thread.sleep(2000);
            }
            Run r = follow.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains("following " + stack.pds.url()).contains("IMPORTED " + did)
                    .contains("imported a new record").doesNotContain("DRY RUN");
            try (Ops ops = Ops.connect(stack.settings(db))) {
                try (java.util.stream.Stream<Mood> moods = ops.store().listByUser(follower)) {
                    assertThat(moods.map(Mood::text).toList()).anyMatch(t -> t.startsWith("from another client"));
                }
            }
        } finally {
            stack.wipe(did); // the other tests of this class expect alice's collection as they left it
        }
    }

    @Test
    void aMissingSettingIsReportedPlainlyWithExitCodeOne() throws Exception {
        Run r = run("check-sync.jsh", Map.of(Ops.MONGO_URI, ""), false);
        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("check-sync: MOODSYNC_MONGO_URI is not set").doesNotContain("Exception");
    }

    private CompletableFuture<Run> runAsync(String script, String db, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Ops.MONGO_URI, stack.mongo.connectionString());
        env.put(Ops.MONGO_DB, db);
        env.put(Ops.PDS_URL, stack.pds.url());
        env.putAll(extra);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return run(script, env, true);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Runs a script through the launcher, as an operator would, with the given environment. */
    private static Run run(String script, Map<String, String> env, boolean clean) throws IOException,
            InterruptedException {
        Path out = Files.createTempFile("jshell-" + script, ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("examples/jshell/moodsync-jshell.sh").toString(),
                    root.resolve("examples/jshell/" + script).toString())
                    .directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Map<String, String> e = pb.environment();
            if (clean) {
                e.keySet().removeIf(k -> k.startsWith("MOODSYNC_") || k.equals("APPLY"));
            }
            e.put("JAVA_HOME", System.getProperty("java.home"));
            e.putAll(env);
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(script + " did not exit within " + TIMEOUT_SECONDS + " s (hanging threads?):\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            Run run = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            System.out.println("---- " + script + " " + env.keySet() + " -> exit " + run.exitCode() + "\n" + run.output());
            return run;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Map<String, Object> legacy(Mood m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", m.text());
        r.put("when", AtDatetime.of(m.when()).toString());
        r.put("mongoId", m.id().toString());
        return r;
    }
}
