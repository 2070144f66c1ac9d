package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TidTest {

    /**
     * Expected strings computed independently with the reference algorithm of
     * {@code @atproto/common-web} ({@code s32encode(micros).padStart(11, '2') +
     * s32encode(clockId).padStart(2, '2')}).
     */
    @ParameterizedTest
    @CsvSource({
        "0,                0,    2222222222222",
        "1,                0,    2222222222322",
        "0,                1,    2222222222223",
        "0,                1023, 22222222222zz",
        "1700000000000000, 42,   3ke6kg3wk223e",
        "1760011200000000, 7,    3m2r47a2w222b",
        "1688137381887007, 6,    3jzfcijpj2z2a",
        "9007199254740991, 1023, bzzzzzzzzzzzz",
    })
    void encodesMicrosAndClockIdLikeTheReferenceImplementation(long micros, int clockId, String expected) {
        Tid tid = Tid.of(micros, clockId);
        assertThat(tid.value()).isEqualTo(expected);
        assertThat(tid.micros()).isEqualTo(micros);
        assertThat(tid.clockId()).isEqualTo(clockId);
        assertThat(tid.toLong()).isEqualTo((micros << 10) | clockId);
        assertThat(Tid.parse(expected)).isEqualTo(tid);
    }

    @Test
    void decodesTheSpecExample() {
        Tid tid = Tid.parse("3jzfcijpj2z2a");
        assertThat(tid.toLong()).isEqualTo(1728652679052295174L);
        assertThat(tid.micros()).isEqualTo(1688137381887007L);
        assertThat(tid.clockId()).isEqualTo(6);
        assertThat(tid.instant()).isEqualTo(Instant.parse("2023-06-30T15:03:01.887007Z"));
    }

    @Test
    void largestNonNegativeLongIsTheLargestConformingTid() {
        assertThat(Tid.fromLong(Long.MAX_VALUE).value()).isEqualTo("bzzzzzzzzzzzz");
        assertThat(Tid.fromLong(0).value()).isEqualTo("2222222222222");
    }

    @Test
    void roundTripsRandomValuesThroughLongAndParts() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            long value = random.nextLong() >>> 1;
            Tid tid = Tid.fromLong(value);
            assertThat(tid.toLong()).isEqualTo(value);
            assertThat(Tid.parse(tid.value())).isEqualTo(tid);
            assertThat(Tid.of(tid.micros(), tid.clockId())).isEqualTo(tid);
        }
    }

    @Test
    void stringOrderEqualsNumericOrder() {
        SplittableRandom random = new SplittableRandom(7);
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            values.add(random.nextLong() >>> 1);
        }
        for (int i = 1; i < values.size(); i++) {
            Tid a = Tid.fromLong(values.get(i - 1));
            Tid b = Tid.fromLong(values.get(i));
            assertThat(Integer.signum(a.compareTo(b)))
                    .isEqualTo(Long.signum(Long.compare(values.get(i - 1), values.get(i))));
            assertThat(Integer.signum(a.value().compareTo(b.value())))
                    .isEqualTo(Integer.signum(a.compareTo(b)));
        }
    }

    @Test
    void laterMicrosSortAfterAnyClockIdOfEarlierMicros() {
        assertThat(Tid.of(1_000_001, 0)).isGreaterThan(Tid.of(1_000_000, 1023));
    }

    @Test
    void instantCarriesMicrosecondPrecision() {
        assertThat(Tid.of(1_760_011_200_123_456L, 0).instant())
                .isEqualTo(Instant.parse("2025-10-09T12:00:00.123456Z"));
    }

    @Test
    void syntacticallyValidTidWithTopBitSetDecodesToNegativeLong() {
        Tid tid = Tid.parse("jzzzzzzzzzzzz");
        assertThat(tid.toLong()).isEqualTo(-1L);
        assertThat(tid.micros()).isEqualTo((1L << 54) - 1);
        assertThat(tid.clockId()).isEqualTo(1023);
        assertThat(tid).isGreaterThan(Tid.fromLong(Long.MAX_VALUE));
    }

    @Test
    void convertsToRecordKey() {
        assertThat(Tid.parse("3jzfcijpj2z2a").toRecordKey()).isEqualTo(new RecordKey("3jzfcijpj2z2a"));
    }

    @Test
    void toStringIsTheTid() {
        assertThat(Tid.parse("3jzfcijpj2z2a")).hasToString("3jzfcijpj2z2a");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 1L << 53, Long.MAX_VALUE, Long.MIN_VALUE})
    void rejectsMicrosOutsideFiftyThreeBits(long micros) {
        assertThatIllegalArgumentException().isThrownBy(() -> Tid.of(micros, 0))
                .withMessageContaining("micros").withMessageContaining(Long.toString(micros));
    }

    @Test
    void acceptsTheLargestMicros() {
        assertThat(Tid.of((1L << 53) - 1, 0).micros()).isEqualTo((1L << 53) - 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1024, Integer.MAX_VALUE})
    void rejectsClockIdOutsideTenBits(int clockId) {
        assertThatIllegalArgumentException().isThrownBy(() -> Tid.of(0, clockId))
                .withMessageContaining("clockId").withMessageContaining(Integer.toString(clockId));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, Long.MIN_VALUE})
    void fromLongRejectsTopBitSet(long value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Tid.fromLong(value))
                .withMessageContaining("top bit");
    }

    @Test
    void rejectsNullAndTryParseReturnsEmptyForNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> Tid.parse(null));
        assertThat(Tid.tryParse(null)).isEmpty();
    }

    @Test
    void errorMessageSaysWhatWasExpectedAndFound() {
        assertThatIllegalArgumentException().isThrownBy(() -> Tid.parse("3JZFCIJPJ2Z2A"))
                .withMessageStartingWith("Expected TID")
                .withMessageContaining("\"3JZFCIJPJ2Z2A\"");
    }
}
