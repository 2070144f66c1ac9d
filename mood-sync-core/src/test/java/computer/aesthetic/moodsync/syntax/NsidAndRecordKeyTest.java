package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec examples and edge cases for {@link Nsid} and {@link RecordKey}. */
class NsidAndRecordKeyTest {

    @ParameterizedTest
    @CsvSource({
        "app.bsky.feed.post,            app.bsky.feed,  post",
        "com.atproto.repo.createRecord, com.atproto.repo, createRecord",
        "computer.aesthetic.mood,       computer.aesthetic, mood",
        "Com.Example.fooBar,            Com.Example,    fooBar",
        "a.b.c,                         a.b,            c",
    })
    void nsidSplitsIntoAuthorityAsWrittenAndName(String value, String authority, String name) {
        Nsid nsid = Nsid.parse(value);
        assertThat(nsid.authority()).isEqualTo(authority);
        assertThat(nsid.name()).isEqualTo(name);
        assertThat(nsid).hasToString(value);
    }

    @Test
    void nsidKeepsCase() {
        assertThat(Nsid.parse("com.example.fooBar")).isNotEqualTo(Nsid.parse("com.example.foobar"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"com.example", "com.example.foo-bar", "com.example.3d", "1com.example.foo",
        "com.example.", "com..example.foo", "com.example.foo_bar"})
    void nsidRejectsInvalidSyntax(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Nsid.parse(value))
                .withMessageStartingWith("Expected NSID");
    }

    @Test
    void nsidRejectsMoreThan317Chars() {
        String seg = "a".repeat(63);
        String value = seg + "." + seg + "." + seg + "." + seg + "." + "b".repeat(63) + ".c";
        assertThat(value.length()).isGreaterThan(317);
        assertThatIllegalArgumentException().isThrownBy(() -> Nsid.parse(value)).withMessageContaining("317");
    }

    @ParameterizedTest
    @ValueSource(strings = {"3jzfcijpj2z2a", "self", "literal:self", "app.bsky.feed.post", "~1.2-3_", "...", ":"})
    void recordKeyAcceptsSpecExamples(String value) {
        assertThat(RecordKey.parse(value)).hasToString(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "", "a/b", "a b", "a#b", "a?b", "%20", "é"})
    void recordKeyRejectsInvalidValues(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> RecordKey.parse(value))
                .withMessageStartingWith("Expected record key");
        assertThat(RecordKey.tryParse(value)).isEmpty();
    }

    @Test
    void recordKeyAllows512CharsButNot513() {
        assertThat(RecordKey.parse("k".repeat(512)).value()).hasSize(512);
        assertThatIllegalArgumentException().isThrownBy(() -> RecordKey.parse("k".repeat(513)))
                .withMessageContaining("512").withMessageContaining("513 chars");
    }

    @Test
    void nullIsRejectedByParseAndEmptyForTryParse() {
        assertThatIllegalArgumentException().isThrownBy(() -> Nsid.parse(null));
        assertThatIllegalArgumentException().isThrownBy(() -> RecordKey.parse(null));
        assertThat(Nsid.tryParse(null)).isEmpty();
        assertThat(RecordKey.tryParse(null)).isEmpty();
    }
}
