package computer.aesthetic.moodsync.pds.sync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.sync.DidKey;
import computer.aesthetic.moodsync.sync.JdkP256;
import computer.aesthetic.moodsync.sync.internal.Base58;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The crypto interop vectors (core's test resources {@code /interop/crypto}, from
 * bluesky-social/atproto-interop-tests, CC0): every signature case on both curves, including high-S and DER, and
 * the did:key of each W3C private key.
 */
class BouncyCastleSignatureVerifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode resource(String path) {
        try (InputStream in = BouncyCastleSignatureVerifierTest.class.getResourceAsStream("/interop/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /interop/" + path
                        + " (from mood-sync-core's test-jar)");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> signatureFixtures() {
        List<Arguments> out = new ArrayList<>();
        resource("crypto/signature-fixtures.json").forEach(n -> out.add(Arguments.of(Named.of(n.get("comment")
                .asString(), n))));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signatureFixtures")
    void signaturesVerifyExactlyWhenTheVectorSaysValid(JsonNode fixture) {
        DidKey key = DidKey.parse(fixture.get("publicKeyDid").asString());
        byte[] message = Base64.getDecoder().decode(fixture.get("messageBase64").asString());
        byte[] signature = Base64.getDecoder().decode(fixture.get("signatureBase64").asString());
        assertThat(BouncyCastleSignatureVerifier.create().verify(key, message, signature))
                .isEqualTo(fixture.get("validSignature").asBoolean());
    }

    @Test
    void theVectorsCoverBothCurvesHighSAndDer() {
        List<String> tags = new ArrayList<>();
        resource("crypto/signature-fixtures.json").forEach(n -> n.get("tags").forEach(t -> tags.add(
                n.get("algorithm").asString() + " " + t.asString())));
        assertThat(tags).contains("ES256 high-s", "ES256K high-s", "ES256 der-encoded", "ES256K der-encoded");
    }

    static Stream<Arguments> w3cKeys() {
        List<Arguments> out = new ArrayList<>();
        resource("crypto/w3c_didkey_K256.json").forEach(n -> out.add(Arguments.of(n.get("publicDidKey").asString(),
                "secp256k1", HexFormat.of().parseHex(n.get("privateKeyBytesHex").asString()))));
        resource("crypto/w3c_didkey_P256.json").forEach(n -> out.add(Arguments.of(n.get("publicDidKey").asString(),
                "secp256r1", Base58.decode(n.get("privateKeyBytesBase58").asString(), 0))));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("w3cKeys")
    void theDidKeyOfEachPrivateKeyMatches(String didKey, String curveName, byte[] privateKey) {
        X9ECParameters curve = CustomNamedCurves.getByName(curveName);
        byte[] compressed = curve.getG().multiply(new BigInteger(1, privateKey)).normalize().getEncoded(true);
        DidKey.Curve c = curveName.equals("secp256k1") ? DidKey.Curve.K256 : DidKey.Curve.P256;
        assertThat(DidKey.of(c, compressed).toString()).isEqualTo(didKey);
        assertThat(DidKey.parse(didKey).curve()).isEqualTo(c);
    }

    @Test
    void agreesWithTheJdkOnP256AndRejectsAPointOffTheCurve() {
        var signer = JdkP256.generate();
        byte[] message = "commit".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] sig = signer.sign(message);
        assertThat(BouncyCastleSignatureVerifier.create().verify(signer.publicKey(), message, sig)).isTrue();
        byte[] off = signer.publicKey().compressedPoint();
        off[32] ^= 1;
        // either another valid point (signature fails) or not on the curve (rejected): never true, never thrown
        assertThat(BouncyCastleSignatureVerifier.create().verify(DidKey.of(DidKey.Curve.P256, off), message, sig))
                .isFalse();
        assertThat(BouncyCastleSignatureVerifier.create().verify(signer.publicKey(), message, new byte[64])).isFalse();
    }
}
