package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * The Merkle search tree (MST) of an ATProto repository: key heights, building a tree from its entries,
 * covering proofs, and the inversion of a commit's operations on the partial tree a {@code #commit} carries.
 *
 * <p>A node is the DAG-CBOR map {@code {l, e: [{p, k, v, t}]}}: {@code l} the subtree left of the first entry
 * (or null), each entry the length {@code p} of the prefix shared with the previous key, the rest {@code k} of
 * the key as bytes, the value CID {@code v} and the subtree {@code t} right of it (or null). A key's height is
 * the number of leading zero bits of SHA-256(key) divided by two, rounded down; a node at layer {@code n} holds
 * exactly the keys of height {@code n}, and the gaps between them are subtrees at layer {@code n - 1}, wrapped
 * in nodes without entries where heights skip a layer. The root is at the greatest height; the empty tree is
 * the node {@code {l: null, e: []}}. The structure is therefore a function of the key set, and so is its root CID.
 *
 * <p>Inversion (sync 1.1): a {@code #commit} carries the MST nodes on the paths of its changed keys (and their
 * neighbours). Subtrees it leaves out stay opaque; {@link #invert} applies the operations in reverse to that
 * partial tree and recomputes the root, which must equal the commit's {@code prevData}. A missing node needed to
 * do so is {@link VerificationException.Reason#PROOF_INCOMPLETE}.
 *
 * <p>Stateless and thread-safe; {@link Built} instances are immutable.
 */
public final class Mst {

    /** The longest MST key accepted. */
    public static final int MAX_KEY_LENGTH = 1024;

    private Mst() {
    }

    // ---- keys --------------------------------------------------------------------------------

    /**
     * Returns the height of a key: leading zero bits of SHA-256 of its UTF-8 bytes, divided by two.
     *
     * @param key any string (the interop vectors include the empty string)
     * @return the height, 0 for most keys
     */
    public static int height(String key) {
        Objects.requireNonNull(key, "key");
        byte[] hash = sha256().digest(key.getBytes(StandardCharsets.UTF_8));
        int zeros = 0;
        for (byte b : hash) {
            int x = b & 0xff;
            if (x == 0) {
                zeros += 8;
                continue;
            }
            zeros += Integer.numberOfLeadingZeros(x) - 24;
            break;
        }
        return zeros / 2;
    }

    /**
     * Tells whether a string is a valid MST key: {@code collection/rkey}, exactly one slash, both parts
     * non-empty and of the characters {@code A-Za-z0-9_~-:.}, at most {@value #MAX_KEY_LENGTH} characters.
     *
     * @param key the candidate; may be null (which is invalid)
     * @return whether it is valid
     */
    public static boolean isValidKey(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        int slash = -1;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '/') {
                if (slash >= 0) {
                    return false;
                }
                slash = i;
            } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '~' || c == '-' || c == ':' || c == '.')) {
                return false;
            }
        }
        return slash > 0 && slash < key.length() - 1;
    }

    /**
     * Returns the length of the common prefix of two keys, in characters.
     *
     * @param a one key
     * @param b the other key
     * @return the number of leading characters they share
     */
    public static int commonPrefixLength(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    // ---- building ----------------------------------------------------------------------------

    /**
     * Builds the tree of a complete set of entries.
     *
     * @param entries MST key to value CID; every key must be {@linkplain #isValidKey valid}
     * @return the tree: its root CID, all its node blocks and covering proofs
     * @throws IllegalArgumentException if a key is not a valid MST key
     */
    public static Built build(SortedMap<String, Cid> entries) {
        Objects.requireNonNull(entries, "entries");
        List<Item> items = new ArrayList<>(entries.size());
        for (Map.Entry<String, Cid> e : entries.entrySet()) {
            if (!isValidKey(e.getKey())) {
                throw new IllegalArgumentException("not a valid MST key: \"" + e.getKey() + "\"");
            }
            items.add(new Leaf(e.getKey(), Objects.requireNonNull(e.getValue(), "value"), height(e.getKey())));
        }
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        Tree root = buildRoot(items, blocks);
        return new Built((Node) root, Collections.unmodifiableMap(blocks));
    }

    /**
     * A complete tree built by {@link #build}. Immutable and thread-safe.
     */
    public static final class Built {
        private final Node root;
        private final Map<Cid, byte[]> blocks;

        private Built(Node root, Map<Cid, byte[]> blocks) {
            this.root = root;
            this.blocks = blocks;
        }

        /**
         * Returns the root CID (the {@code data} of a commit).
         *
         * @return the root CID
         */
        public Cid root() {
            return root.cid;
        }

        /**
         * Returns every node of the tree.
         *
         * @return node CID to node bytes, unmodifiable; callers must not modify the arrays
         */
        public Map<Cid, byte[]> blocks() {
            return blocks;
        }

        /**
         * Returns the nodes that prove the presence or absence of each key and allow its insertion or removal
         * to be inverted: the nodes on the key's path and on the paths down its neighbouring subtrees (the
         * reference implementation's covering proof).
         *
         * @param keys the changed keys
         * @return node CID to node bytes, in path order; callers must not modify the arrays
         */
        public Map<Cid, byte[]> coveringProof(Collection<String> keys) {
            Map<Cid, byte[]> out = new LinkedHashMap<>();
            for (String key : keys) {
                prove(root, key, out);
            }
            return out;
        }

        private static void prove(Node node, String key, Map<Cid, byte[]> out) {
            out.put(node.cid, node.bytes);
            // children[i] is the subtree left of keys[i]; children[keys.size()] the rightmost one
            int i = 0;
            while (i < node.keys.size() && node.keys.get(i).compareTo(key) < 0) {
                i++;
            }
            if (i < node.keys.size() && node.keys.get(i).equals(key)) {
                proveChild(node.children.get(i), key, out);
                proveChild(node.children.get(i + 1), key, out);
            } else {
                proveChild(node.children.get(i), key, out);
            }
        }

        private static void proveChild(Tree child, String key, Map<Cid, byte[]> out) {
            if (child instanceof Node n) {
                prove(n, key, out);
            }
        }

        /**
         * Describes the tree.
         *
         * @return the root CID and the number of nodes
         */
        @Override
        public String toString() {
            return "Mst.Built[root=" + root.cid + ", nodes=" + blocks.size() + "]";
        }
    }

    // ---- inversion ---------------------------------------------------------------------------

    /**
     * Checks a commit's operations against the (partial) tree after it and computes the root before it by
     * applying them in reverse: a create is removed, an update restored to its {@code prev}, a delete
     * re-inserted with its {@code prev}.
     *
     * @param data the root after the commit (the commit's {@code data})
     * @param ops the commit's operations, in order
     * @param blocks the available blocks (a commit's CAR slice)
     * @return the root before the commit; the caller compares it with {@code prevData}
     * @throws VerificationException with {@link VerificationException.Reason#PROOF_INCOMPLETE} if a node needed is
     *     missing, {@link VerificationException.Reason#OP_MISMATCH} if an op does not match the tree after the
     *     commit (or lacks the {@code prev} needed to invert it, or a path repeats),
     *     {@link VerificationException.Reason#NOT_CANONICAL} if the tree is not in canonical form
     * @throws MalformedEventException if a node is not a well-formed MST node
     */
    public static Cid invert(Cid data, List<RepoOp> ops, Function<Cid, Optional<byte[]>> blocks) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(blocks, "blocks");
        List<Item> items = new ArrayList<>();
        flatten(data, -1, blocks, items, new String[1]);
        Cid rebuilt = buildRoot(items, null).cid();
        if (!rebuilt.equals(data)) {
            throw new VerificationException(VerificationException.Reason.NOT_CANONICAL,
                    "MST rooted at " + data + " is not in canonical form (its entries give root " + rebuilt + ")");
        }
        Set<String> seen = new HashSet<>();
        for (RepoOp op : ops) {
            if (!seen.add(op.path())) {
                throw new VerificationException(VerificationException.Reason.OP_MISMATCH,
                        "path " + op.path() + " appears more than once in the commit's ops");
            }
            int at = find(items, op.path());
            Optional<Cid> now = at >= 0 ? Optional.of(((Leaf) items.get(at)).value) : Optional.empty();
            if (!now.equals(op.cid())) {
                throw new VerificationException(VerificationException.Reason.OP_MISMATCH, op.action().wire() + " of "
                        + op.path() + " claims " + op.cid().map(Cid::toString).orElse("no record")
                        + " after the commit, but the tree holds " + now.map(Cid::toString).orElse("no record"));
            }
        }
        for (int i = ops.size() - 1; i >= 0; i--) {
            RepoOp op = ops.get(i);
            if (op.action() != RepoOp.Action.CREATE && op.prev().isEmpty()) {
                throw new VerificationException(VerificationException.Reason.OP_MISMATCH,
                        op.action().wire() + " of " + op.path() + " has no prev CID, so it cannot be inverted");
            }
            int at = find(items, op.path());
            switch (op.action()) {
                case CREATE -> items.remove(at);
                case UPDATE -> items.set(at, new Leaf(op.path(), op.prev().orElseThrow(), height(op.path())));
                case DELETE -> items.add(-at - 1, new Leaf(op.path(), op.prev().orElseThrow(), height(op.path())));
            }
        }
        return buildRoot(items, null).cid();
    }

    /**
     * Finds a key among the flattened items: its index when present, {@code -(insertion point) - 1} when
     * certainly absent.
     *
     * @throws VerificationException PROOF_INCOMPLETE when the key could be inside an unopened subtree
     */
    private static int find(List<Item> items, String key) {
        int lo = 0;
        int n = items.size();
        // first leaf with key >= k; items are sorted with stubs in the gaps between leaves
        int i = 0;
        while (i < n) {
            Item it = items.get(i);
            if (it instanceof Leaf l && l.key.compareTo(key) >= 0) {
                break;
            }
            if (it instanceof Leaf) {
                lo = i + 1;
            }
            i++;
        }
        if (i < n && ((Leaf) items.get(i)).key.equals(key)) {
            return i;
        }
        for (int j = lo; j < i; j++) {
            if (items.get(j) instanceof Stub s) {
                throw new VerificationException(VerificationException.Reason.PROOF_INCOMPLETE,
                        "the proof does not show whether " + key + " is in the subtree " + s.cid
                                + ", which the commit's blocks leave out");
            }
        }
        return -i - 1;
    }

    /** Reads the node at {@code cid} (layer {@code layer}, or -1 for the root) into sorted items. */
    private static void flatten(Cid cid, int layer, Function<Cid, Optional<byte[]>> blocks, List<Item> out,
            String[] lastKey) {
        Optional<byte[]> bytes = blocks.apply(cid);
        if (bytes.isEmpty()) {
            if (layer < 0) {
                throw new VerificationException(VerificationException.Reason.PROOF_INCOMPLETE,
                        "the blocks lack the MST root " + cid);
            }
            out.add(new Stub(cid, layer));
            return;
        }
        DecodedNode node = DecodedNode.decode(cid, bytes.get());
        int nodeLayer = layer;
        if (node.keys.isEmpty()) {
            if (layer < 0 && node.left == null) {
                return; // the empty tree
            }
            if (layer < 0 || node.left == null) {
                throw new VerificationException(VerificationException.Reason.NOT_CANONICAL, "MST node " + cid
                        + (layer < 0 ? " is a root without entries but with a subtree" : " is empty but not the root"));
            }
        } else if (layer < 0) {
            nodeLayer = height(node.keys.get(0));
        }
        if (nodeLayer == 0 && node.hasSubtrees()) {
            throw new VerificationException(VerificationException.Reason.NOT_CANONICAL,
                    "MST node " + cid + " is at layer 0 but has subtrees");
        }
        if (node.left != null) {
            flatten(node.left, nodeLayer - 1, blocks, out, lastKey);
        }
        for (int i = 0; i < node.keys.size(); i++) {
            String key = node.keys.get(i);
            int h = height(key);
            if (h != nodeLayer) {
                throw new VerificationException(VerificationException.Reason.NOT_CANONICAL, "MST node " + cid
                        + " is at layer " + nodeLayer + " but holds " + key + " of height " + h);
            }
            if (lastKey[0] != null && lastKey[0].compareTo(key) >= 0) {
                throw new VerificationException(VerificationException.Reason.NOT_CANONICAL,
                        "MST keys out of order: " + key + " after " + lastKey[0]);
            }
            lastKey[0] = key;
            out.add(new Leaf(key, node.values.get(i), h));
            Cid right = node.rights.get(i);
            if (right != null) {
                flatten(right, nodeLayer - 1, blocks, out, lastKey);
            }
        }
    }

    // ---- the shared builder ------------------------------------------------------------------

    private sealed interface Item permits Leaf, Stub {
    }

    private record Leaf(String key, Cid value, int height) implements Item {
    }

    /** An unopened subtree at a known layer. */
    private record Stub(Cid cid, int layer) implements Item, Tree {
    }

    private sealed interface Tree permits Node, Stub {
        Cid cid();
    }

    private static final class Node implements Tree {
        final Cid cid;
        final byte[] bytes;
        final List<String> keys;
        /** keys.size() + 1 children, null where there is no subtree. */
        final List<Tree> children;

        Node(Cid cid, byte[] bytes, List<String> keys, List<Tree> children) {
            this.cid = cid;
            this.bytes = bytes;
            this.keys = keys;
            this.children = children;
        }

        @Override
        public Cid cid() {
            return cid;
        }
    }

    /** Builds the root over sorted items; collects new node blocks into {@code blocks} when not null. */
    private static Tree buildRoot(List<Item> items, Map<Cid, byte[]> blocks) {
        int layer = 0;
        for (Item it : items) {
            layer = Math.max(layer, it instanceof Leaf l ? l.height : ((Stub) it).layer);
        }
        return build(items, 0, items.size(), layer, blocks);
    }

    private static Tree build(List<Item> items, int from, int to, int layer, Map<Cid, byte[]> blocks) {
        if (to - from == 1 && items.get(from) instanceof Stub s && s.layer == layer) {
            return s;
        }
        List<String> keys = new ArrayList<>();
        List<Cid> values = new ArrayList<>();
        List<Tree> children = new ArrayList<>();
        int gapStart = from;
        for (int i = from; i <= to; i++) {
            Item it = i < to ? items.get(i) : null;
            if (it instanceof Stub s && s.layer >= layer) {
                throw new VerificationException(VerificationException.Reason.PROOF_INCOMPLETE, "the subtree "
                        + s.cid + " must be " + (s.layer > layer ? "restructured" : "merged or split")
                        + " but the commit's blocks leave it out");
            }
            if (it == null || (it instanceof Leaf l && l.height == layer)) {
                children.add(gapStart < i ? build(items, gapStart, i, layer - 1, blocks) : null);
                if (it != null) {
                    Leaf l = (Leaf) it;
                    if (l.height > layer) {
                        throw new IllegalStateException("key above its layer: " + l.key);
                    }
                    keys.add(l.key);
                    values.add(l.value);
                }
                gapStart = i + 1;
            } else if (it instanceof Leaf l && l.height > layer) {
                throw new IllegalStateException("key above its layer: " + l.key);
            }
        }
        List<Object> entries = new ArrayList<>(keys.size());
        String last = "";
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            int p = commonPrefixLength(last, key);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("p", (long) p);
            e.put("k", key.substring(p).getBytes(StandardCharsets.US_ASCII));
            e.put("v", values.get(i));
            Tree right = children.get(i + 1);
            e.put("t", right == null ? null : right.cid());
            entries.add(e);
            last = key;
        }
        Map<String, Object> node = new LinkedHashMap<>();
        Tree left = children.get(0);
        node.put("l", left == null ? null : left.cid());
        node.put("e", entries);
        byte[] bytes = DagCbor.encode(node);
        Cid cid = Cid.forDagCbor(bytes);
        if (blocks != null) {
            blocks.put(cid, bytes);
        }
        return new Node(cid, bytes, List.copyOf(keys), Collections.unmodifiableList(children));
    }

    /** A decoded MST node: keys expanded from their prefixes. */
    private static final class DecodedNode {
        Cid left;
        final List<String> keys = new ArrayList<>();
        final List<Cid> values = new ArrayList<>();
        final List<Cid> rights = new ArrayList<>();

        boolean hasSubtrees() {
            return left != null || rights.stream().anyMatch(Objects::nonNull);
        }

        static DecodedNode decode(Cid cid, byte[] bytes) {
            Object o;
            try {
                o = DagCbor.decode(bytes);
            } catch (IllegalArgumentException e) {
                throw new MalformedEventException("MST node " + cid + " is not canonical DAG-CBOR: " + e.getMessage(), e);
            }
            if (!(o instanceof Map<?, ?> m) || !m.containsKey("l") || !(m.get("e") instanceof List<?> e)) {
                throw new MalformedEventException("MST node " + cid + ": expected a map {l, e: [...]}, found "
                        + Car.describe(o));
            }
            DecodedNode node = new DecodedNode();
            node.left = link(cid, m.get("l"), "l");
            String last = "";
            for (int i = 0; i < e.size(); i++) {
                if (!(e.get(i) instanceof Map<?, ?> entry) || !(entry.get("p") instanceof Long p)
                        || !(entry.get("k") instanceof byte[] k) || !(entry.get("v") instanceof Cid v)
                        || !entry.containsKey("t")) {
                    throw new MalformedEventException("MST node " + cid + ": entry " + i
                            + " is not a map {p: int, k: bytes, v: cid, t: cid|null}");
                }
                if (p < 0 || p > last.length()) {
                    throw new MalformedEventException("MST node " + cid + ": entry " + i + " has prefix length " + p
                            + " but the previous key has " + last.length() + " characters");
                }
                String key = last.substring(0, (int) (long) p) + new String(k, StandardCharsets.US_ASCII);
                if (hasNonAscii(k) || !isValidKey(key)) {
                    throw new MalformedEventException("MST node " + cid + ": entry " + i + " has an invalid key");
                }
                node.keys.add(key);
                node.values.add(v);
                node.rights.add(link(cid, entry.get("t"), "t"));
                last = key;
            }
            return node;
        }

        private static boolean hasNonAscii(byte[] k) {
            for (byte b : k) {
                if (b < 0) {
                    return true;
                }
            }
            return false;
        }

        private static Cid link(Cid node, Object o, String field) {
            if (o == null) {
                return null;
            }
            if (!(o instanceof Cid c)) {
                throw new MalformedEventException("MST node " + node + ": expected " + field + " to be a CID or null, found "
                        + Car.describe(o));
            }
            return c;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
