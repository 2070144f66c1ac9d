package computer.aesthetic.moodsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.syntax.Did;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every event kind and error frame, unknown kinds ignored, and a typed error for each malformed frame. */
class FrameCodecTest {

    private static final Did DID = Did.parse("did:plc:alice000000000000000000");

    private static byte[] frame(Object header, Object body) {
        byte[] h = DagCbor.encode(header);
        byte[] b = DagCbor.encode(body);
        byte[] out = Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, out, h.length, b.length);
        return out;
    }

    @Test
    void identityAccountInfoAndErrorFramesRoundTrip() {
        List<FirehoseEvent> events = List.of(
                new FirehoseEvent.Identity(7, DID, "2026-01-01T00:00:00Z", Optional.of("alice.test")),
                new FirehoseEvent.Identity(8, DID, "2026-01-01T00:00:00Z", Optional.empty()),
                new FirehoseEvent.Account(9, DID, "2026-01-01T00:00:00Z", false, Optional.of("takendown")),
                new FirehoseEvent.Account(10, DID, "2026-01-01T00:00:00Z", true, Optional.empty()),
                new FirehoseEvent.Info("OutdatedCursor", Optional.of("Requested cursor exceeded limit.")),
                new FirehoseEvent.ErrorFrame("FutureCursor", Optional.empty()),
                new FirehoseEvent.ErrorFrame("ConsumerTooSlow", Optional.of("Stream consumer too slow")));
        for (FirehoseEvent e : events) {
            assertThat(FrameCodec.decode(FrameCodec.encode(e))).isEqualTo(e);
        }
        assertThat(events.get(0).sequence()).hasValue(7);
        assertThat(events.get(4).sequence()).isEmpty();
    }

    @Test
    void theWireFormOfAnIdentityEventIsTheLexicons() {
        byte[] wire = frame(Map.of("op", 1L, "t", "#identity"),
                Map.of("seq", 5L, "did", DID.value(), "time", "2026-01-01T00:00:00Z", "handle", "alice.test"));
        assertThat(FrameCodec.encode(FrameCodec.decode(wire))).isEqualTo(wire);
    }

    @Test
    void unknownOpsAndTypesAreIgnoredWithoutReadingTheBody() {
        assertThat(FrameCodec.decode(frame(Map.of("op", 1L, "t", "#labels"), "anything")))
                .isEqualTo(new FirehoseEvent.Unknown(1, Optional.of("#labels")));
        assertThat(FrameCodec.decode(frame(Map.of("op", 2L), List.of())))
                .isEqualTo(new FirehoseEvent.Unknown(2, Optional.empty()));
        // the body of an unknown kind may even be garbage
        byte[] header = DagCbor.encode(Map.of("op", 1L, "t", "#future"));
        byte[] withGarbage = Arrays.copyOf(header, header.length + 3);
        withGarbage[header.length] = (byte) 0xff;
        assertThat(FrameCodec.decode(withGarbage)).isInstanceOf(FirehoseEvent.Unknown.class);
    }

    @Test
    void malformedFramesAreTyped() {
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("seq", 1L);
        account.put("did", DID.value());
        account.put("time", "t");
        account.put("active", "yes");
        List<byte[]> bad = List.of(
                new byte[0],
                new byte[] {(byte) 0xff},
                DagCbor.encode(Map.of("op", 1L, "t", "#identity")), // no body
                frame(Map.of("op", 1L), Map.of()), // op 1 without t
                frame(Map.of("t", "#identity"), Map.of()), // no op
                frame(List.of(1L), Map.of()), // header not a map
                frame(Map.of("op", 1L, "t", "#identity"), List.of()), // body not a map
                frame(Map.of("op", 1L, "t", "#identity"), Map.of("seq", 1L, "did", "not a did", "time", "t")),
                frame(Map.of("op", 1L, "t", "#identity"), Map.of("seq", -1L, "did", DID.value(), "time", "t")),
                frame(Map.of("op", 1L, "t", "#account"), account),
                frame(Map.of("op", -1L), Map.of("message", "no error name")),
                frame(Map.of("op", 1L, "t", "#sync"), Map.of("seq", 1L, "did", DID.value(), "time", "t", "rev", "r",
                        "blocks", new byte[] {1, 2, 3})));
        for (byte[] frame : bad) {
            assertThatThrownBy(() -> FrameCodec.decode(frame)).isInstanceOf(MalformedEventException.class);
        }
        // trailing bytes after the body, and a non-canonical body
        byte[] ok = frame(Map.of("op", -1L), Map.of("error", "X"));
        byte[] trailing = Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> FrameCodec.decode(trailing)).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("not canonical DAG-CBOR");
        byte[] unsorted = {(byte) 0xa1, 0x62, 0x6f, 0x70, 0x20, // {op: -1}
            (byte) 0xa2, 0x65, 'e', 'r', 'r', 'o', 'r', 0x61, 'X', 0x61, 'a', 0x01}; // keys out of canonical order
        assertThatThrownBy(() -> FrameCodec.decode(unsorted)).isInstanceOf(MalformedEventException.class);
    }

    @Test
    void aCommitWithTooManyOpsOrABadOpIsMalformed() {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("action", "create");
        op.put("path", "computer.aesthetic.mood/a");
        op.put("cid", DagCbor.cidOf("x"));
        Map<String, Object> body = commitBody(java.util.Collections.nCopies(201, op));
        assertThatThrownBy(() -> FrameCodec.decode(frame(Map.of("op", 1L, "t", "#commit"), body)))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("at most 200 ops");
        Map<String, Object> rename = new LinkedHashMap<>(op);
        rename.put("action", "rename");
        assertThatThrownBy(() -> FrameCodec.decode(frame(Map.of("op", 1L, "t", "#commit"), commitBody(List.of(rename)))))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("rename");
        Map<String, Object> deleteWithCid = new LinkedHashMap<>(op);
        deleteWithCid.put("action", "delete");
        assertThatThrownBy(() -> FrameCodec.decode(frame(Map.of("op", 1L, "t", "#commit"),
                commitBody(List.of(deleteWithCid))))).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("must not carry a CID");
        Map<String, Object> badPath = new LinkedHashMap<>(op);
        badPath.put("path", "../etc/passwd");
        assertThatThrownBy(() -> FrameCodec.decode(frame(Map.of("op", 1L, "t", "#commit"), commitBody(List.of(badPath)))))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("MST key");
        assertThat(FrameCodec.decode(frame(Map.of("op", 1L, "t", "#commit"), commitBody(List.of(op)))))
                .isInstanceOf(FirehoseEvent.Commit.class);
    }

    private static Map<String, Object> commitBody(List<?> ops) {
        byte[] car = Car.write(List.of(DagCbor.cidOf("c")), Map.of(DagCbor.cidOf("c"), DagCbor.encode("c")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("seq", 1L);
        body.put("rebase", false);
        body.put("tooBig", false);
        body.put("repo", DID.value());
        body.put("commit", DagCbor.cidOf("c"));
        body.put("rev", "3kaaaaaaaaaa2");
        body.put("since", null);
        body.put("blocks", car);
        body.put("ops", ops);
        body.put("blobs", List.of());
        body.put("time", "2026-01-01T00:00:00Z");
        return body;
    }
}
