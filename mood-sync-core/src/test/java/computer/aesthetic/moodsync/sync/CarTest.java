package computer.aesthetic.moodsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CAR v1 reading: any order, repeats, raw hashing, and a typed error for every malformation. */
class CarTest {

    private static final byte[] A = DagCbor.encode(Map.of("text", "a"));
    private static final byte[] B = DagCbor.encode(Map.of("text", "b"));
    private static final Cid CID_A = Cid.forDagCbor(A);
    private static final Cid CID_B = Cid.forDagCbor(B);

    private static byte[] car(List<Cid> roots, Object... cidThenBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = DagCbor.encode(Map.of("version", 1L, "roots", roots));
        varint(out, header.length);
        out.writeBytes(header);
        for (int i = 0; i < cidThenBytes.length; i += 2) {
            byte[] cid = ((Cid) cidThenBytes[i]).bytes();
            byte[] block = (byte[]) cidThenBytes[i + 1];
            varint(out, cid.length + block.length);
            out.writeBytes(cid);
            out.writeBytes(block);
        }
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while (v >= 0x80) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    @Test
    void readsRootsAndBlocksInAnyOrderWithRepeats() {
        Car car = Car.read(car(List.of(CID_B), CID_B, B, CID_A, A, CID_B, B));
        assertThat(car.roots()).containsExactly(CID_B);
        assertThat(car.size()).isEqualTo(2);
        assertThat(car.block(CID_A)).hasValueSatisfying(b -> assertThat(b).isEqualTo(A));
        assertThat(car.block(CID_B)).hasValueSatisfying(b -> assertThat(b).isEqualTo(B));
        assertThat(car.block(DagCbor.cidOf("other"))).isEmpty();
    }

    @Test
    void writeThenReadRoundTrips() {
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        blocks.put(CID_A, A);
        blocks.put(CID_B, B);
        Car car = Car.read(Car.write(List.of(CID_A), blocks));
        assertThat(car.roots()).containsExactly(CID_A);
        assertThat(car.cids()).containsExactly(CID_A, CID_B);
    }

    @Test
    void hashesTheRawBytesSoANonCanonicalBlockWithItsOwnHashIsKept() {
        // a block that is not canonical DAG-CBOR (unsorted keys) still matches the hash of its raw bytes
        byte[] raw = {(byte) 0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02};
        Cid cid = Cid.forDagCbor(raw);
        assertThat(Car.read(car(List.of(cid), cid, raw)).block(cid)).hasValueSatisfying(b -> assertThat(b).isEqualTo(raw));
    }

    @Test
    void aBlockThatDoesNotMatchItsCidIsRejected() {
        assertThatThrownBy(() -> Car.read(car(List.of(CID_A), CID_A, B)))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("does not hash to its CID");
    }

    @Test
    void everyTruncationIsRejectedWithATypedError() {
        byte[] whole = car(List.of(CID_A), CID_A, A, CID_B, B);
        for (int cut = 0; cut < whole.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(whole, cut);
            int at = cut;
            // a cut exactly between sections is a valid, shorter archive
            try {
                Car read = Car.read(part);
                assertThat(read.size()).as("cut at " + at).isLessThan(2);
            } catch (MalformedEventException expected) {
                assertThat(expected.getMessage()).startsWith("CAR:");
            }
        }
    }

    @Test
    void malformedHeadersAreRejected() {
        byte[] notAMap = DagCbor.encode(List.of(1L));
        byte[] wrongVersion = DagCbor.encode(Map.of("version", 2L, "roots", List.of()));
        byte[] rootsNotCids = DagCbor.encode(Map.of("version", 1L, "roots", List.of("x")));
        for (byte[] header : List.of(notAMap, wrongVersion, rootsNotCids, new byte[] {(byte) 0xff})) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            varint(out, header.length);
            out.writeBytes(header);
            assertThatThrownBy(() -> Car.read(out.toByteArray())).isInstanceOf(MalformedEventException.class);
        }
        assertThatThrownBy(() -> Car.read(new byte[0])).isInstanceOf(MalformedEventException.class);
        assertThatThrownBy(() -> Car.read(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("header length");
    }

    @Test
    void unsupportedHashesAndZeroLengthSectionsAreRejected() {
        byte[] header = DagCbor.encode(Map.of("version", 1L, "roots", List.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, header.length);
        out.writeBytes(header);
        out.write(0);
        assertThatThrownBy(() -> Car.read(out.toByteArray())).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("length");
        ByteArrayOutputStream sha1 = new ByteArrayOutputStream();
        varint(sha1, header.length);
        sha1.writeBytes(header);
        byte[] cid = {1, 0x71, 0x11, 20};
        varint(sha1, cid.length + 20 + 1);
        sha1.writeBytes(cid);
        sha1.writeBytes(new byte[21]);
        assertThatThrownBy(() -> Car.read(sha1.toByteArray())).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("sha2-256");
    }

    @Test
    void sizesAreBounded() {
        byte[] whole = car(List.of(CID_A), CID_A, A, CID_B, B);
        assertThatThrownBy(() -> Car.read(whole, 1, 1000)).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("more than 1 blocks");
        assertThatThrownBy(() -> Car.read(whole, 10, 3)).isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("more than the limit of 3");
    }
}
