package computer.aesthetic.moodsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import computer.aesthetic.moodsync.data.Cid;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The MST interop vectors ({@code src/test/resources/interop/mst} and {@code firehose}, from
 * bluesky-social/atproto-interop-tests): key heights, common prefixes, and the sync 1.1 commit proofs
 * (build before and after, covering proofs, inversion in every order of the ops).
 */
class MstInteropTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode resource(String path) {
        try (InputStream in = MstInteropTest.class.getResourceAsStream("/interop/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /interop/" + path);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> keyHeights() {
        List<Arguments> out = new ArrayList<>();
        resource("mst/key_heights.json").forEach(n -> out.add(Arguments.of(n.get("key").asString(),
                n.get("height").asInt())));
        return out.stream();
    }

    @ParameterizedTest(name = "height of \"{0}\" is {1}")
    @MethodSource("keyHeights")
    void keyHeightsMatchTheVectors(String key, int height) {
        assertThat(Mst.height(key)).isEqualTo(height);
    }

    @Test
    void exampleKeysEncodeTheirHeightInTheirSecondCharacter() throws IOException {
        int checked = 0;
        try (InputStream in = getClass().getResourceAsStream("/interop/mst/example_keys.txt");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String key = line.strip();
                if (key.isEmpty() || key.startsWith("#")) {
                    continue;
                }
                assertThat(Mst.isValidKey(key)).as(key).isTrue();
                assertThat(Mst.height(key)).as(key).isEqualTo(key.charAt(1) - '0');
                checked++;
            }
        }
        assertThat(checked).isEqualTo(156);
    }

    @Test
    void commonPrefixesMatchTheVectors() {
        JsonNode vectors = resource("mst/common_prefix.json");
        assertThat(vectors.size()).isPositive();
        vectors.forEach(n -> assertThat(Mst.commonPrefixLength(n.get("left").asString(), n.get("right").asString()))
                .as(n.toString()).isEqualTo(n.get("len").asInt()));
    }

    static Stream<Arguments> commitProofs() {
        List<Arguments> out = new ArrayList<>();
        resource("firehose/commit-proof-fixtures.json").forEach(n -> out.add(
                Arguments.of(Named.of(n.get("comment").asString(), n))));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commitProofs")
    void commitProofFixturesBuildProveAndInvert(JsonNode fixture) {
        Cid leaf = Cid.parse(fixture.get("leafValue").asString());
        TreeMap<String, Cid> entries = new TreeMap<>();
        fixture.get("keys").forEach(k -> entries.put(k.asString(), leaf));
        Mst.Built before = Mst.build(entries);
        assertThat(before.root().toString()).isEqualTo(fixture.get("rootBeforeCommit").asString());

        List<String> adds = strings(fixture.get("adds"));
        List<String> dels = strings(fixture.get("dels"));
        adds.forEach(k -> entries.put(k, leaf));
        dels.forEach(entries::remove);
        Mst.Built after = Mst.build(entries);
        assertThat(after.root().toString()).isEqualTo(fixture.get("rootAfterCommit").asString());

        List<String> changed = new ArrayList<>(adds);
        changed.addAll(dels);
        Map<Cid, byte[]> proof = after.coveringProof(changed);
        for (String cid : strings(fixture.get("blocksInProof"))) {
            assertThat(proof).containsKey(Cid.parse(cid));
        }

        List<RepoOp> ops = new ArrayList<>();
        adds.forEach(k -> ops.add(new RepoOp(RepoOp.Action.CREATE, k, Optional.of(leaf), Optional.empty())));
        dels.forEach(k -> ops.add(new RepoOp(RepoOp.Action.DELETE, k, Optional.empty(), Optional.of(leaf))));
        Map<Cid, byte[]> store = new HashMap<>(proof);
        for (List<RepoOp> order : permutations(ops)) {
            Cid inverted = Mst.invert(after.root(), order, cid -> Optional.ofNullable(store.get(cid)));
            assertThat(inverted).as(order.toString()).isEqualTo(before.root());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commitProofs")
    void inversionWithPartOfTheProofIsRightOrIncompleteNeverWrong(JsonNode fixture) {
        Cid leaf = Cid.parse(fixture.get("leafValue").asString());
        TreeMap<String, Cid> entries = new TreeMap<>();
        fixture.get("keys").forEach(k -> entries.put(k.asString(), leaf));
        Cid before = Mst.build(entries).root();
        List<String> adds = strings(fixture.get("adds"));
        List<String> dels = strings(fixture.get("dels"));
        adds.forEach(k -> entries.put(k, leaf));
        dels.forEach(entries::remove);
        Mst.Built after = Mst.build(entries);
        List<RepoOp> ops = new ArrayList<>();
        adds.forEach(k -> ops.add(new RepoOp(RepoOp.Action.CREATE, k, Optional.of(leaf), Optional.empty())));
        dels.forEach(k -> ops.add(new RepoOp(RepoOp.Action.DELETE, k, Optional.empty(), Optional.of(leaf))));
        List<String> changed = new ArrayList<>(adds);
        changed.addAll(dels);
        Map<Cid, byte[]> proof = after.coveringProof(changed);
        int incomplete = 0;
        for (Cid left : proof.keySet()) {
            Map<Cid, byte[]> partial = new HashMap<>(proof);
            partial.remove(left);
            try {
                assertThat(Mst.invert(after.root(), ops, cid -> Optional.ofNullable(partial.get(cid))))
                        .as("without " + left).isEqualTo(before);
            } catch (VerificationException e) {
                assertThat(e.reason()).isEqualTo(VerificationException.Reason.PROOF_INCOMPLETE);
                incomplete++;
            }
        }
        // leaving out the root always makes the proof incomplete
        assertThat(incomplete).isPositive();
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    static <T> List<List<T>> permutations(List<T> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T first = rest.remove(i);
            for (List<T> p : permutations(rest)) {
                List<T> perm = new ArrayList<>();
                perm.add(first);
                perm.addAll(p);
                out.add(perm);
            }
        }
        return out;
    }
}
