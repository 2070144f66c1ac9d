package computer.aesthetic.moodsync.testing;

import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.APPLY_WRITES;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.DELETE_RECORD;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.GET_RECORD;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.LIST_RECORDS;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.PUT_RECORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import computer.aesthetic.moodsync.PdsAuthenticationException;
import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.RateLimitedException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.AtprotoRepoContract;
import computer.aesthetic.moodsync.spi.RecordPage;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.spi.WriteBudget;
import computer.aesthetic.moodsync.spi.WriteResult;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class InMemoryAtprotoRepoTest extends AtprotoRepoContract {
    private static final Did ALICE = Did.parse("did:plc:alice234567abcdefghijklm");
    private static final Did BOB = Did.parse("did:plc:bob4567abcdefghijklmnopq");

    private final InMemoryAtprotoRepo fake = InMemoryAtprotoRepo.create();

    @Override
    protected AtprotoRepo repo() {
        return fake;
    }

    @Override
    protected Did did() {
        return ALICE;
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    // ---- fidelity details ----------------------------------------------------------------------------------------

    @Test
    void anIdenticalPutSucceedsWhateverItsSwapAsOnThePds() {
        RecordKey k = freshMoodKey();
        Map<String, Object> v = moodRecord("same");
        WriteResult first = fake.putRecord(ALICE, MOODS, k, v, SwapRecord.any());
        WriteResult absent = fake.putRecord(ALICE, MOODS, k, v, SwapRecord.absent());
        WriteResult wrongCid = fake.putRecord(ALICE, MOODS, k, v,
                SwapRecord.cid(DagCbor.cidOf(moodRecord("other"))));
        assertThat(absent.changed()).isFalse();
        assertThat(wrongCid.changed()).isFalse();
        assertThat(absent.cid()).isEqualTo(first.cid());
    }

    @Test
    void deleteOfAMissingRecordSucceedsWhateverItsSwap() {
        fake.deleteRecord(ALICE, MOODS, freshMoodKey(), SwapRecord.cid(DagCbor.cidOf(moodRecord("x"))));
        fake.deleteRecord(ALICE, MOODS, freshMoodKey(), SwapRecord.absent());
    }

    @Test
    void deleteWithSwapAbsentOfAnExistingRecordIsSwapConflict() {
        RecordKey k = freshMoodKey();
        fake.putRecord(ALICE, MOODS, k, moodRecord("here"), SwapRecord.any());
        assertThatThrownBy(() -> fake.deleteRecord(ALICE, MOODS, k, SwapRecord.absent()))
                .isInstanceOf(SwapConflictException.class);
        assertThat(fake.getRecord(ALICE, MOODS, k)).isPresent();
    }

    @Test
    void aWrongTypeIsA400InvalidRequest() {
        Map<String, Object> v = moodRecord("typed");
        v.put("$type", "app.bsky.feed.post");
        PdsException e = catchThrowableOfType(PdsException.class,
                () -> fake.putRecord(ALICE, MOODS, freshMoodKey(), v, SwapRecord.any()));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.errorName()).contains("InvalidRequest");
        v.remove("$type");
        assertThatThrownBy(() -> fake.createIfAbsent(ALICE, MOODS, freshMoodKey(), v))
                .isInstanceOf(PdsException.class).hasMessageContaining("$type");
    }

    @Test
    void aDeletedAccountsRepositoryCannotBeReadAsOnTheReferencePds() {
        RecordKey k = freshMoodKey();
        fake.putRecord(ALICE, MOODS, k, moodRecord("before"), SwapRecord.any());
        fake.accountStatus(ALICE, Optional.of("deleted"));
        PdsException list = catchThrowableOfType(PdsException.class,
                () -> fake.listRecords(ALICE, MOODS, 10, Optional.empty(), false));
        assertThat(list.httpStatus()).isEqualTo(400);
        assertThat(list.errorName()).contains("InvalidRequest");
        assertThat(list.isRetryable()).isFalse();
        assertThatThrownBy(() -> fake.getRecord(ALICE, MOODS, k)).isInstanceOf(PdsException.class)
                .hasMessageContaining("Could not find repo");
        fake.accountStatus(BOB, Optional.of("deactivated"));
        assertThat(fake.listRecords(BOB, MOODS, 10, Optional.empty(), false).records()).as("other statuses read")
                .isEmpty();
        assertThat(fake.records(ALICE, MOODS)).as("kept in the fake").hasSize(1);
        fake.accountStatus(ALICE, Optional.empty());
        assertThat(fake.getRecord(ALICE, MOODS, k)).isPresent();
    }

    @Test
    void aValueOutsideTheDataModelIsAnIllegalArgument() {
        Map<String, Object> v = moodRecord("float");
        v.put("score", 0.5);
        assertThatThrownBy(() -> fake.putRecord(ALICE, MOODS, freshMoodKey(), v, SwapRecord.any()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(fake.calls(PUT_RECORD)).isZero();
    }

    @Test
    void aCreateOfAnExistingKeyInApplyWritesIsTheReferencePdsBare500() {
        Nsid c = freshCollection();
        RecordKey k = RecordKey.parse("3jzfcijpj2z2a");
        fake.seed(ALICE, c, k, record(c, 1));
        PdsException e = catchThrowableOfType(PdsException.class,
                () -> fake.applyWrites(ALICE, List.of(new RepoWrite.Create(c, k, record(c, 2)))));
        assertThat(e.httpStatus()).isEqualTo(500);
        assertThat(e.errorName()).contains("InternalServerError");
        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void applyWritesMayCreateThenUpdateThenDeleteOneKey() {
        Nsid c = freshCollection();
        RecordKey k = RecordKey.parse("3jzfcijpj2z2a");
        List<WriteResult> r = fake.applyWrites(ALICE, List.of(new RepoWrite.Create(c, k, record(c, 1)),
                new RepoWrite.Update(c, k, record(c, 1)), new RepoWrite.Update(c, k, record(c, 2))));
        assertThat(r).extracting(WriteResult::changed).containsExactly(true, false, true);
        assertThat(fake.records(ALICE, c)).extracting(RepoRecord::value).containsExactly(record(c, 2));
        fake.applyWrites(ALICE, List.of(new RepoWrite.Delete(c, k), new RepoWrite.Create(c, k, record(c, 3))));
        assertThat(fake.records(ALICE, c)).extracting(RepoRecord::value).containsExactly(record(c, 3));
    }

    @Test
    void applyWritesIsSplitIntoCallsOfAtMostTwoHundred() {
        Nsid c = freshCollection();
        List<RepoWrite> writes = new ArrayList<>();
        for (int i = 0; i < 401; i++) {
            writes.add(new RepoWrite.Create(c, freshKey(), record(c, i)));
        }
        assertThat(fake.applyWrites(ALICE, writes)).hasSize(401);
        assertThat(fake.calls(APPLY_WRITES)).isEqualTo(3);
        assertThat(fake.applyWrites(ALICE, List.of())).isEmpty();
        assertThat(fake.calls(APPLY_WRITES)).isEqualTo(3);
    }

    @Test
    void whenALaterChunkFailsTheEarlierChunksStayApplied() {
        Nsid c = freshCollection();
        RecordKey taken = freshKey();
        fake.seed(ALICE, c, taken, record(c, -1));
        List<RepoWrite> writes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            writes.add(new RepoWrite.Create(c, freshKey(), record(c, i)));
        }
        writes.add(new RepoWrite.Create(c, freshKey(), record(c, 200)));
        writes.add(new RepoWrite.Create(c, taken, record(c, 201)));
        assertThatThrownBy(() -> fake.applyWrites(ALICE, writes)).isInstanceOf(PdsException.class);
        assertThat(fake.records(ALICE, c)).hasSize(201);
    }

    @Test
    void theCursorIsTheLastKeyOfThePageButAnyStringWorksAsACursor() {
        Nsid c = freshCollection();
        List<RecordKey> keys = List.of(RecordKey.parse("3aaaaaaaaaaaa"), RecordKey.parse("3bbbbbbbbbbbb"),
                RecordKey.parse("3cccccccccccc"));
        for (RecordKey k : keys) {
            fake.seed(ALICE, c, k, record(c, 1));
        }
        RecordPage page = fake.listRecords(ALICE, c, 2, Optional.empty(), true);
        assertThat(page.cursor()).contains("3bbbbbbbbbbbb");
        RecordPage last = fake.listRecords(ALICE, c, 2, page.cursor(), true);
        assertThat(last.records()).extracting(RepoRecord::rkey).containsExactly(keys.get(2));
        assertThat(last.cursor()).contains("3cccccccccccc");
        RecordPage end = fake.listRecords(ALICE, c, 2, last.cursor(), true);
        assertThat(end.records()).isEmpty();
        assertThat(end.cursor()).isEmpty();

        assertThat(fake.listRecords(ALICE, c, 10, Optional.of("3b"), true).records()).extracting(RepoRecord::rkey)
                .containsExactly(keys.get(1), keys.get(2));
        assertThat(fake.listRecords(ALICE, c, 10, Optional.of("3b"), false).records()).extracting(RepoRecord::rkey)
                .containsExactly(keys.get(0));
        assertThat(fake.listRecords(ALICE, c, 10, Optional.of("not a key at all"), true).records()).isEmpty();
    }

    @Test
    void repositoriesOfDifferentDidsAreSeparate() {
        RecordKey k = freshMoodKey();
        fake.putRecord(ALICE, MOODS, k, moodRecord("alice's"), SwapRecord.any());
        assertThat(fake.getRecord(BOB, MOODS, k)).isEmpty();
        assertThat(fake.records(BOB, MOODS)).isEmpty();
    }

    // ---- seeding ---------------------------------------------------------------------------------------------------

    @Test
    void seedWritesDirectlyWithoutCountingOrFaults() {
        fake.down(true);
        RecordKey k = freshMoodKey();
        Map<String, Object> legacy = new LinkedHashMap<>();
        legacy.put("$type", MOODS.value());
        legacy.put("mood", "legacy");
        legacy.put("when", "2024-01-01T00:00:00.000Z");
        legacy.put("mongoId", "65f1c0ffee0000000000abcd");
        RepoRecord r = fake.seed(ALICE, MOODS, k, legacy);
        assertThat(r.cid()).isEqualTo(DagCbor.cidOf(legacy));
        assertThat(fake.records(ALICE, MOODS)).containsExactly(r);
        assertThat(fake.totalCalls()).isZero();
        fake.down(false);
        assertThat(fake.getRecord(ALICE, MOODS, k)).contains(r);
    }

    @Test
    void seedChecksTheTypeAndSeedRawDoesNot() {
        RecordKey k = freshMoodKey();
        Map<String, Object> hostile = new LinkedHashMap<>();
        hostile.put("$type", "app.bsky.feed.post");
        hostile.put("mood", 42L);
        assertThatThrownBy(() -> fake.seed(ALICE, MOODS, k, hostile)).isInstanceOf(IllegalArgumentException.class);
        RepoRecord r = fake.seedRaw(ALICE, MOODS, k, hostile);
        assertThat(fake.getRecord(ALICE, MOODS, k)).contains(r);
        Map<String, Object> untyped = Map.of("mood", "no type at all");
        fake.seedRaw(ALICE, MOODS, k, untyped);
        assertThat(fake.getRecord(ALICE, MOODS, k).orElseThrow().value()).isEqualTo(untyped);
    }

    @Test
    void unseedRemovesARecordBehindTheCallersBack() {
        RecordKey k = freshMoodKey();
        fake.putRecord(ALICE, MOODS, k, moodRecord("vanishing"), SwapRecord.any());
        assertThat(fake.unseed(ALICE, MOODS, k)).isTrue();
        assertThat(fake.unseed(ALICE, MOODS, k)).isFalse();
        assertThat(fake.getRecord(ALICE, MOODS, k)).isEmpty();
    }

    @Test
    void recordsAreImmutableSnapshots() {
        Nsid c = freshCollection();
        fake.seed(ALICE, c, freshKey(), record(c, 1));
        List<RepoRecord> snapshot = fake.records(ALICE, c);
        fake.seed(ALICE, c, freshKey(), record(c, 2));
        assertThat(snapshot).hasSize(1);
        assertThatThrownBy(() -> snapshot.get(0).value().put("n", 9L))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- faults --------------------------------------------------------------------------------------------------

    @Test
    void failNextFailsTheNextCallsOfAnyMethodWithoutEffect() {
        fake.failNext(2, 502, "UpstreamFailure");
        RecordKey k = freshMoodKey();
        PdsException e = catchThrowableOfType(PdsException.class,
                () -> fake.putRecord(ALICE, MOODS, k, moodRecord("x"), SwapRecord.any()));
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.errorName()).contains("UpstreamFailure");
        assertThat(e.isRetryable()).isTrue();
        assertThatThrownBy(() -> fake.getRecord(ALICE, MOODS, k)).isInstanceOf(PdsException.class);
        assertThat(fake.getRecord(ALICE, MOODS, k)).isEmpty();
        assertThat(fake.calls(PUT_RECORD)).isEqualTo(1);
        assertThat(fake.calls(GET_RECORD)).isEqualTo(2);
    }

    @Test
    void failNextClassifiesStatusesAsAClientWould() {
        fake.failNext(1, 501, "MethodNotImplemented");
        fake.failNext(1, 400, "InvalidRequest");
        fake.failNext(1, 429, null);
        fake.failNext(1, 401, "AuthenticationRequired");
        fake.failNext(1, 400, "InvalidSwap");
        fake.failNext(1, 0, null);
        fake.failNext(1, 500, null);
        List<PdsException> seen = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            seen.add(catchThrowableOfType(PdsException.class,
                    () -> fake.listRecords(ALICE, MOODS, 1, Optional.empty(), false)));
        }
        assertThat(seen).extracting(PdsException::isRetryable)
                .containsExactly(false, false, true, false, false, true, true);
        assertThat(seen.get(2)).isInstanceOf(RateLimitedException.class);
        assertThat(seen.get(3)).isInstanceOf(PdsAuthenticationException.class);
        assertThat(seen.get(4)).isInstanceOf(SwapConflictException.class);
        assertThat(seen.get(5)).isInstanceOf(PdsUnavailableException.class);
        assertThat(seen.get(6).label()).isEqualTo("HTTP 500");
        assertThat(fake.listRecords(ALICE, MOODS, 1, Optional.empty(), false).records()).isEmpty();
    }

    @Test
    void failNextWithThrowsWhatTheSupplierMakes() {
        fake.failNextWith(1, () -> new PdsAuthenticationException(400, "AccountTakedown", "taken down"));
        assertThatThrownBy(() -> fake.deleteRecord(ALICE, MOODS, freshMoodKey(), SwapRecord.any()))
                .isInstanceOf(PdsAuthenticationException.class).hasMessage("taken down");
        fake.deleteRecord(ALICE, MOODS, freshMoodKey(), SwapRecord.any());
        assertThat(fake.calls(DELETE_RECORD)).isEqualTo(2);
    }

    @Test
    void faultsAreConsumedInOrderAndCanBeCleared() {
        fake.failNext(1, 503, null);
        fake.rateLimitNext(1, Duration.ofSeconds(30));
        assertThatThrownBy(() -> fake.getRecord(ALICE, MOODS, freshMoodKey()))
                .isNotInstanceOf(RateLimitedException.class).isInstanceOf(PdsException.class);
        assertThatThrownBy(() -> fake.getRecord(ALICE, MOODS, freshMoodKey()))
                .isInstanceOf(RateLimitedException.class);
        fake.failNext(10, 503, null);
        fake.clearFaults();
        assertThat(fake.getRecord(ALICE, MOODS, freshMoodKey())).isEmpty();
    }

    @Test
    void rateLimitNextSaysWhenToRetry() {
        MutableClock clock = new MutableClock(Instant.parse("2025-10-09T12:00:00Z"));
        InMemoryAtprotoRepo timed = InMemoryAtprotoRepo.builder().clock(clock).build();
        timed.rateLimitNext(2, Duration.ofSeconds(42));
        RateLimitedException first = catchThrowableOfType(RateLimitedException.class,
                () -> timed.getRecord(ALICE, MOODS, freshKey()));
        assertThat(first.httpStatus()).isEqualTo(429);
        assertThat(first.errorName()).contains("RateLimitExceeded");
        assertThat(first.isRetryable()).isTrue();
        assertThat(first.retryAt()).contains(Instant.parse("2025-10-09T12:00:42Z"));
        clock.advance(Duration.ofSeconds(10));
        RateLimitedException second = catchThrowableOfType(RateLimitedException.class,
                () -> timed.getRecord(ALICE, MOODS, freshKey()));
        assertThat(second.retryAt()).contains(Instant.parse("2025-10-09T12:00:52Z"));
        assertThat(timed.getRecord(ALICE, MOODS, freshKey())).isEmpty();
    }

    @Test
    void aDownPdsFailsEveryCallUntilItIsBack() {
        RecordKey k = freshMoodKey();
        fake.down(true);
        assertThatThrownBy(() -> fake.putRecord(ALICE, MOODS, k, moodRecord("x"), SwapRecord.any()))
                .isInstanceOf(PdsUnavailableException.class)
                .satisfies(e -> assertThat(((PdsException) e).isRetryable()).isTrue());
        assertThatThrownBy(() -> fake.applyWrites(ALICE, List.of(new RepoWrite.Delete(MOODS, k))))
                .isInstanceOf(PdsUnavailableException.class);
        assertThatThrownBy(() -> {
            try (Stream<RepoRecord> s = fake.listAll(ALICE, MOODS)) {
                s.count();
            }
        }).isInstanceOf(PdsUnavailableException.class);
        fake.down(false);
        assertThat(fake.getRecord(ALICE, MOODS, k)).isEmpty();
        assertThat(fake.calls(PUT_RECORD)).isEqualTo(1);
        assertThat(fake.calls(LIST_RECORDS)).isEqualTo(1);
    }

    @Test
    void latencySlowsEveryCallButNotOtherRepositories() throws Exception {
        fake.latency(Duration.ofMillis(100));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> fake.getRecord(ALICE, MOODS, freshKey())));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMillis).isBetween(100L, 390L);
        } finally {
            pool.shutdownNow();
        }
        fake.latency(Duration.ZERO);
        assertThatThrownBy(() -> fake.latency(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInterruptedWaitIsUnavailableAndKeepsTheInterrupt() {
        fake.latency(Duration.ofSeconds(10));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> fake.getRecord(ALICE, MOODS, freshKey()))
                    .isInstanceOf(PdsUnavailableException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
            fake.latency(Duration.ZERO);
        }
    }

    @Test
    void callsAreCountedPerXrpcMethod() {
        Nsid c = freshCollection();
        RecordKey k = freshKey();
        fake.putRecord(ALICE, c, k, record(c, 1), SwapRecord.any());
        fake.createIfAbsent(ALICE, c, k, record(c, 2));
        fake.getRecord(ALICE, c, k);
        fake.deleteRecord(ALICE, c, k, SwapRecord.any());
        fake.applyWrites(ALICE, List.of(new RepoWrite.Create(c, k, record(c, 3))));
        try (Stream<RepoRecord> s = fake.listAll(ALICE, c)) {
            assertThat(s).hasSize(1);
        }
        assertThat(fake.calls(PUT_RECORD)).isEqualTo(2);
        assertThat(fake.calls(GET_RECORD)).isEqualTo(1);
        assertThat(fake.calls(DELETE_RECORD)).isEqualTo(1);
        assertThat(fake.calls(APPLY_WRITES)).isEqualTo(1);
        assertThat(fake.calls(LIST_RECORDS)).isEqualTo(2);
        assertThat(fake.calls("com.atproto.repo.createRecord")).isZero();
        assertThat(fake.totalCalls()).isEqualTo(7);
        fake.resetCalls();
        assertThat(fake.totalCalls()).isZero();
    }

    // ---- write budget ----------------------------------------------------------------------------------------------

    @Test
    void noBudgetUnlessConfigured() {
        assertThat(fake.writeBudget(ALICE)).isEmpty();
    }

    @Test
    void theWriteBudgetChargesCreateThreeUpdateTwoDeleteOnePerDid() {
        MutableClock clock = new MutableClock(Instant.parse("2025-10-09T12:00:00Z"));
        InMemoryAtprotoRepo limited = InMemoryAtprotoRepo.builder().clock(clock).writeBudget(20).build();
        Nsid c = freshCollection();
        RecordKey a = freshKey();
        RecordKey b = freshKey();
        assertThat(limited.writeBudget(ALICE)).contains(new WriteBudget(20, 20, Instant.parse("2025-10-09T13:00:00Z")));

        limited.putRecord(ALICE, c, a, record(c, 1), SwapRecord.any());
        clock.advance(Duration.ofMinutes(10));
        limited.applyWrites(ALICE, List.of(new RepoWrite.Create(c, b, record(c, 2)),
                new RepoWrite.Update(c, a, record(c, 3)), new RepoWrite.Delete(c, b)));
        limited.deleteRecord(ALICE, c, b, SwapRecord.any());
        limited.getRecord(ALICE, c, a);
        limited.listRecords(ALICE, c, 10, Optional.empty(), false);
        assertThat(limited.writeBudget(ALICE))
                .contains(new WriteBudget(20, 20 - 2 - 6 - 1, Instant.parse("2025-10-09T13:00:00Z")));
        assertThat(limited.writeBudget(BOB)).map(WriteBudget::remaining).contains(20);
    }

    @Test
    void aWriteOverTheBudgetIs429UntilTheWindowResets() {
        MutableClock clock = new MutableClock(Instant.parse("2025-10-09T12:00:00Z"));
        InMemoryAtprotoRepo limited = InMemoryAtprotoRepo.builder().clock(clock).writeBudget(7).build();
        Nsid c = freshCollection();
        limited.applyWrites(ALICE, List.of(new RepoWrite.Create(c, freshKey(), record(c, 1)),
                new RepoWrite.Create(c, freshKey(), record(c, 2))));
        RecordKey k = freshKey();
        RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
                () -> limited.applyWrites(ALICE, List.of(new RepoWrite.Create(c, k, record(c, 3)))));
        assertThat(e.httpStatus()).isEqualTo(429);
        assertThat(e.retryAt()).contains(Instant.parse("2025-10-09T13:00:00Z"));
        assertThat(limited.getRecord(ALICE, c, k)).isEmpty();
        assertThat(limited.writeBudget(ALICE)).map(WriteBudget::remaining).contains(1);

        limited.deleteRecord(ALICE, c, k, SwapRecord.any());
        assertThatThrownBy(() -> limited.deleteRecord(ALICE, c, k, SwapRecord.any()))
                .isInstanceOf(RateLimitedException.class);
        limited.putRecord(BOB, c, k, record(c, 4), SwapRecord.any());

        clock.advance(Duration.ofHours(1));
        assertThat(limited.writeBudget(ALICE)).map(WriteBudget::remaining).contains(7);
        limited.putRecord(ALICE, c, k, record(c, 3), SwapRecord.any());
        assertThat(limited.writeBudget(ALICE))
                .contains(new WriteBudget(7, 5, Instant.parse("2025-10-09T14:00:00Z")));
    }

    @Test
    void builderRejectsABudgetBelowOne() {
        assertThatThrownBy(() -> InMemoryAtprotoRepo.builder().writeBudget(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeBudget");
    }

    // ---- concurrency ---------------------------------------------------------------------------------------------

    @Test
    void concurrentCreateIfAbsentCreatesExactlyOnce() throws Exception {
        Nsid c = freshCollection();
        RecordKey k = freshKey();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                long n = i;
                futures.add(pool.submit(() -> fake.createIfAbsent(ALICE, c, k, record(c, n)).created()));
            }
            int created = 0;
            for (Future<Boolean> f : futures) {
                created += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(created).isEqualTo(1);
            assertThat(fake.records(ALICE, c)).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
