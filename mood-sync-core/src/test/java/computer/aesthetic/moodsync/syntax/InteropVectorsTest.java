package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the {@code bluesky-social/atproto-interop-tests} syntax vectors against the value types:
 * every {@code *_valid} value parses, every {@code *_invalid} value is rejected by both
 * {@code parse} (with {@link IllegalArgumentException}) and {@code tryParse} (empty).
 */
class InteropVectorsTest {

    static Stream<Arguments> didValid() {
        return InteropVectors.arguments("did_syntax_valid.txt");
    }

    static Stream<Arguments> didInvalid() {
        return InteropVectors.arguments("did_syntax_invalid.txt");
    }

    static Stream<Arguments> handleValid() {
        return InteropVectors.arguments("handle_syntax_valid.txt");
    }

    static Stream<Arguments> handleInvalid() {
        return InteropVectors.arguments("handle_syntax_invalid.txt");
    }

    static Stream<Arguments> nsidValid() {
        return InteropVectors.arguments("nsid_syntax_valid.txt");
    }

    static Stream<Arguments> nsidInvalid() {
        return InteropVectors.arguments("nsid_syntax_invalid.txt");
    }

    static Stream<Arguments> recordKeyValid() {
        return InteropVectors.arguments("recordkey_syntax_valid.txt");
    }

    static Stream<Arguments> recordKeyInvalid() {
        return InteropVectors.arguments("recordkey_syntax_invalid.txt");
    }

    static Stream<Arguments> tidValid() {
        return InteropVectors.arguments("tid_syntax_valid.txt");
    }

    static Stream<Arguments> tidInvalid() {
        return InteropVectors.arguments("tid_syntax_invalid.txt");
    }

    static Stream<Arguments> atUriValid() {
        return InteropVectors.arguments("aturi_syntax_valid.txt");
    }

    static Stream<Arguments> atUriInvalid() {
        return InteropVectors.arguments("aturi_syntax_invalid.txt");
    }

    static Stream<Arguments> datetimeValid() {
        return InteropVectors.arguments("datetime_syntax_valid.txt");
    }

    static Stream<Arguments> datetimeInvalid() {
        return InteropVectors.arguments("datetime_syntax_invalid.txt");
    }

    static Stream<Arguments> datetimeParseInvalid() {
        return InteropVectors.arguments("datetime_parse_invalid.txt");
    }

    static Stream<Arguments> atIdentifierValid() {
        return InteropVectors.arguments("atidentifier_syntax_valid.txt");
    }

    static Stream<Arguments> atIdentifierInvalid() {
        return InteropVectors.arguments("atidentifier_syntax_invalid.txt");
    }

    @ParameterizedTest
    @MethodSource("didValid")
    void acceptsValidDid(String value) {
        assertThat(Did.parse(value).value()).isEqualTo(value);
        assertThat(Did.tryParse(value)).contains(new Did(value));
    }

    @ParameterizedTest
    @MethodSource("didInvalid")
    void rejectsInvalidDid(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Did.parse(value));
        assertThat(Did.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("handleValid")
    void acceptsValidHandleAndLowerCasesIt(String value) {
        assertThat(Handle.parse(value).value()).isEqualTo(value.toLowerCase(Locale.ROOT));
        assertThat(Handle.tryParse(value)).isPresent();
    }

    @ParameterizedTest
    @MethodSource("handleInvalid")
    void rejectsInvalidHandle(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Handle.parse(value));
        assertThat(Handle.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("nsidValid")
    void acceptsValidNsid(String value) {
        Nsid nsid = Nsid.parse(value);
        assertThat(nsid.value()).isEqualTo(value);
        assertThat(nsid.authority() + "." + nsid.name()).isEqualTo(value);
        assertThat(Nsid.tryParse(value)).contains(nsid);
    }

    @ParameterizedTest
    @MethodSource("nsidInvalid")
    void rejectsInvalidNsid(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Nsid.parse(value));
        assertThat(Nsid.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("recordKeyValid")
    void acceptsValidRecordKey(String value) {
        assertThat(RecordKey.parse(value).value()).isEqualTo(value);
        assertThat(RecordKey.tryParse(value)).isPresent();
    }

    @ParameterizedTest
    @MethodSource("recordKeyInvalid")
    void rejectsInvalidRecordKey(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> RecordKey.parse(value));
        assertThat(RecordKey.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("tidValid")
    void acceptsValidTidAndRoundTripsItsInteger(String value) {
        Tid tid = Tid.parse(value);
        assertThat(tid.value()).isEqualTo(value);
        assertThat(Tid.fromLong(tid.toLong())).isEqualTo(tid);
        assertThat(Tid.of(tid.micros(), tid.clockId())).isEqualTo(tid);
        assertThat(Tid.tryParse(value)).contains(tid);
    }

    @ParameterizedTest
    @MethodSource("tidInvalid")
    void rejectsInvalidTid(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Tid.parse(value));
        assertThat(Tid.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("atUriValid")
    void acceptsValidAtUriAndRoundTripsIt(String value) {
        AtUri uri = AtUri.parse(value);
        assertThat(uri.toString()).isEqualTo(value);
        assertThat(AtUri.parse(uri.toString())).isEqualTo(uri);
        assertThat(AtUri.tryParse(value)).contains(uri);
    }

    @ParameterizedTest
    @MethodSource("atUriInvalid")
    void rejectsInvalidAtUri(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtUri.parse(value));
        assertThat(AtUri.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("datetimeValid")
    void acceptsValidDatetimeKeepingTheExactString(String value) {
        AtDatetime datetime = AtDatetime.parse(value);
        assertThat(datetime.value()).isEqualTo(value);
        assertThat(datetime.toString()).isEqualTo(value);
        assertThat(datetime.instant()).isNotNull();
        assertThat(AtDatetime.tryParse(value)).contains(datetime);
    }

    @ParameterizedTest
    @MethodSource("datetimeInvalid")
    void rejectsSyntacticallyInvalidDatetime(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.parse(value));
        assertThat(AtDatetime.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("datetimeParseInvalid")
    void rejectsDatetimeThatIsNotARealInstantInYears0000To9999(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtDatetime.parse(value));
        assertThat(AtDatetime.tryParse(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("atIdentifierValid")
    void acceptsValidAtIdentifier(String value) {
        AtIdentifier id = AtIdentifier.parse(value);
        if (value.startsWith("did:")) {
            assertThat(id).isInstanceOf(Did.class);
            assertThat(id.value()).isEqualTo(value);
        } else {
            assertThat(id).isInstanceOf(Handle.class);
            assertThat(id.value()).isEqualTo(value.toLowerCase(Locale.ROOT));
        }
        assertThat(AtIdentifier.tryParse(value)).contains(id);
    }

    @ParameterizedTest
    @MethodSource("atIdentifierInvalid")
    void rejectsInvalidAtIdentifier(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtIdentifier.parse(value));
        assertThat(AtIdentifier.tryParse(value)).isEmpty();
    }

    @Test
    void vectorFilesKeepTheirMeaningfulWhitespace() {
        assertThat(InteropVectors.values("aturi_syntax_invalid.txt"))
                .contains("at://did:plc:asdf123 ", " at://did:plc:asdf123");
        assertThat(InteropVectors.values("handle_syntax_invalid.txt"))
                .contains(" john.test", "john.test ");
        assertThat(InteropVectors.values("datetime_syntax_invalid.txt"))
                .contains(" 1985-04-12T23:20:50.123Z", "1985-04-12T23:20:50.123Z ");
    }

    @Test
    void vectorFilesHoldTheExpectedNumberOfValues() {
        assertThat(InteropVectors.values("aturi_syntax_invalid.txt")).hasSizeGreaterThan(60);
        assertThat(InteropVectors.values("handle_syntax_valid.txt")).hasSizeGreaterThan(60);
        assertThat(InteropVectors.values("datetime_parse_invalid.txt")).hasSize(7);
    }
}
