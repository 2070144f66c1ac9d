package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec examples and edge cases for {@link Did}, {@link Handle} and {@link AtIdentifier}. */
class IdentifierTest {

    @ParameterizedTest
    @CsvSource({
        "did:plc:z72i7hdynmk6r22z27h6tvur, plc",
        "did:web:blueskyweb.xyz,           web",
        "did:method:val:two,               method",
        "did:m:v,                          m",
        "did:web:localhost%3A1234,         web",
    })
    void didExposesItsMethod(String value, String method) {
        Did did = Did.parse(value);
        assertThat(did.method()).isEqualTo(method);
        assertThat(did).hasToString(value);
    }

    @Test
    void didAcceptsExactly2048CharsAndRejectsMore() {
        String max = "did:plc:" + "a".repeat(2048 - 8);
        assertThat(Did.parse(max).value()).hasSize(2048);
        assertThatIllegalArgumentException().isThrownBy(() -> Did.parse(max + "a"))
                .withMessageContaining("2048").withMessageContaining("2049 chars");
    }

    @Test
    void didIsCaseSensitiveAfterTheMethod() {
        assertThat(Did.parse("did:method:VAL")).isNotEqualTo(Did.parse("did:method:val"));
    }

    @Test
    void handleIsNormalisedToLowerCase() {
        Handle handle = Handle.parse("XX.LCS.MIT.EDU");
        assertThat(handle.value()).isEqualTo("xx.lcs.mit.edu");
        assertThat(handle).isEqualTo(new Handle("xx.lcs.mit.edu")).hasToString("xx.lcs.mit.edu");
    }

    @ParameterizedTest
    @ValueSource(strings = {"laptop.local", "blah.arpa", "x.invalid", "a.localhost", "b.internal",
        "c.example", "d.alt", "expyuzz4wqqyqhjn.onion", "handle.invalid", "alice.test"})
    void handleAcceptsTheSpecsDisallowedTldsBecauseTheyAreSyntacticallyValid(String value) {
        assertThat(Handle.parse(value).value()).isEqualTo(value);
    }

    @Test
    void handleAcceptsExactly253CharsAndRejectsMore() {
        String label = "a".repeat(63);
        String max = label + "." + label + "." + label + "." + "b".repeat(61);
        assertThat(max).hasSize(253);
        assertThat(Handle.parse(max).value()).isEqualTo(max);
        assertThatIllegalArgumentException().isThrownBy(() -> Handle.parse(max + "b"))
                .withMessageContaining("253");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "alice.test.", ".alice.test", "alice.123", "-a.test", "a-.test",
        "al ice.test", "alice_test.com", "émile.test", ""})
    void handleRejectsInvalidSyntax(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Handle.parse(value))
                .withMessageStartingWith("Expected handle");
    }

    @Test
    void atIdentifierPicksDidOrHandle() {
        assertThat(AtIdentifier.parse("did:plc:z72i7hdynmk6r22z27h6tvur"))
                .isEqualTo(new Did("did:plc:z72i7hdynmk6r22z27h6tvur"));
        assertThat(AtIdentifier.parse("Alice.Test")).isEqualTo(new Handle("alice.test"));
    }

    @Test
    void atIdentifierIsASealedSwitchableType() {
        AtIdentifier id = AtIdentifier.parse("did:web:example.com");
        String kind;
        if (id instanceof Did did) {
            kind = "did " + did.method();
        } else if (id instanceof Handle handle) {
            kind = "handle " + handle.value();
        } else {
            throw new AssertionError(id);
        }
        assertThat(kind).isEqualTo("did web");
        assertThat(AtIdentifier.class.getPermittedSubclasses()).containsExactlyInAnyOrder(Did.class, Handle.class);
    }

    @Test
    void atIdentifierRejectsBadDidWithTheDidMessage() {
        assertThatIllegalArgumentException().isThrownBy(() -> AtIdentifier.parse("did:thing"))
                .withMessageStartingWith("Expected DID");
        assertThatIllegalArgumentException().isThrownBy(() -> AtIdentifier.parse("email@example.com"))
                .withMessageStartingWith("Expected DID or handle");
    }

    @Test
    void nullIsRejectedByParseAndEmptyForTryParse() {
        assertThatIllegalArgumentException().isThrownBy(() -> Did.parse(null));
        assertThatIllegalArgumentException().isThrownBy(() -> Handle.parse(null));
        assertThatIllegalArgumentException().isThrownBy(() -> AtIdentifier.parse(null));
        assertThat(Did.tryParse(null)).isEmpty();
        assertThat(Handle.tryParse(null)).isEmpty();
        assertThat(AtIdentifier.tryParse(null)).isEmpty();
    }
}
