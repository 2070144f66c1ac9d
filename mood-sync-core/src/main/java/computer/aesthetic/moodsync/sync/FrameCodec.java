package computer.aesthetic.moodsync.sync;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.sync.internal.CborItems;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decodes and encodes the binary frames of {@code com.atproto.sync.subscribeRepos}.
 *
 * <p>A frame is two concatenated DAG-CBOR values: a header {@code {op: 1, t: "#commit"}} (or
 * {@code {op: -1}} for an error frame) and the body. Both must be canonical DAG-CBOR; the body of every known
 * kind is checked field by field (types, required fields, at most {@value #MAX_OPS} ops) and its CAR slice read
 * and hashed by {@link Car#read}. Unknown fields are ignored; a frame with an unknown {@code op} or {@code t}
 * decodes to {@link FirehoseEvent.Unknown} without its body being read.
 *
 * <p>Frame size is bounded by the transport (see {@link #DEFAULT_MAX_FRAME_BYTES}), not here. Stateless and
 * thread-safe.
 */
public final class FrameCodec {

    /** A sensible bound for one frame on the transport: 5 MiB (a PDS slice carries at most 200 records). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 5 * 1024 * 1024;
    /** The most operations a {@code #commit} may carry. */
    public static final int MAX_OPS = 200;

    private FrameCodec() {
    }

    /**
     * Decodes one frame.
     *
     * @param frame the frame's bytes (one WebSocket binary message)
     * @return the event; {@link FirehoseEvent.Unknown} for a kind this version does not know
     * @throws MalformedEventException if the header or the body of a known kind is malformed: not two canonical
     *     DAG-CBOR values, a missing or mistyped field, a bad DID or CID, too many ops, or a CAR slice that
     *     {@link Car#read} rejects
     * @throws NullPointerException if {@code frame} is null
     */
    public static FirehoseEvent decode(byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        int headerEnd;
        try {
            headerEnd = CborItems.end(frame, 0);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("frame header is not CBOR: " + e.getMessage(), e);
        }
        Map<String, Object> header = map(decodeCbor(Arrays.copyOfRange(frame, 0, headerEnd), "frame header"),
                "frame header");
        long op = requiredLong(header, "op", "frame header");
        Optional<String> t = optionalString(header, "t", "frame header");
        if (op != 1 && op != -1) {
            return new FirehoseEvent.Unknown(op, t);
        }
        if (op == 1 && t.isEmpty()) {
            throw new MalformedEventException("frame header: expected t (the event type) with op 1, found none");
        }
        if (op == 1 && !isKnown(t.get())) {
            return new FirehoseEvent.Unknown(op, t);
        }
        if (headerEnd == frame.length) {
            throw new MalformedEventException("frame: expected a body after the header, found the end of the frame");
        }
        String what = op == -1 ? "error frame" : t.get() + " body";
        Map<String, Object> body = map(decodeCbor(Arrays.copyOfRange(frame, headerEnd, frame.length), what), what);
        if (op == -1) {
            return new FirehoseEvent.ErrorFrame(requiredString(body, "error", what),
                    optionalString(body, "message", what));
        }
        return switch (t.get()) {
            case "#commit" -> commit(body);
            case "#sync" -> new FirehoseEvent.Sync(seq(body, what), did(body, "did", what),
                    car(requiredBytes(body, "blocks", what), what), requiredString(body, "rev", what),
                    requiredString(body, "time", what));
            case "#identity" -> new FirehoseEvent.Identity(seq(body, what), did(body, "did", what),
                    requiredString(body, "time", what), optionalString(body, "handle", what));
            case "#account" -> new FirehoseEvent.Account(seq(body, what), did(body, "did", what),
                    requiredString(body, "time", what), requiredBoolean(body, "active", what),
                    optionalString(body, "status", what));
            case "#info" -> new FirehoseEvent.Info(requiredString(body, "name", what),
                    optionalString(body, "message", what));
            default -> throw new IllegalStateException("unreachable: " + t.get());
        };
    }

    private static boolean isKnown(String t) {
        return switch (t) {
            case "#commit", "#sync", "#identity", "#account", "#info" -> true;
            default -> false;
        };
    }

    private static FirehoseEvent.Commit commit(Map<String, Object> body) {
        String what = "#commit body";
        Object rawOps = body.get("ops");
        if (!(rawOps instanceof List<?> opList)) {
            throw new MalformedEventException(what + ": expected ops to be a list, found " + Car.describe(rawOps));
        }
        if (opList.size() > MAX_OPS) {
            throw new MalformedEventException(what + ": expected at most " + MAX_OPS + " ops, found " + opList.size());
        }
        List<RepoOp> ops = new ArrayList<>(opList.size());
        for (int i = 0; i < opList.size(); i++) {
            String where = what + " ops[" + i + "]";
            Map<String, Object> o = map(opList.get(i), where);
            String actionName = requiredString(o, "action", where);
            RepoOp.Action action = RepoOp.Action.ofWire(actionName).orElseThrow(() -> new MalformedEventException(
                    where + ": expected action create, update or delete, found \"" + actionName + "\""));
            try {
                ops.add(new RepoOp(action, requiredString(o, "path", where), optionalCid(o, "cid", where),
                        optionalCid(o, "prev", where)));
            } catch (IllegalArgumentException e) {
                throw new MalformedEventException(where + ": " + e.getMessage(), e);
            }
        }
        Object rawBlobs = body.get("blobs");
        List<Cid> blobs = new ArrayList<>();
        if (rawBlobs != null) {
            if (!(rawBlobs instanceof List<?> blobList)) {
                throw new MalformedEventException(what + ": expected blobs to be a list of CIDs, found "
                        + Car.describe(rawBlobs));
            }
            for (Object b : blobList) {
                if (!(b instanceof Cid cid)) {
                    throw new MalformedEventException(what + ": expected blobs to be CIDs, found " + Car.describe(b));
                }
                blobs.add(cid);
            }
        }
        return new FirehoseEvent.Commit(seq(body, what), did(body, "repo", what), requiredCid(body, "commit", what),
                requiredString(body, "rev", what), optionalString(body, "since", what),
                car(requiredBytes(body, "blocks", what), what), ops, blobs, requiredString(body, "time", what),
                optionalCid(body, "prevData", what), optionalBoolean(body, "rebase", what),
                optionalBoolean(body, "tooBig", what));
    }

    /**
     * Encodes an event as a frame, the inverse of {@link #decode} (used by in-memory event sources and tests).
     *
     * @param event the event; {@link FirehoseEvent.Unknown} encodes its header with an empty map as body
     * @return the frame bytes
     */
    public static byte[] encode(FirehoseEvent event) {
        Objects.requireNonNull(event, "event");
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, Object> body = new LinkedHashMap<>();
        if (event instanceof FirehoseEvent.Commit c) {
            header.put("op", 1L);
            header.put("t", "#commit");
            body.put("seq", c.seq());
            body.put("rebase", c.rebase());
            body.put("tooBig", c.tooBig());
            body.put("repo", c.repo().value());
            body.put("commit", c.commit());
            body.put("rev", c.rev());
            body.put("since", c.since().orElse(null));
            body.put("blocks", Car.write(c.blocks().roots(), c.blocks().blocksUnsafe()));
            List<Object> ops = new ArrayList<>();
            for (RepoOp op : c.ops()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("action", op.action().wire());
                o.put("path", op.path());
                o.put("cid", op.cid().orElse(null));
                op.prev().ifPresent(p -> o.put("prev", p));
                ops.add(o);
            }
            body.put("ops", ops);
            body.put("blobs", List.copyOf(c.blobs()));
            body.put("time", c.time());
            c.prevData().ifPresent(p -> body.put("prevData", p));
        } else if (event instanceof FirehoseEvent.Sync s) {
            header.put("op", 1L);
            header.put("t", "#sync");
            body.put("seq", s.seq());
            body.put("did", s.did().value());
            body.put("blocks", Car.write(s.blocks().roots(), s.blocks().blocksUnsafe()));
            body.put("rev", s.rev());
            body.put("time", s.time());
        } else if (event instanceof FirehoseEvent.Identity i) {
            header.put("op", 1L);
            header.put("t", "#identity");
            body.put("seq", i.seq());
            body.put("did", i.did().value());
            body.put("time", i.time());
            i.handle().ifPresent(h -> body.put("handle", h));
        } else if (event instanceof FirehoseEvent.Account a) {
            header.put("op", 1L);
            header.put("t", "#account");
            body.put("seq", a.seq());
            body.put("did", a.did().value());
            body.put("time", a.time());
            body.put("active", a.active());
            a.status().ifPresent(s -> body.put("status", s));
        } else if (event instanceof FirehoseEvent.Info i) {
            header.put("op", 1L);
            header.put("t", "#info");
            body.put("name", i.name());
            i.message().ifPresent(m -> body.put("message", m));
        } else if (event instanceof FirehoseEvent.ErrorFrame e) {
            header.put("op", -1L);
            body.put("error", e.error());
            e.message().ifPresent(m -> body.put("message", m));
        } else if (event instanceof FirehoseEvent.Unknown u) {
            header.put("op", u.op());
            u.type().ifPresent(t -> header.put("t", t));
        }
        byte[] h = DagCbor.encode(header);
        byte[] b = DagCbor.encode(body);
        byte[] out = Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, out, h.length, b.length);
        return out;
    }

    // ---- field helpers -----------------------------------------------------------------------

    private static Object decodeCbor(byte[] bytes, String what) {
        try {
            return DagCbor.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException(what + " is not canonical DAG-CBOR: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map<?, ?>)) {
            throw new MalformedEventException(what + ": expected a map, found " + Car.describe(o));
        }
        return (Map<String, Object>) o;
    }

    private static Car car(byte[] bytes, String what) {
        try {
            return Car.read(bytes);
        } catch (MalformedEventException e) {
            throw new MalformedEventException(what + ": blocks: " + e.getMessage(), e);
        }
    }

    private static long seq(Map<String, Object> body, String what) {
        long seq = requiredLong(body, "seq", what);
        if (seq < 0) {
            throw new MalformedEventException(what + ": expected a non-negative seq, found " + seq);
        }
        return seq;
    }

    private static Did did(Map<String, Object> body, String key, String what) {
        String s = requiredString(body, key, what);
        return Did.tryParse(s).orElseThrow(() -> new MalformedEventException(
                what + ": expected " + key + " to be a DID, found " + Car.describe(s)));
    }

    private static long requiredLong(Map<String, Object> m, String key, String what) {
        Object o = m.get(key);
        if (!(o instanceof Long l)) {
            throw new MalformedEventException(what + ": expected " + key + " to be an integer, found " + Car.describe(o));
        }
        return l;
    }

    private static String requiredString(Map<String, Object> m, String key, String what) {
        Object o = m.get(key);
        if (!(o instanceof String s)) {
            throw new MalformedEventException(what + ": expected " + key + " to be a string, found " + Car.describe(o));
        }
        return s;
    }

    private static Optional<String> optionalString(Map<String, Object> m, String key, String what) {
        Object o = m.get(key);
        if (o == null) {
            return Optional.empty();
        }
        if (!(o instanceof String s)) {
            throw new MalformedEventException(what + ": expected " + key + " to be a string, found " + Car.describe(o));
        }
        return Optional.of(s);
    }

    private static boolean requiredBoolean(Map<String, Object> m, String key, String what) {
        Object o = m.get(key);
        if (!(o instanceof Boolean b)) {
            throw new MalformedEventException(what + ": expected " + key + " to be a boolean, found " + Car.describe(o));
        }
        return b;
    }

    private static boolean optionalBoolean(Map<String, Object> m, String key, String what) {
        return m.get(key) != null && requiredBoolean(m, key, what);
    }

    private static byte[] requiredBytes(Map<String, Object> m, String key, String what) {
        Object o = m.get(key);
        if (!(o instanceof byte[] b)) {
            throw new MalformedEventException(what + ": expected " + key + " to be bytes, found " + Car.describe(o));
        }
        return b;
    }

    private static Cid requiredCid(Map<String, Object> m, String key, String what) {
        Object o = m.get(key);
        if (!(o instanceof Cid c)) {
            throw new MalformedEventException(what + ": expected " + key + " to be a CID link, found " + Car.describe(o));
        }
        return c;
    }

    private static Optional<Cid> optionalCid(Map<String, Object> m, String key, String what) {
        return m.get(key) == null ? Optional.empty() : Optional.of(requiredCid(m, key, what));
    }
}
