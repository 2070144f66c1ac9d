package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TidClockTest {

    /** A settable clock; only the test thread moves it. */
    private static final class FakeClock extends Clock {
        private volatile Instant now;

        FakeClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final Instant T0 = Instant.parse("2025-10-09T12:00:00Z");

    @Test
    void usesTheClockTimeAndClockId() {
        Tid tid = TidClock.of(new FakeClock(T0.plusNanos(123_456_789)), 77).next();
        assertThat(tid.instant()).isEqualTo(T0.plusNanos(123_456_000));
        assertThat(tid.clockId()).isEqualTo(77);
    }

    @Test
    void stoppedClockGivesConsecutiveMicroseconds() {
        TidClock clock = TidClock.of(new FakeClock(T0), 5);
        Tid first = clock.next();
        Tid second = clock.next();
        Tid third = clock.next();
        assertThat(second.micros()).isEqualTo(first.micros() + 1);
        assertThat(third.micros()).isEqualTo(first.micros() + 2);
        assertThat(first).isLessThan(second).isLessThan(third);
    }

    @Test
    void staysStrictlyIncreasingWhenTheClockStepsBackAnHour() {
        FakeClock fake = new FakeClock(T0);
        TidClock clock = TidClock.of(fake, 1);
        List<Tid> tids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            tids.add(clock.next());
            fake.advance(Duration.ofNanos(500));
        }
        fake.advance(Duration.ofHours(-1));
        for (int i = 0; i < 1_000; i++) {
            tids.add(clock.next());
            fake.advance(Duration.ofMillis(1));
        }
        for (int i = 1; i < tids.size(); i++) {
            assertThat(tids.get(i)).isGreaterThan(tids.get(i - 1));
        }
        assertThat(tids).doesNotHaveDuplicates();
    }

    @Test
    void catchesUpWithTheClockOnceItPassesTheLastIssuedTime() {
        FakeClock fake = new FakeClock(T0);
        TidClock clock = TidClock.of(fake, 1);
        Tid before = clock.next();
        fake.set(T0.minus(Duration.ofHours(1)));
        assertThat(clock.next().micros()).isEqualTo(before.micros() + 1);
        fake.set(T0.plusSeconds(10));
        assertThat(clock.next().instant()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void isMonotonicAndUniqueAcrossEightThreads() throws Exception {
        int threads = 8;
        int perThread = 100_000;
        TidClock clock = TidClock.create();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    long[] values = new long[perThread];
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        values[i] = clock.next().toLong();
                    }
                    return values;
                }));
            }
            start.countDown();
            long[] all = new long[threads * perThread];
            int n = 0;
            for (Future<long[]> future : futures) {
                long[] values = future.get(60, TimeUnit.SECONDS);
                for (int i = 1; i < values.length; i++) {
                    assertThat(values[i]).as("per-thread order at %d", i).isGreaterThan(values[i - 1]);
                }
                System.arraycopy(values, 0, all, n, values.length);
                n += values.length;
            }
            Arrays.sort(all);
            for (int i = 1; i < all.length; i++) {
                if (all[i] == all[i - 1]) {
                    throw new AssertionError("Duplicate TID " + Tid.fromLong(all[i]));
                }
            }
            assertThat(all).hasSize(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void systemClockTidsAreCloseToNow() {
        TidClock clock = TidClock.create();
        Instant before = Instant.now().minusSeconds(1);
        Tid tid = clock.next();
        assertThat(tid.instant()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(tid.clockId()).isEqualTo(clock.clockId()).isBetween(0, 1023);
    }

    @Test
    void rejectsClockIdOutOfRange() {
        Clock clock = Clock.systemUTC();
        assertThatIllegalArgumentException().isThrownBy(() -> TidClock.of(clock, -1))
                .withMessageContaining("-1");
        assertThatIllegalArgumentException().isThrownBy(() -> TidClock.of(clock, 1024))
                .withMessageContaining("1024");
    }

    @Test
    void rejectsNullClock() {
        assertThatNullPointerException().isThrownBy(() -> TidClock.of(null, 0)).withMessage("clock");
    }

    @Test
    void refusesTimesBeforeTheEpoch() {
        TidClock clock = TidClock.of(new FakeClock(Instant.EPOCH.minusSeconds(1)), 0);
        assertThatIllegalStateException().isThrownBy(clock::next);
    }

    @Test
    void refusesTimesBeyondFiftyThreeBitsOfMicros() {
        TidClock clock = TidClock.of(new FakeClock(Instant.ofEpochSecond(1L << 53)), 0);
        assertThatIllegalStateException().isThrownBy(clock::next);
    }
}
