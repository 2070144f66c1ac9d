package computer.aesthetic.moodsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.sync.internal.Base58;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The crypto interop vectors ({@code src/test/resources/interop/crypto}) against {@link DidKey} and
 * {@link JdkP256}: every P-256 case (valid, high-S, DER-encoded) and the did:key encodings of both curves. The
 * k256 signature cases run against BouncyCastle in mood-sync-atproto.
 */
class SignatureVectorsTest {

    static Stream<Arguments> signatureFixtures() {
        List<Arguments> out = new ArrayList<>();
        MstInteropTest.resource("crypto/signature-fixtures.json").forEach(n -> out.add(
                Arguments.of(Named.of(n.get("comment").asString(), n))));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signatureFixtures")
    void didKeysParseToTheirCurveAndTheirMultibaseKey(JsonNode fixture) {
        DidKey key = DidKey.parse(fixture.get("publicKeyDid").asString());
        DidKey.Curve expected = fixture.get("algorithm").asString().equals("ES256K") ? DidKey.Curve.K256
                : DidKey.Curve.P256;
        assertThat(key.curve()).isEqualTo(expected);
        assertThat(key.curve().jwtAlg()).isEqualTo(fixture.get("algorithm").asString());
        assertThat(key.toString()).isEqualTo(fixture.get("publicKeyDid").asString());
        // publicKeyMultibase holds the bare compressed point (the legacy verification suites)
        assertThat(Base58.decode(fixture.get("publicKeyMultibase").asString(), 1)).isEqualTo(key.compressedPoint());
        assertThat(DidKey.fromVerificationMethod(fixture.get("didDocSuite").asString(),
                fixture.get("publicKeyMultibase").asString())).isEqualTo(key);
        assertThat(DidKey.fromVerificationMethod("Multikey", key.multikey())).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signatureFixtures")
    void p256SignaturesVerifyExactlyWhenTheVectorSaysValid(JsonNode fixture) {
        DidKey key = DidKey.parse(fixture.get("publicKeyDid").asString());
        if (key.curve() != DidKey.Curve.P256) {
            assertThat(JdkP256.verifier().supports(key.curve())).isFalse();
            assertThatThrownBy(() -> JdkP256.verifier().verify(key, new byte[0], new byte[64]))
                    .isInstanceOf(IllegalArgumentException.class);
            return;
        }
        byte[] message = Base64.getDecoder().decode(fixture.get("messageBase64").asString());
        byte[] signature = Base64.getDecoder().decode(fixture.get("signatureBase64").asString());
        assertThat(JdkP256.verifier().verify(key, message, signature))
                .isEqualTo(fixture.get("validSignature").asBoolean());
    }

    @Test
    void highSOfAValidSignatureIsRejectedAndTheVectorsCoverIt() {
        long highS = 0;
        for (JsonNode n : MstInteropTest.resource("crypto/signature-fixtures.json")) {
            for (JsonNode tag : n.get("tags")) {
                if (tag.asString().equals("high-s")) {
                    highS++;
                    assertThat(n.get("validSignature").asBoolean()).isFalse();
                }
            }
        }
        assertThat(highS).isEqualTo(2);
    }

    static Stream<Arguments> w3cDidKeys() {
        List<Arguments> out = new ArrayList<>();
        MstInteropTest.resource("crypto/w3c_didkey_K256.json").forEach(n -> out.add(
                Arguments.of(n.get("publicDidKey").asString(), DidKey.Curve.K256)));
        MstInteropTest.resource("crypto/w3c_didkey_P256.json").forEach(n -> out.add(
                Arguments.of(n.get("publicDidKey").asString(), DidKey.Curve.P256)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("w3cDidKeys")
    void w3cDidKeysRoundTrip(String didKey, DidKey.Curve curve) {
        DidKey key = DidKey.parse(didKey);
        assertThat(key.curve()).isEqualTo(curve);
        assertThat(DidKey.parse(key.toString())).isEqualTo(key);
        assertThat(DidKey.parseMultikey(key.multikey())).isEqualTo(key);
    }

    @Test
    void malformedDidKeysAreRejected() {
        for (String bad : List.of("", "did:web:example.com", "did:key:", "did:key:x123", "did:key:z0OIl",
                "did:key:z" + Base58.encode(new byte[35]),
                "did:key:z" + Base58.encode(new byte[] {(byte) 0xed, 0x01, 1, 2, 3}))) {
            assertThat(DidKey.tryParse(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void jdkP256SignsLowSAndVerifiesItsOwnSignatures() {
        CommitSigner signer = JdkP256.generate();
        for (int i = 0; i < 50; i++) {
            byte[] message = ("message " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] sig = signer.sign(message);
            assertThat(sig).hasSize(64);
            assertThat(JdkP256.isLowS(sig)).isTrue();
            assertThat(JdkP256.verifier().verify(signer.publicKey(), message, sig)).isTrue();
            message[0] ^= 1;
            assertThat(JdkP256.verifier().verify(signer.publicKey(), message, sig)).isFalse();
        }
        assertThat(signer.toString()).doesNotContain("Private").contains(signer.publicKey().toString());
    }
}
