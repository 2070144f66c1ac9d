package computer.aesthetic.moodsync.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtUriTest {

    private static final Did DID = Did.parse("did:plc:z72i7hdynmk6r22z27h6tvur");
    private static final Nsid POST = Nsid.parse("app.bsky.feed.post");
    private static final RecordKey RKEY = RecordKey.parse("3jzfcijpj2z2a");

    @Test
    void parsesARecordUriIntoItsParts() {
        AtUri uri = AtUri.parse("at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3jzfcijpj2z2a");
        assertThat(uri.authority()).isEqualTo(DID);
        assertThat(uri.collection()).contains(POST);
        assertThat(uri.rkey()).contains(RKEY);
        assertThat(uri).isEqualTo(AtUri.of(DID, POST, RKEY));
    }

    @Test
    void parsesCollectionAndRepositoryUris() {
        assertThat(AtUri.parse("at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post"))
                .isEqualTo(AtUri.of(DID, POST));
        AtUri repo = AtUri.parse("at://did:plc:z72i7hdynmk6r22z27h6tvur");
        assertThat(repo).isEqualTo(AtUri.of(DID));
        assertThat(repo.collection()).isEmpty();
        assertThat(repo.rkey()).isEmpty();
    }

    @Test
    void handleAuthorityIsLowerCasedInTheCanonicalForm() {
        AtUri uri = AtUri.parse("at://Alice.test/app.bsky.feed.post/Self");
        assertThat(uri.authority()).isEqualTo(Handle.parse("alice.test"));
        assertThat(uri).hasToString("at://alice.test/app.bsky.feed.post/Self");
    }

    @Test
    void builtUrisPrintTheCanonicalString() {
        assertThat(AtUri.of(DID, POST, RKEY))
                .hasToString("at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3jzfcijpj2z2a");
        assertThat(AtUri.of(Handle.parse("bob.test"), POST)).hasToString("at://bob.test/app.bsky.feed.post");
        assertThat(AtUri.of(DID)).hasToString("at://did:plc:z72i7hdynmk6r22z27h6tvur");
    }

    @Test
    void recordKeyRequiresACollection() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new AtUri(DID, Optional.empty(), Optional.of(RKEY)))
                .withMessageContaining("collection");
    }

    @Test
    void rejectsNullParts() {
        assertThatNullPointerException().isThrownBy(() -> new AtUri(null, Optional.empty(), Optional.empty()));
        assertThatNullPointerException().isThrownBy(() -> new AtUri(DID, null, Optional.empty()));
        assertThatNullPointerException().isThrownBy(() -> new AtUri(DID, Optional.empty(), null));
        assertThatNullPointerException().isThrownBy(() -> AtUri.of(DID, POST, null));
    }

    @Test
    void constructorEnforcesTheLengthLimit() {
        Did longDid = Did.parse("did:web:" + "a".repeat(2000));
        Nsid longNsid = Nsid.parse("com." + "b".repeat(60) + "." + "c".repeat(60) + ".x");
        RecordKey longKey = RecordKey.parse("k".repeat(512));
        AtUri atLimit = AtUri.of(longDid, longNsid, longKey);
        assertThat(atLimit.toString().length()).isLessThanOrEqualTo(AtUri.MAX_LENGTH);
        assertThat(AtUri.parse(atLimit.toString())).isEqualTo(atLimit);
    }

    @Test
    void acceptsExactlyEightKibAndRejectsOneMore() {
        String prefix = "at://did:web:";
        String exact = prefix + "a".repeat(2048 - "did:web:".length());
        assertThat(AtUri.parse(exact).toString()).hasSize(prefix.length() - "did:web:".length() + 2048);
        assertThatIllegalArgumentException().isThrownBy(() -> AtUri.parse("at://did:plc:x/a.b.c/" + "o".repeat(8192)))
                .withMessageContaining("8192");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "at://did:plc:asdf123?query=1",
        "at://did:plc:asdf123/com.atproto.feed.post/abc#/frag",
        "at://did:plc:asdf123/com.atproto.feed.post/abc/",
        "at://did:plc:asdf123/self",
        "at://did:plc:asdf123/com.atproto.feed.post/.",
        "at://did:plc:asdf123/com.atproto.feed.post/a%20b",
        "at://alice..test",
        "at://",
        "",
    })
    void rejectsNonLexiconForms(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> AtUri.parse(value));
        assertThat(AtUri.tryParse(value)).isEmpty();
    }

    @Test
    void errorMessageNamesTheFormAndTheBadPart() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> AtUri.parse("at://did:plc:asdf123/com.atproto.feed_post"))
                .withMessageContaining("at://AUTHORITY[/COLLECTION[/RKEY]]")
                .withMessageContaining("\"at://did:plc:asdf123/com.atproto.feed_post\"")
                .withMessageContaining("NSID");
    }

    @Test
    void rejectsNullAndTryParseReturnsEmptyForNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> AtUri.parse(null));
        assertThat(AtUri.tryParse(null)).isEmpty();
    }
}
