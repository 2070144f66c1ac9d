package computer.aesthetic.moodsync.testing;

import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.APPLY_WRITES;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.DELETE_RECORD;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.GET_RECORD;
import static computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo.PUT_RECORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.PdsException;
import computer.aesthetic.moodsync.PdsUnavailableException;
import computer.aesthetic.moodsync.SwapConflictException;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.RepoWrite;
import computer.aesthetic.moodsync.spi.SwapRecord;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ambiguous failures of the fake PDS: lost answers, stalls, and skewed test clocks. */
class InMemoryAtprotoRepoFaultsTest {
    private static final Did ALICE = Did.parse("did:plc:alice234567abcdefghijklm");
    private static final Nsid C = Nsid.parse("computer.aesthetic.mood");
    private static final RecordKey K = RecordKey.parse("3kabcdefghij2");

    private final InMemoryAtprotoRepo fake = InMemoryAtprotoRepo.create();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Map<String, Object> value(String text) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("$type", C.value());
        v.put("mood", text);
        return v;
    }

    @Test
    void aLostAnswerAppliesThePutAndThenFails() {
        fake.loseAnswerNext(1, PUT_RECORD);
        assertThatThrownBy(() -> fake.putRecord(ALICE, C, K, value("v1"), SwapRecord.any()))
                .isInstanceOf(PdsUnavailableException.class).hasMessageContaining("answer was lost");
        assertThat(fake.records(ALICE, C)).extracting(r -> r.value().get("mood")).containsExactly("v1");
        // consumed: the next call answers
        fake.putRecord(ALICE, C, K, value("v2"), SwapRecord.any());
        assertThat(fake.records(ALICE, C)).extracting(r -> r.value().get("mood")).containsExactly("v2");
    }

    @Test
    void aLostAnswerAppliesDeletesAndBatchesToo() {
        fake.seed(ALICE, C, K, value("v0"));
        fake.loseAnswerNext(1, DELETE_RECORD, () -> new PdsException(504, null, "gateway timeout", true, null, null));
        assertThatThrownBy(() -> fake.deleteRecord(ALICE, C, K, SwapRecord.any()))
                .isInstanceOf(PdsException.class).hasMessageContaining("gateway timeout");
        assertThat(fake.records(ALICE, C)).isEmpty();

        fake.loseAnswerNext(1, APPLY_WRITES);
        assertThatThrownBy(() -> fake.applyWrites(ALICE, List.of(new RepoWrite.Create(C, K, value("b")))))
                .isInstanceOf(PdsUnavailableException.class);
        assertThat(fake.records(ALICE, C)).hasSize(1);
    }

    @Test
    void aCallThatFailsBeforeItsEffectKeepsTheLostAnswerForTheNextWrite() {
        RepoRecord seeded = fake.seed(ALICE, C, K, value("v0"));
        fake.loseAnswerNext(1, PUT_RECORD);
        // a swap conflict fails before the effect: the lost answer stays armed
        assertThatThrownBy(() -> fake.putRecord(ALICE, C, K, value("v1"), SwapRecord.absent()))
                .isInstanceOf(SwapConflictException.class);
        assertThatThrownBy(() -> fake.putRecord(ALICE, C, K, value("v1"), SwapRecord.cid(seeded.cid())))
                .isInstanceOf(PdsUnavailableException.class);
        assertThat(fake.records(ALICE, C)).extracting(r -> r.value().get("mood")).containsExactly("v1");
    }

    @Test
    void lostAnswersOnlyForWriteMethods() {
        assertThatThrownBy(() -> fake.loseAnswerNext(1, GET_RECORD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.loseAnswerNext(-1, PUT_RECORD)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStalledWriteLandsOnlyWhenReleasedAfterEverythingInBetween() throws Exception {
        InMemoryAtprotoRepo.Stall stall = fake.stallNext(1, PUT_RECORD);
        Future<?> stale = pool.submit(() -> fake.putRecord(ALICE, C, K, value("v1"), SwapRecord.any()));
        assertThat(stall.awaitHeld(1, Duration.ofSeconds(5))).isTrue();
        // another writer goes on meanwhile (the stall holds only one call)
        fake.putRecord(ALICE, C, K, value("v2"), SwapRecord.any());
        assertThat(fake.records(ALICE, C)).extracting(r -> r.value().get("mood")).containsExactly("v2");
        assertThat(stale.isDone()).isFalse();
        stall.release();
        stale.get(5, TimeUnit.SECONDS);
        assertThat(fake.records(ALICE, C)).extracting(r -> r.value().get("mood")).containsExactly("v1");
        assertThat(stall.held()).isEqualTo(1);
        assertThat(fake.calls(PUT_RECORD)).isEqualTo(2);
    }

    @Test
    void aStallHoldsOnlyItsMethodAndItsCount() throws Exception {
        InMemoryAtprotoRepo.Stall stall = fake.stallNext(2, DELETE_RECORD);
        fake.putRecord(ALICE, C, K, value("v1"), SwapRecord.any()); // not held
        Future<?> a = pool.submit(() -> fake.deleteRecord(ALICE, C, K, SwapRecord.any()));
        Future<?> b = pool.submit(() -> fake.deleteRecord(ALICE, C, K, SwapRecord.any()));
        assertThat(stall.awaitHeld(2, Duration.ofSeconds(5))).isTrue();
        fake.deleteRecord(ALICE, C, K, SwapRecord.any()); // the third is not held
        assertThat(a.isDone() || b.isDone()).isFalse();
        stall.release();
        a.get(5, TimeUnit.SECONDS);
        b.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> fake.stallNext(0, PUT_RECORD)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void skewedClocksMoveTogether() {
        TestClock base = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        TestClock ahead = base.skewed(Duration.ofMinutes(5));
        TestClock behind = ahead.skewed(Duration.ofMinutes(-7));
        assertThat(ahead.instant()).isEqualTo(Instant.parse("2026-01-01T00:05:00Z"));
        assertThat(behind.instant()).isEqualTo(Instant.parse("2025-12-31T23:58:00Z"));
        assertThat(behind.skew()).isEqualTo(Duration.ofMinutes(-2));
        behind.advance(Duration.ofHours(1));
        assertThat(base.instant()).isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(ahead.instant()).isEqualTo(Instant.parse("2026-01-01T01:05:00Z"));
    }
}
