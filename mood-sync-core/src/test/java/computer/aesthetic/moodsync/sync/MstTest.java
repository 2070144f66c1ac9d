package computer.aesthetic.moodsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Building, proving and inverting random commits on random trees, and the typed failures. */
class MstTest {

    private static Cid value(int i) {
        return DagCbor.cidOf(Map.of("n", (long) i));
    }

    @Test
    void emptyTreeIsTheEmptyNode() {
        Mst.Built empty = Mst.build(new TreeMap<>());
        // the well-known root of an empty repository: {l: null, e: []}
        assertThat(empty.root().toString())
                .isEqualTo("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm");
        assertThat(Mst.invert(empty.root(), List.of(), cid -> Optional.ofNullable(empty.blocks().get(cid))))
                .isEqualTo(empty.root());
    }

    @Test
    void randomCommitsInvertToTheTreeBefore() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            TreeMap<String, Cid> entries = new TreeMap<>();
            int size = random.nextInt(round < 50 ? 8 : 300);
            for (int i = 0; i < size; i++) {
                entries.put("computer.aesthetic.mood/k" + random.nextInt(100_000), value(random.nextInt()));
            }
            Mst.Built before = Mst.build(entries);
            List<RepoOp> ops = new ArrayList<>();
            List<String> existing = new ArrayList<>(entries.keySet());
            int n = 1 + random.nextInt(6);
            java.util.Set<String> touched = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                int kind = random.nextInt(3);
                if (kind > 0 && !existing.isEmpty()) {
                    String key = existing.get(random.nextInt(existing.size()));
                    if (!touched.add(key)) {
                        continue;
                    }
                    Cid prev = entries.get(key);
                    if (kind == 1) {
                        Cid now = value(random.nextInt());
                        entries.put(key, now);
                        ops.add(new RepoOp(RepoOp.Action.UPDATE, key, Optional.of(now), Optional.of(prev)));
                    } else {
                        entries.remove(key);
                        ops.add(new RepoOp(RepoOp.Action.DELETE, key, Optional.empty(), Optional.of(prev)));
                    }
                } else {
                    String key = "computer.aesthetic.mood/n" + random.nextInt(100_000);
                    if (entries.containsKey(key) || !touched.add(key)) {
                        continue;
                    }
                    Cid now = value(random.nextInt());
                    entries.put(key, now);
                    ops.add(new RepoOp(RepoOp.Action.CREATE, key, Optional.of(now), Optional.empty()));
                }
            }
            Mst.Built after = Mst.build(entries);
            Map<Cid, byte[]> proof = after.coveringProof(ops.stream().map(RepoOp::path).toList());
            Cid inverted = Mst.invert(after.root(), ops, cid -> Optional.ofNullable(proof.get(cid)));
            assertThat(inverted).as("round " + round + " " + ops).isEqualTo(before.root());
        }
    }

    @Test
    void anOpThatDoesNotMatchTheTreeAfterIsRejected() {
        TreeMap<String, Cid> entries = new TreeMap<>();
        for (int i = 0; i < 50; i++) {
            entries.put("computer.aesthetic.mood/k" + i, value(i));
        }
        Mst.Built tree = Mst.build(entries);
        Map<Cid, byte[]> all = tree.blocks();
        RepoOp wrongCid = new RepoOp(RepoOp.Action.CREATE, "computer.aesthetic.mood/k7", Optional.of(value(99)),
                Optional.empty());
        RepoOp deletedButPresent = new RepoOp(RepoOp.Action.DELETE, "computer.aesthetic.mood/k8", Optional.empty(),
                Optional.of(value(8)));
        RepoOp updateWithoutPrev = new RepoOp(RepoOp.Action.UPDATE, "computer.aesthetic.mood/k9", Optional.of(value(9)),
                Optional.empty());
        for (RepoOp op : List.of(wrongCid, deletedButPresent, updateWithoutPrev)) {
            assertThatThrownBy(() -> Mst.invert(tree.root(), List.of(op), cid -> Optional.ofNullable(all.get(cid))))
                    .isInstanceOfSatisfying(VerificationException.class,
                            e -> assertThat(e.reason()).isEqualTo(VerificationException.Reason.OP_MISMATCH));
        }
        RepoOp create = new RepoOp(RepoOp.Action.CREATE, "computer.aesthetic.mood/k7", Optional.of(value(7)),
                Optional.empty());
        assertThatThrownBy(() -> Mst.invert(tree.root(), List.of(create, create),
                cid -> Optional.ofNullable(all.get(cid))))
                .isInstanceOfSatisfying(VerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(VerificationException.Reason.OP_MISMATCH));
    }

    @Test
    void aMissingRootOrAGarbledNodeIsTyped() {
        TreeMap<String, Cid> entries = new TreeMap<>();
        entries.put("computer.aesthetic.mood/a", value(1));
        Mst.Built tree = Mst.build(entries);
        assertThatThrownBy(() -> Mst.invert(tree.root(), List.of(), cid -> Optional.empty()))
                .isInstanceOfSatisfying(VerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(VerificationException.Reason.PROOF_INCOMPLETE));
        assertThatThrownBy(() -> Mst.invert(tree.root(), List.of(),
                cid -> Optional.of(DagCbor.encode(Map.of("x", 1L)))))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("expected a map {l, e");
        assertThatThrownBy(() -> Mst.invert(tree.root(), List.of(), cid -> Optional.of(new byte[] {(byte) 0xff})))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("not canonical DAG-CBOR");
    }

    @Test
    void aNodeAtTheWrongLayerIsNotCanonical() {
        // a root holding a height-0 key and a subtree: layer 0 cannot have subtrees
        TreeMap<String, Cid> inner = new TreeMap<>();
        inner.put("computer.aesthetic.mood/b", value(2));
        Mst.Built child = Mst.build(inner);
        Map<String, Object> entry = new java.util.LinkedHashMap<>();
        entry.put("p", 0L);
        entry.put("k", "A0/374913".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        entry.put("v", value(1));
        entry.put("t", child.root());
        Map<String, Object> node = new java.util.LinkedHashMap<>();
        node.put("l", null);
        node.put("e", List.of(entry));
        byte[] bytes = DagCbor.encode(node);
        Cid root = Cid.forDagCbor(bytes);
        Map<Cid, byte[]> blocks = new HashMap<>(child.blocks());
        blocks.put(root, bytes);
        assertThatThrownBy(() -> Mst.invert(root, List.of(), cid -> Optional.ofNullable(blocks.get(cid))))
                .isInstanceOfSatisfying(VerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(VerificationException.Reason.NOT_CANONICAL));
    }

    @Test
    void invalidKeysAreRefused() {
        assertThat(Mst.isValidKey("computer.aesthetic.mood/3kabc")).isTrue();
        for (String bad : List.of("", "nokey", "/a", "a/", "a/b/c", "a b/c", "a/é", "x/" + "a".repeat(1023))) {
            assertThat(Mst.isValidKey(bad)).as(bad).isFalse();
        }
        TreeMap<String, Cid> entries = new TreeMap<>();
        entries.put("bad key", value(1));
        assertThatThrownBy(() -> Mst.build(entries)).isInstanceOf(IllegalArgumentException.class);
    }
}
