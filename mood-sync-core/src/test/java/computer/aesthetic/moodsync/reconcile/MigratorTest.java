package computer.aesthetic.moodsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.StoreException;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.TidClock;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MigratorTest {
    private static final int USERS = 30;
    private static final long BASE = 1_700_000_000L;
    private static final Set<String> REPO_WRITES = Set.of("putRecord", "createIfAbsent", "deleteRecord",
            "applyWrites");
    private static final Set<String> STORE_READS = Set.of("find", "findByRkey", "listByUser", "listUsers",
            "listMalformed", "listPending", "toString", "hashCode", "equals");

    /**
     * Thirty users of the origin system before and during the migration: users 3, 10, 17 and 24 have no ATProto
     * account; users 0, 3, 6... (every third) carry legacy {@code mongoId} records at server-chosen keys, every other
     * one linked in the store, and their mood 1 is deleted with its record still on the PDS; users 0, 6, 12... also
     * have a duplicate of mood 0 at {@code rkeyFor(id)} from an earlier interrupted attempt; the others have nothing
     * on the PDS yet.
     */
    static final class Fixture {
        final InMemoryMoodStore store = InMemoryMoodStore.create();
        final InMemoryAtprotoRepo repo = InMemoryAtprotoRepo.create();
        final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
        final List<UserId> users = new ArrayList<>();
        final Map<UserId, Did> dids = new LinkedHashMap<>();
        private final TidClock server = TidClock.of(Clock.fixed(Instant.parse("2025-10-09T12:00:00Z"),
                ZoneOffset.UTC), 3);

        Fixture() {
            for (int i = 0; i < USERS; i++) {
                UserId user = new UserId(String.format("auth0|user-%02d", i));
                users.add(user);
                boolean account = i % 7 != 3;
                Did did = Did.parse(String.format("did:plc:migrationuser%02dabcdefg", i));
                if (account) {
                    dids.put(user, did);
                    accounts.put(user, Account.of(did, Handle.parse("user" + i + ".test"), Secret.of("pw" + i)));
                }
                boolean legacy = i % 3 == 0;
                int count = 6 + (i % 5) * 3;
                for (int j = 0; j < count; j++) {
                    MoodId id = MoodId.of(BASE + i * 100_000L + j * 60L, 0xAB0000L + i, j);
                    Instant when = Instant.ofEpochSecond(id.seconds(), 250_000_000L);
                    boolean deleted = legacy && j == 1;
                    RecordKey legacyKey = server.next().toRecordKey();
                    Optional<RecordKey> link = legacy && (j % 2 == 0 || deleted) ? Optional.of(legacyKey)
                            : Optional.empty();
                    Mood m = new Mood(id, user, "mood " + j + " of user " + i, when, deleted, link, Optional.empty());
                    store.insertIfAbsent(m);
                    if (legacy && account) {
                        repo.seed(did, MoodRecords.COLLECTION, legacyKey, legacy(m));
                        if (j == 0 && i % 6 == 0) {
                            repo.seed(did, MoodRecords.COLLECTION, MoodRecords.rkeyFor(id), MoodRecords.toRecord(m));
                        }
                    }
                }
            }
        }

        int withoutAccount() {
            return USERS - dids.size();
        }

        Migrator migrator(AtprotoRepo r, MoodStore s, int concurrency, int batchSize, MigrationListener listener) {
            Reconciler reconciler = Reconciler.builder().store(s).repo(r).accounts(accounts).build();
            Repairer repairer = Repairer.builder().reconciler(reconciler).batchSize(batchSize).build();
            return Migrator.builder().repairer(repairer).concurrency(concurrency).listener(listener).build();
        }

        Migrator migrator() {
            return migrator(repo, store, Migrator.DEFAULT_CONCURRENCY, AtprotoRepo.MAX_WRITES, MigrationListener.NONE);
        }

        Reconciler reconciler() {
            return Reconciler.builder().store(store).repo(repo).accounts(accounts).build();
        }

        /** Every DID's records as rkey -> CID, sorted. */
        Map<String, Map<String, String>> records() {
            Map<String, Map<String, String>> all = new TreeMap<>();
            dids.values().forEach(did -> {
                Map<String, String> m = new TreeMap<>();
                repo.records(did, MoodRecords.COLLECTION).forEach(r -> m.put(r.rkey().value(), r.cid().toString()));
                all.put(did.value(), m);
            });
            return all;
        }

        /** Asserts that no mood has more than one record, and every live mood of a user with an account has one. */
        void assertOneRecordPerLiveMood() {
            for (Map.Entry<UserId, Did> e : dids.entrySet()) {
                Map<MoodId, Integer> perMood = new HashMap<>();
                for (RepoRecord r : repo.records(e.getValue(), MoodRecords.COLLECTION)) {
                    MoodRecord decoded = MoodRecords.decode(r.value());
                    perMood.merge(decoded.ref().orElseThrow(), 1, Integer::sum);
                }
                assertThat(perMood.values()).as("records per mood of %s", e.getKey()).allMatch(n -> n == 1);
                List<Mood> live = store.snapshot().stream().filter(m -> m.user().equals(e.getKey()))
                        .filter(m -> !m.deleted()).toList();
                assertThat(perMood.keySet()).containsExactlyInAnyOrderElementsOf(live.stream().map(Mood::id).toList());
                assertThat(live).allSatisfy(m -> assertThat(m.rkey()).isPresent());
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

    @Test
    void migratesEveryUserWithMoodsAndListsThoseWithoutAnAccount() {
        Fixture f = new Fixture();
        List<Mood> noAccountBefore = f.store.snapshot().stream().filter(m -> !f.dids.containsKey(m.user())).toList();

        MigrationReport report = f.migrator().migrate(Optional.empty());

        assertThat(report.users()).extracting(MigrationReport.UserResult::user).containsExactlyElementsOf(f.users);
        assertThat(report.counts()).containsEntry(MigrationReport.Outcome.MIGRATED, (long) f.dids.size())
                .containsEntry(MigrationReport.Outcome.NO_ACCOUNT, (long) f.withoutAccount())
                .containsEntry(MigrationReport.Outcome.FAILED, 0L);
        assertThat(report.usersWithoutAccount()).containsExactly(new UserId("auth0|user-03"),
                new UserId("auth0|user-10"), new UserId("auth0|user-17"), new UserId("auth0|user-24"));
        assertThat(report.isComplete()).isTrue();
        assertThat(report.failures()).isEmpty();
        f.assertOneRecordPerLiveMood();
        for (UserId user : f.dids.keySet()) {
            assertThat(f.reconciler().reconcile(user).isInSync()).as("%s", user).isTrue();
        }
        // Users without an account are listed and untouched.
        assertThat(f.store.snapshot().stream().filter(m -> !f.dids.containsKey(m.user())).toList())
                .isEqualTo(noAccountBefore);
        assertThat(report.user(new UserId("auth0|user-03")).orElseThrow().moods()).isEqualTo(6 + 3 * 3);

        // Totals: every live mood without a record was created (3 points), every duplicate and every record of a
        // deleted mood deleted (1 point).
        MigrationProgress p = report.progress();
        assertThat(p.usersDone()).isEqualTo(USERS);
        assertThat(p.usersWithoutAccount()).isEqualTo(4);
        assertThat(p.moodsSeen()).isEqualTo(f.store.size());
        assertThat(p.pointsSpent()).isEqualTo(3 * p.recordsWritten() + p.recordsDeleted())
                .isEqualTo(report.users().stream().mapToLong(MigrationReport.UserResult::pointsSpent).sum());
        long legacyUsers = f.dids.keySet().stream().filter(u -> Integer.parseInt(u.value().substring(11)) % 3 == 0)
                .count();
        long duplicates = f.dids.keySet().stream().filter(u -> Integer.parseInt(u.value().substring(11)) % 6 == 0)
                .count();
        assertThat(p.recordsDeleted()).isEqualTo(legacyUsers + duplicates);
        assertThat(report.summary()).contains("MIGRATED: 26").contains("NO_ACCOUNT: 4")
                .contains("without an ATProto account").doesNotContain("not complete");
        assertThat(report.toString()).contains("- NO_ACCOUNT auth0|user-03: 15 moods");
    }

    @Test
    void secondRunFindsEverythingInSyncAndWritesNothing() {
        Fixture f = new Fixture();
        f.migrator().migrate(Optional.empty());
        Map<String, Map<String, String>> after = f.records();
        f.repo.resetCalls();

        MigrationReport again = f.migrator().migrate(Optional.empty());

        assertThat(again.counts()).containsEntry(MigrationReport.Outcome.IN_SYNC, (long) f.dids.size())
                .containsEntry(MigrationReport.Outcome.NO_ACCOUNT, 4L);
        assertThat(again.progress().pointsSpent()).isZero();
        assertThat(f.repo.calls(InMemoryAtprotoRepo.APPLY_WRITES) + f.repo.calls(InMemoryAtprotoRepo.PUT_RECORD)
                + f.repo.calls(InMemoryAtprotoRepo.DELETE_RECORD)).isZero();
        assertThat(f.records()).isEqualTo(after);
    }

    @Test
    void dryRunPlansEveryUserAndWritesNothing() {
        Fixture f = new Fixture();
        List<Mood> before = f.store.snapshot();
        Map<String, Map<String, String>> recordsBefore = f.records();

        MigrationReport plan = f.migrator().dryRun(Optional.empty());

        assertThat(plan.dryRun()).isTrue();
        assertThat(plan.counts()).containsEntry(MigrationReport.Outcome.PLANNED, (long) f.dids.size())
                .containsEntry(MigrationReport.Outcome.NO_ACCOUNT, 4L);
        assertThat(plan.isComplete()).isFalse();
        assertThat(plan.progress().pointsSpent()).isZero();
        assertThat(plan.progress().recordsWritten()).isZero();
        assertThat(plan.users(MigrationReport.Outcome.PLANNED)).allSatisfy(u -> {
            assertThat(u.plannedPoints()).isPositive();
            assertThat(u.recordsWritten() + u.linked()).isPositive();
        });
        assertThat(plan.summary()).contains("dry run (nothing written)").contains("planned: at most");
        assertThat(plan.toString()).contains("would write");
        assertThat(f.store.snapshot()).isEqualTo(before);
        assertThat(f.records()).isEqualTo(recordsBefore);
        assertThat(f.repo.calls(InMemoryAtprotoRepo.APPLY_WRITES)).isZero();
    }

    @Test
    void migratesOnlyTheGivenUsersOnceEach() {
        Fixture f = new Fixture();
        UserId a = f.users.get(1);
        UserId b = f.users.get(6);
        UserId nobody = new UserId("auth0|nobody");
        MigrationReport report = f.migrator().migrate(Optional.of(List.of(b, a, b, nobody)));

        assertThat(report.users()).extracting(MigrationReport.UserResult::user).containsExactly(b, a, nobody);
        assertThat(report.user(a).orElseThrow().outcome()).isEqualTo(MigrationReport.Outcome.MIGRATED);
        assertThat(report.user(b).orElseThrow().outcome()).isEqualTo(MigrationReport.Outcome.MIGRATED);
        assertThat(report.user(nobody).orElseThrow().outcome()).isEqualTo(MigrationReport.Outcome.NO_ACCOUNT);
        assertThat(report.user(nobody).orElseThrow().moods()).isZero();
        // Another user was not touched.
        assertThat(f.reconciler().reconcile(f.users.get(2)).count(DriftKind.MISSING_ON_PDS)).isPositive();
    }

    @Test
    void aFailingUserIsReportedWithItsErrorAndTheOthersAreMigrated() {
        Fixture f = new Fixture();
        Did refusesWrites = f.dids.get(f.users.get(2));
        Did refusesReads = f.dids.get(f.users.get(5));
        AtprotoRepo faulty = proxy(AtprotoRepo.class, f.repo, (method, args) -> {
            if (REPO_WRITES.contains(method) && refusesWrites.equals(args[0])) {
                throw new PdsException(400, "InvalidRequest", "injected: writes refused", false, null, null);
            }
            if ((method.equals("listRecords") || method.equals("listAll")) && refusesReads.equals(args[0])) {
                throw new PdsUnavailableException("injected: connection reset", null, null);
            }
        });

        MigrationReport report = f.migrator(faulty, f.store, 3, AtprotoRepo.MAX_WRITES, MigrationListener.NONE)
                .migrate(Optional.empty());

        assertThat(report.failures()).extracting(MigrationReport.UserResult::user)
                .containsExactly(f.users.get(2), f.users.get(5));
        assertThat(report.user(f.users.get(2)).orElseThrow().error()).hasValueSatisfying(e ->
                assertThat(e).contains("injected: writes refused"));
        assertThat(report.user(f.users.get(5)).orElseThrow().error()).hasValueSatisfying(e ->
                assertThat(e).contains("PdsUnavailableException").contains("connection reset"));
        assertThat(report.counts()).containsEntry(MigrationReport.Outcome.MIGRATED, (long) f.dids.size() - 2)
                .containsEntry(MigrationReport.Outcome.NO_ACCOUNT, 4L);
        assertThat(report.isComplete()).isFalse();
        assertThat(report.progress().usersFailed()).isEqualTo(2);
        assertThat(report.summary()).contains("FAILED: 2").contains("run the migration again");

        // Once the PDS behaves, running again finishes the two.
        MigrationReport again = f.migrator().migrate(Optional.of(List.of(f.users.get(2), f.users.get(5))));
        assertThat(again.counts()).containsEntry(MigrationReport.Outcome.MIGRATED, 2L);
        f.assertOneRecordPerLiveMood();
    }

    @Test
    void interruptedAtRandomPointsThenRunAgainEndsInTheSameStateWithNoDuplicates() {
        Fixture clean = new Fixture();
        clean.migrator().migrate(Optional.empty());
        Map<String, Map<String, String>> expectedRecords = clean.records();
        List<Mood> expectedMoods = clean.store.snapshot();

        Random random = new Random(20251009);
        int crashed = 0;
        for (int trial = 0; trial < 10; trial++) {
            Fixture f = new Fixture();
            // The "process": every write of the PDS and the store counts; after the k-th one it dies, and every call
            // fails from then on. Half the time the fatal write itself takes effect and only its answer is lost.
            int k = random.nextInt(60);
            boolean lastWriteLands = random.nextBoolean();
            AtomicInteger writes = new AtomicInteger();
            AtomicBoolean dead = new AtomicBoolean();
            Crash crash = new Crash(k, lastWriteLands, writes, dead);
            AtprotoRepo repo = proxy(AtprotoRepo.class, f.repo, crash.check(REPO_WRITES::contains,
                    () -> new PdsUnavailableException("injected crash", null, null)));
            MoodStore store = proxy(MoodStore.class, f.store, crash.check(m -> !STORE_READS.contains(m),
                    () -> new StoreException("crash", "injected crash", null)));
            int concurrency = 1 + random.nextInt(6);
            int batchSize = 1 + random.nextInt(20);

            MigrationReport first = f.migrator(repo, store, concurrency, batchSize, MigrationListener.NONE)
                    .migrate(Optional.empty());
            if (dead.get()) {
                crashed++;
                assertThat(first.isComplete()).as("trial %d", trial).isFalse();
                assertThat(first.failures()).as("trial %d", trial).isNotEmpty()
                        .allSatisfy(u -> assertThat(u.error()).hasValueSatisfying(e -> assertThat(e)
                                .contains("injected crash")));
            }

            // Restart: a new process over the same data, no faults.
            MigrationReport second = f.migrator(f.repo, f.store, concurrency, batchSize, MigrationListener.NONE)
                    .migrate(Optional.empty());
            assertThat(second.isComplete()).as("trial %d: %s", trial, second).isTrue();
            assertThat(f.records()).as("trial %d (k=%d)", trial, k).isEqualTo(expectedRecords);
            assertThat(f.store.snapshot()).as("trial %d (k=%d)", trial, k).isEqualTo(expectedMoods);
            f.assertOneRecordPerLiveMood();
            for (UserId user : f.dids.keySet()) {
                assertThat(f.reconciler().reconcile(user).count(DriftKind.DUPLICATE)).isZero();
            }
        }
        assertThat(crashed).isGreaterThanOrEqualTo(8);
    }

    @Test
    void reportsProgressToTheListenerOneCallAtATime() {
        Fixture f = new Fixture();
        f.repo.latency(Duration.ofMillis(3));
        List<MigrationProgress> progress = new ArrayList<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        AtomicInteger concurrentCalls = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        int[] started = new int[1];
        MigrationReport[] finished = new MigrationReport[1];
        MigrationListener listener = new MigrationListener() {
            @Override
            public void started(int users, boolean dryRun) {
                started[0] = users;
            }

            @Override
            public void userStarted(UserId user) {
                enter();
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                leave();
            }

            @Override
            public void userFinished(MigrationReport.UserResult result, MigrationProgress p) {
                enter();
                inFlight.decrementAndGet();
                progress.add(p);
                leave();
                throw new IllegalStateException("a broken listener does not stop the migration");
            }

            @Override
            public void finished(MigrationReport report) {
                finished[0] = report;
            }

            private void enter() {
                if (concurrentCalls.incrementAndGet() > 1) {
                    overlapped.set(true);
                }
            }

            private void leave() {
                concurrentCalls.decrementAndGet();
            }
        };

        MigrationReport report = f.migrator(f.repo, f.store, 4, AtprotoRepo.MAX_WRITES, listener)
                .migrate(Optional.empty());

        assertThat(started[0]).isEqualTo(USERS);
        assertThat(finished[0]).isSameAs(report);
        assertThat(overlapped).isFalse();
        // 4 users written at once, and up to 4 more read ahead (reconciled and planned) meanwhile
        assertThat(maxInFlight.get()).isBetween(2, 8);
        assertThat(progress).hasSize(USERS);
        assertThat(progress).extracting(MigrationProgress::usersDone).isSorted().containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, USERS).boxed().toList());
        assertThat(progress.get(0).eta()).isPresent();
        assertThat(progress.get(USERS - 1).eta()).contains(Duration.ZERO);
        assertThat(progress.get(USERS - 1).pointsSpent()).isEqualTo(report.progress().pointsSpent());
        assertThat(report.isComplete()).isTrue();
        // The run's threads are gone when it returns.
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("moodsync-migrate-"));
    }

    @Test
    void readsTheNextUsersAheadWhileEarlierUsersWrite() throws Exception {
        Fixture f = new Fixture();
        Did first = f.dids.get(f.users.get(0));
        java.util.concurrent.CountDownLatch listedAnother = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean overlapped = new AtomicBoolean();
        // The first user's first write waits (5 s at most) for another user's listing: with one user at a time and no
        // read-ahead, that listing only comes after the write, and the wait runs out.
        AtprotoRepo repo = proxy(AtprotoRepo.class, f.repo, new Interceptor() {
            private final AtomicBoolean waited = new AtomicBoolean();

            @Override
            public void before(String method, Object[] args) {
                if ((method.equals("listAll") || method.equals("listRecords")) && !first.equals(args[0])) {
                    listedAnother.countDown();
                }
                if (REPO_WRITES.contains(method) && first.equals(args[0]) && waited.compareAndSet(false, true)) {
                    try {
                        overlapped.set(listedAnother.await(5, java.util.concurrent.TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });

        MigrationReport report = f.migrator(repo, f.store, 1, AtprotoRepo.MAX_WRITES, MigrationListener.NONE)
                .migrate(Optional.empty());

        assertThat(overlapped).as("the next user was listed while the first one wrote").isTrue();
        assertThat(report.isComplete()).isTrue();
        f.assertOneRecordPerLiveMood();
    }

    @Test
    void writesAtMostConcurrencyUsersAtOnce() {
        Fixture f = new Fixture();
        f.repo.latency(Duration.ofMillis(2));
        AtomicInteger writing = new AtomicInteger();
        AtomicInteger maxWriting = new AtomicInteger();
        AtprotoRepo repo = proxy(AtprotoRepo.class, f.repo, new Interceptor() {
            @Override
            public void before(String method, Object[] args) {
                if (REPO_WRITES.contains(method)) {
                    maxWriting.accumulateAndGet(writing.incrementAndGet(), Math::max);
                }
            }

            @Override
            public void after(String method) {
                if (REPO_WRITES.contains(method)) {
                    writing.decrementAndGet();
                }
            }
        });

        MigrationReport report = f.migrator(repo, f.store, 2, 5, MigrationListener.NONE).migrate(Optional.empty());

        assertThat(report.isComplete()).isTrue();
        assertThat(maxWriting.get()).isEqualTo(2);
        f.assertOneRecordPerLiveMood();
    }

    @Test
    void progressEstimatesTheTimeLeftFromTheUsersDone() {
        assertThat(MigrationProgress.estimate(10, 0, Duration.ofSeconds(5))).isEmpty();
        assertThat(MigrationProgress.estimate(10, 4, Duration.ofSeconds(8))).contains(Duration.ofSeconds(12));
        MigrationProgress p = new MigrationProgress(30, 12, 1, 4, 1234, 456, 12, 1380, Duration.ofSeconds(62),
                MigrationProgress.estimate(30, 12, Duration.ofSeconds(62)));
        assertThat(p.fraction()).isEqualTo(0.4);
        assertThat(p).hasToString("users 12/30 (40%), 1 failed, 4 without account; moods 1234; records written 456,"
                + " deleted 12; points 1380; elapsed 0:01:02, ETA 0:01:33");
        assertThatThrownBy(() -> new MigrationProgress(3, 4, 0, 0, 0, 0, 0, 0, Duration.ZERO, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usersDone");
    }

    @Test
    void builderNamesTheBadProperty() {
        assertThatThrownBy(() -> Migrator.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repairer");
        Repairer repairer = Repairer.builder().reconciler(new Fixture().reconciler()).build();
        assertThatThrownBy(() -> Migrator.builder().repairer(repairer).concurrency(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> Migrator.builder().repairer(repairer).policy(null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy");
        assertThatThrownBy(() -> Migrator.builder().repairer(repairer).listener(null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listener");
        assertThat(Migrator.builder().repairer(repairer).build().migrate(Optional.of(List.of())).users()).isEmpty();
    }

    /** Called before each proxied call with the method name and arguments; may throw. */
    @FunctionalInterface
    interface Interceptor {
        void before(String method, Object[] args);

        /** Called after the call went through; may throw to lose its answer. */
        default void after(String method) {
        }
    }

    /** Dies after {@code k} writes: every later call fails. */
    private record Crash(int k, boolean lastWriteLands, AtomicInteger writes, AtomicBoolean dead) {
        Interceptor check(java.util.function.Predicate<String> isWrite,
                java.util.function.Supplier<RuntimeException> failure) {
            return new Interceptor() {
                @Override
                public void before(String method, Object[] args) {
                    if (dead.get()) {
                        throw failure.get();
                    }
                    if (isWrite.test(method) && writes.incrementAndGet() > k) {
                        if (!lastWriteLands) {
                            dead.set(true);
                            throw failure.get();
                        }
                    }
                }

                @Override
                public void after(String method) {
                    if (isWrite.test(method) && lastWriteLands && writes.get() > k && dead.compareAndSet(false, true)) {
                        throw failure.get();
                    }
                    if (dead.get() && isWrite.test(method)) {
                        throw failure.get();
                    }
                }
            };
        }
    }

    private static <T> T proxy(Class<T> type, T target, Interceptor interceptor) {
        InvocationHandler handler = (p, method, args) -> {
            Object[] a = args == null ? new Object[0] : args;
            if (method.getDeclaringClass() == Object.class) {
                return method.invoke(target, a);
            }
            interceptor.before(method.getName(), a);
            Object result;
            try {
                result = method.invoke(target, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            interceptor.after(method.getName());
            return result;
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
