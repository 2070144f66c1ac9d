package computer.aesthetic.moodsync.examples.ops;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.examples.shell.Ops;
import computer.aesthetic.moodsync.pds.testing.ReferencePds;
import computer.aesthetic.moodsync.pds.testing.ReferencePdsExtension;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.reconcile.DriftKind;
import computer.aesthetic.moodsync.reconcile.MigrationReport;
import computer.aesthetic.moodsync.reconcile.ReconcileReport;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.TidClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A migration killed with {@code kill -9} ({@link Process#destroyForcibly()}) in the middle of its run, in a child
 * JVM, then run again in this JVM, ends in the same state as an uninterrupted migration of the same data, with no
 * duplicate record. Uses the PDS's first two accounts (wiped before and after) and three users without an account.
 */
@ExtendWith(ReferencePdsExtension.class)
class MigrateKillIT {
    private static final UserId ALICE = new UserId("auth0|kill-alice");
    private static final UserId BOB = new UserId("auth0|kill-bob");
    private static final List<UserId> NO_ACCOUNT = List.of(new UserId("auth0|kill-nobody-1"),
            new UserId("auth0|kill-nobody-2"), new UserId("auth0|kill-nobody-3"));
    private static final long BASE = 1_650_000_000L;

    private static RealStack stack;
    private static Did alice;
    private static Did bob;

    @BeforeAll
    static void start(ReferencePds pds) {
        stack = new RealStack(pds);
        alice = RealStack.did(pds.account(0));
        bob = RealStack.did(pds.account(1));
        stack.wipe(alice);
        stack.wipe(bob);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            try {
                stack.wipe(alice);
                stack.wipe(bob);
            } finally {
                stack.close();
            }
        }
    }

    /** Everything both sides hold after a migration. */
    record EndState(Map<String, String> aliceRecords, Map<String, String> bobRecords, Map<UserId, List<Mood>> moods) {
    }

    @Test
    void killedMidRunThenRunAgainEndsLikeAnUninterruptedRunWithNoDuplicates() throws Exception {
        // 1. The reference: the same data migrated without interruption.
        String cleanDb = RealStack.freshDb();
        EndState expected;
        try (Ops ops = Ops.connect(stack.settings(cleanDb))) {
            seed(cleanDb, ops);
            MigrationReport report = ops.migrator().build().migrate(Optional.empty());
            assertThat(report.isComplete()).as(report.toString()).isTrue();
            expected = endState(ops);
        } finally {
            stack.db(cleanDb).drop();
            stack.wipe(alice);
            stack.wipe(bob);
        }
        assertThat(expected.aliceRecords()).hasSize(400 + 30);
        assertThat(expected.bobRecords()).hasSize(150);

        // 2. The same data, migrated by a child JVM killed with SIGKILL once it has written a few batches.
        String db = RealStack.freshDb();
        try {
            try (Ops ops = Ops.connect(stack.settings(db))) {
                seed(db, ops);
            }
            List<String> output = killMidRun(db);
            assertThat(output).as("the child's output").anyMatch(l -> l.startsWith("batch"))
                    .noneMatch(l -> l.equals("DONE"));

            try (Ops ops = Ops.connect(stack.settings(db))) {
                // The kill left work undone...
                long drift = 0;
                for (UserId user : List.of(ALICE, BOB)) {
                    ReconcileReport r = ops.service().reconcile(user);
                    drift += r.driftCount();
                }
                assertThat(drift).as("drift left by the killed run (else it was killed too late)").isPositive();

                // 3. ... which running the migration again finishes.
                MigrationReport again = ops.migrator().build().migrate(Optional.empty());
                assertThat(again.isComplete()).as(again.toString()).isTrue();
                assertThat(again.usersWithoutAccount()).containsExactlyElementsOf(NO_ACCOUNT);
                EndState actual = endState(ops);
                assertThat(actual).isEqualTo(expected);
                for (Did did : List.of(alice, bob)) {
                    assertThat(stack.recordsPerMood(did)).as("records per mood in %s", did)
                            .allSatisfy((mood, n) -> assertThat(n).as(mood).isEqualTo(1));
                }
                for (UserId user : List.of(ALICE, BOB)) {
                    ReconcileReport r = ops.service().reconcile(user);
                    assertThat(r.isInSync()).as(r.toString()).isTrue();
                    assertThat(r.count(DriftKind.DUPLICATE)).isZero();
                }
            }
        } finally {
            stack.db(db).drop();
        }
    }

    /** Starts MigrateMain in a child JVM, waits for its third batch, kills it with SIGKILL; returns its output. */
    private List<String> killMidRun(String db) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(RealStack.javaBin(), "-cp", RealStack.classPath(),
                MigrateMain.class.getName(), stack.mongo.connectionString(), db, stack.pds.url())
                .redirectErrorStream(true);
        Process child = pb.start();
        List<String> lines = new ArrayList<>();
        CountDownLatch batches = new CountDownLatch(3);
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (line.startsWith("batch")) {
                        batches.countDown();
                    }
                }
            } catch (java.io.IOException e) {
                // the child was killed
            }
        });
        try {
            boolean progressed = batches.await(120, TimeUnit.SECONDS);
            assertThat(progressed).as("the child reported progress: %s", lines).isTrue();
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
            reader.get(30, TimeUnit.SECONDS);
        } finally {
            child.destroyForcibly();
        }
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /**
     * Alice: 400 moods never mirrored, 30 mirrored by legacy mongoId records that the store never linked, 10 of
     * those with a second copy at rkeyFor(id), and 5 deleted moods whose legacy records are still there. Bob: 150
     * moods never mirrored. Three users without an account, 4 moods each.
     */
    private static void seed(String db, Ops ops) {
        stack.addUser(db, ALICE, stack.pds.account(0));
        stack.addUser(db, BOB, stack.pds.account(1));
        TidClock server = TidClock.of(Clock.fixed(Instant.parse("2025-10-09T12:00:00Z"), ZoneOffset.UTC), 11);
        Map<String, Map<String, Object>> aliceRecords = new LinkedHashMap<>();
        for (int i = 0; i < 435; i++) {
            Mood m = mood(ALICE, 0, i, i >= 430);
            if (i >= 400) {
                RecordKey legacyKey = server.next().toRecordKey();
                if (i >= 430) {
                    m = m.withRkey(Optional.of(legacyKey));
                }
                aliceRecords.put(legacyKey.value(), legacy(m));
                if (i < 410) {
                    aliceRecords.put(MoodRecords.rkeyFor(m.id()).value(), MoodRecords.toRecord(m));
                }
            }
            ops.store().insertIfAbsent(m);
        }
        stack.create(alice, aliceRecords);
        for (int i = 0; i < 150; i++) {
            ops.store().insertIfAbsent(mood(BOB, 1, i, false));
        }
        for (int u = 0; u < NO_ACCOUNT.size(); u++) {
            stack.addUserWithoutAccount(db, NO_ACCOUNT.get(u));
            for (int i = 0; i < 4; i++) {
                ops.store().insertIfAbsent(mood(NO_ACCOUNT.get(u), 2 + u, i, false));
            }
        }
    }

    private static Mood mood(UserId user, int u, int i, boolean deleted) {
        MoodId id = MoodId.of(BASE + u * 1_000_000L + i * 60L, 0xC0FFEE00L + u, i);
        return new Mood(id, user, "mood " + i + " of " + user, Instant.ofEpochSecond(id.seconds(), 5_000_000L),
                deleted, Optional.empty(), Optional.empty());
    }

    private static Map<String, Object> legacy(Mood m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", m.text());
        r.put("when", AtDatetime.of(m.when()).toString());
        r.put("mongoId", m.id().toString());
        return r;
    }

    private static EndState endState(Ops ops) {
        Map<UserId, List<Mood>> moods = new TreeMap<>();
        for (UserId user : List.of(ALICE, BOB, NO_ACCOUNT.get(0), NO_ACCOUNT.get(1), NO_ACCOUNT.get(2))) {
            moods.put(user, RealStack.moods(ops.store(), user));
        }
        return new EndState(stack.recordState(alice), stack.recordState(bob), moods);
    }
}
