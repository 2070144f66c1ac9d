package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AtDatetimeTest {

    @ParameterizedTest
    @CsvSource({
        "2025-10-09T12:00:00Z,              2025-10-09T12:00:00.000Z",
        "2025-10-09T12:00:00.5Z,            2025-10-09T12:00:00.500Z",
        "2025-10-09T12:00:00.123456789Z,    2025-10-09T12:00:00.123Z",
        "2025-10-09T12:00:00.999999999Z,    2025-10-09T12:00:00.999Z",
        "1969-12-31T23:59:59.9995Z,         1969-12-31T23:59:59.999Z",
        "1970-01-01T00:00:00Z,              1970-01-01T00:00:00.000Z",
        "0000-01-01T00:00:00Z,              0000-01-01T00:00:00.000Z",
        "0005-03-04T05:06:07.008Z,          0005-03-04T05:06:07.008Z",
        "9999-12-31T23:59:59.999999999Z,    9999-12-31T23:59:59.999Z",
    })
    void ofWritesJavaScriptToIsoStringForm(String instant, String expected) {
        AtDatetime datetime = AtDatetime.of(Instant.parse(instant));
        assertThat(datetime.value()).isEqualTo(expected);
        assertThat(datetime).hasToString(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0001-12-31T23:59:59.999Z", "+10000-01-01T00:00:00Z", "-1000000000-01-01T00:00:00Z"})
    void ofRejectsYearsOutside0000To9999(String instant) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.of(Instant.parse(instant)))
                .withMessageContaining("0000 to 9999");
    }

    @Test
    void ofRejectsNull() {
        assertThatNullPointerException().isThrownBy(() -> AtDatetime.of(null));
    }

    @Test
    void keepsTheExactStringAndExposesTheInstant() {
        AtDatetime datetime = AtDatetime.parse("1985-04-12T23:20:50.123-07:00");
        assertThat(datetime.value()).isEqualTo("1985-04-12T23:20:50.123-07:00");
        assertThat(datetime.instant()).isEqualTo(Instant.parse("1985-04-13T06:20:50.123Z"));
    }

    @Test
    void handlesOffsetsBeyondJavaTimesEighteenHourLimit() {
        assertThat(AtDatetime.parse("1985-04-12T23:20:50+23:59").instant())
                .isEqualTo(Instant.parse("1985-04-11T23:21:50Z"));
        assertThat(AtDatetime.parse("1985-04-12T23:20:50-23:59").instant())
                .isEqualTo(Instant.parse("1985-04-13T23:19:50Z"));
    }

    @Test
    void truncatesFractionBeyondNanoseconds() {
        assertThat(AtDatetime.parse("1985-04-12T23:20:50.1235678912345Z").instant())
                .isEqualTo(Instant.parse("1985-04-12T23:20:50.123567891Z"));
    }

    @Test
    void equalInstantsWrittenDifferentlyAreNotEqualButCompareByInstantFirst() {
        AtDatetime z = AtDatetime.parse("2025-10-09T12:00:00.000Z");
        AtDatetime offset = AtDatetime.parse("2025-10-09T14:00:00+02:00");
        AtDatetime later = AtDatetime.parse("2025-10-09T12:00:00.001Z");
        assertThat(z.instant()).isEqualTo(offset.instant());
        assertThat(z).isNotEqualTo(offset);
        assertThat(z.compareTo(offset)).isNotZero().isEqualTo(-offset.compareTo(z));
        assertThat(z).isLessThan(later);
        assertThat(offset).isLessThan(later);
        assertThat(z.compareTo(AtDatetime.parse("2025-10-09T12:00:00.000Z"))).isZero();
    }

    @Test
    void comparesByInstantNotByString() {
        AtDatetime earlierButLargerString = AtDatetime.parse("2025-10-09T13:00:00+05:00");
        AtDatetime later = AtDatetime.parse("2025-10-09T12:00:00Z");
        assertThat(earlierButLargerString).isLessThan(later);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1985-02-29T00:00:00Z",
        "1985-02-30T00:00:00Z",
        "1985-04-31T00:00:00Z",
        "1985-04-12T23:20:60Z",
        "1985-04-12T24:00:00Z",
        "1985-04-12T23:20:50.123+24:00",
        "1985-04-12T23:20:50.123+00:60",
        "9999-12-31T23:00:00-01:00",
        "1985-04-12T23:20:50.Z",
        "2025-10-09T12:00:00.000000000000000000000000000000000000000000000000000Z",
    })
    void rejectsValuesThatAreNotRealInstantsOrTooLong(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.parse(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "1985-04-12T23:20:50+23:59"})
    void acceptsLeapDaysAndExtremeOffsets(String value) {
        assertThat(AtDatetime.parse(value).value()).isEqualTo(value);
    }

    @Test
    void rejectsMinusZeroOffsetWithAClearMessage() {
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.parse("1985-04-12T23:20:50.123-00:00"))
                .withMessageContaining("-00:00");
    }

    @Test
    void errorMessageQuotesAtMostAHundredCharsOfTheInput() {
        String huge = "1".repeat(10_000);
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.parse(huge))
                .withMessageStartingWith("Expected datetime")
                .withMessageContaining("\"" + "1".repeat(100) + "\"...")
                .withMessageContaining("10000 chars")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }

    @Test
    void rejectsNullAndTryParseReturnsEmptyForNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.parse(null));
        assertThat(AtDatetime.tryParse(null)).isEmpty();
    }
}
