package computer.aesthetic.moodsync.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class DagCborTest {

    private static final HexFormat HEX = HexFormat.of();

    /**
     * A mood record as the library writes it. The CID and bytes were cross-checked with the reference
     * implementation: {@code @atproto/common} {@code dataToCborBlock} (as bundled with {@code @atproto/pds}
     * 0.4.217, using {@code @ipld/dag-cbor} 7.0.3).
     */
    private static final Map<String, Object> MOOD_RECORD = Map.of(
            "$type", "computer.aesthetic.mood",
            "mood", "feeling sunny ☀️ — café time",
            "when", "2025-10-09T12:00:00.000Z",
            "ref", "652f1c2e9b1e8a0012345678");
    private static final String MOOD_RECORD_CID = "bafyreihg4b5juw7xtu4wh5l7tymx6c7fecgpfd3yibsntvwedn5cft7sbi";
    private static final String MOOD_RECORD_CBOR = "pGNyZWZ4GDY1MmYxYzJlOWIxZThhMDAxMjM0NTY3OGRtb29keCNmZWVsaW5nIHN1bm55IOKYgO+4jy"
            + "DigJQgY2Fmw6kgdGltZWR3aGVueBgyMDI1LTEwLTA5VDEyOjAwOjAwLjAwMFplJHR5cGV3Y29tcHV0ZXIuYWVzdGhldGljLm1vb2Q=";

    @Test
    void moodRecordHasGoldenCid() {
        assertThat(DagCbor.encode(MOOD_RECORD)).isEqualTo(Base64.getDecoder().decode(MOOD_RECORD_CBOR));
        assertThat(DagCbor.cidOf(MOOD_RECORD)).hasToString(MOOD_RECORD_CID);
        assertThat(DagCbor.cidOf(DataModel.copyRecord(MOOD_RECORD))).hasToString(MOOD_RECORD_CID);
    }

    @Test
    void keyOrderOfTheInputMapDoesNotMatter() {
        Map<String, Object> reversed = new LinkedHashMap<>();
        reversed.put("when", MOOD_RECORD.get("when"));
        reversed.put("ref", MOOD_RECORD.get("ref"));
        reversed.put("mood", MOOD_RECORD.get("mood"));
        reversed.put("$type", MOOD_RECORD.get("$type"));

        assertThat(DagCbor.cidOf(reversed)).hasToString(MOOD_RECORD_CID);
        assertThat(DagCbor.cidOf(new TreeMap<>(MOOD_RECORD))).hasToString(MOOD_RECORD_CID);
        assertThat(DagCbor.cidOf(new HashMap<>(MOOD_RECORD))).hasToString(MOOD_RECORD_CID);
    }

    @Test
    void mapKeysAreSortedByLengthThenBytewise() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String key : List.of("bb", "b", "aaa", "a", "ab", "B", "", "\u00e9", "z")) {
            map.put(key, 0L);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) DagCbor.decode(DagCbor.encode(map));

        // "é" is two bytes in UTF-8 (C3 A9), so it sorts with the two-character keys, after "bb".
        assertThat(decoded.keySet()).containsExactly("", "B", "a", "b", "z", "ab", "bb", "\u00e9", "aaa");
    }

    @Test
    void mapKeysAreSortedByUtf8BytesNotUtf16Units() {
        // All three keys are 4 UTF-8 bytes. U+E000 (EE 80 80) and U+FFFD (EF BF BD) sort before U+1F600
        // (F0 9F 98 80) in UTF-8, but in UTF-16 the surrogate D83D comes first.
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("\uD83D\uDE00", 1L);
        map.put("\uFFFDa", 2L);
        map.put("\uE000a", 3L);

        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) DagCbor.decode(DagCbor.encode(map));

        assertThat(decoded.keySet()).containsExactly("\uE000a", "\uFFFDa", "\uD83D\uDE00");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0, 00",
        "1, 01",
        "23, 17",
        "24, 1818",
        "255, 18ff",
        "256, 190100",
        "65535, 19ffff",
        "65536, 1a00010000",
        "4294967295, 1affffffff",
        "4294967296, 1b0000000100000000",
        "9007199254740991, 1b001fffffffffffff",
        "9223372036854775807, 1b7fffffffffffffff",
        "-1, 20",
        "-24, 37",
        "-25, 3818",
        "-256, 38ff",
        "-257, 390100",
        "-65536, 39ffff",
        "-65537, 3a00010000",
        "-4294967296, 3affffffff",
        "-4294967297, 3b0000000100000000",
        "-9223372036854775808, 3b7fffffffffffffff",
    })
    void integersUseTheShortestForm(long value, String hex) {
        assertThat(HEX.formatHex(DagCbor.encode(value))).isEqualTo(hex);
        assertThat(DagCbor.decode(HEX.parseHex(hex))).isEqualTo(value);
    }

    @Test
    void smallerIntegerTypesEncodeAsLong() {
        assertThat(DagCbor.encode(24)).isEqualTo(DagCbor.encode(24L));
        assertThat(DagCbor.encode((short) -300)).isEqualTo(DagCbor.encode(-300L));
        assertThat(DagCbor.encode((byte) 7)).isEqualTo(DagCbor.encode(7L));
        assertThat(DagCbor.decode(DagCbor.encode(7))).isInstanceOf(Long.class);
    }

    @ParameterizedTest
    @MethodSource("strings")
    void stringsAreUtf8(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);

        byte[] cbor = DagCbor.encode(text);

        assertThat(Arrays.copyOfRange(cbor, cbor.length - utf8.length, cbor.length)).isEqualTo(utf8);
        assertThat(cbor[0] & 0xe0).isEqualTo(0x60);
        assertThat(DagCbor.decode(cbor)).isEqualTo(text);
    }

    static Stream<String> strings() {
        return Stream.of("", "a", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "€", "\uffff", "😀",
                "a~öñ©⽘☎𓋓😀👨‍👩‍👧‍👧", "x".repeat(23), "x".repeat(24), "é".repeat(200), "😀".repeat(20000));
    }

    @Test
    void encodesEveryKind() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("n", null);
        value.put("t", true);
        value.put("f", false);
        value.put("b", new byte[] {1, 2});
        value.put("l", Arrays.asList(1L, null, "x"));
        value.put("c", Cid.parse("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"));

        byte[] cbor = DagCbor.encode(value);

        assertThat(HEX.formatHex(cbor)).isEqualTo("a6"
                + "6162" + "420102"
                + "6163" + "d82a5825" + "00" + HEX.formatHex(((Cid) value.get("c")).bytes())
                + "6166" + "f4"
                + "616c" + "8301f66178"
                + "616e" + "f6"
                + "6174" + "f5");
        Object decoded = DagCbor.decode(cbor);
        assertThat(DagCbor.encode(decoded)).isEqualTo(cbor);
    }

    @Test
    void decodeReturnsUnmodifiableCollectionsInCanonicalOrder() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("zz", List.of(1L));
        value.put("a", new ArrayList<>(List.of(2L)));

        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) DagCbor.decode(DagCbor.encode(value));

        assertThat(decoded).containsExactly(Map.entry("a", List.of(2L)), Map.entry("zz", List.of(1L)));
        assertThatThrownBy(() -> decoded.put("b", 1L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<?>) decoded.get("a")).clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void floatsAreRejectedWithTheirPath() {
        Map<String, Object> value = Map.of("a", Arrays.asList(1L, 2L, 3.5));

        assertThatThrownBy(() -> DagCbor.encode(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("$.a[2]: floats are not allowed in the ATProto data model");
        assertThatThrownBy(() -> DagCbor.encode(List.of(Map.of("odd key", 1.0f))))
                .hasMessage("$[0][\"odd key\"]: floats are not allowed in the ATProto data model");
        assertThatThrownBy(() -> DagCbor.encode(new BigDecimal("1")))
                .hasMessage("$: floats are not allowed in the ATProto data model");
    }

    @Test
    void otherTypesAreRejectedWithTheirPath() {
        assertThatThrownBy(() -> DagCbor.encode(Map.of("s", Set.of("x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("$.s: unsupported type java.util.ImmutableCollections$Set12");
        assertThatThrownBy(() -> DagCbor.encode(Map.of(1, "x")))
                .hasMessageStartingWith("$: map key 1 (java.lang.Integer) is not a string");
        assertThatThrownBy(() -> DagCbor.encode(Map.of("k", "bad \uD800 surrogate")))
                .hasMessageStartingWith("$.k: string has an unpaired UTF-16 surrogate at index 4");
    }

    @Test
    void cyclesAndDeepNestingAreRejected() {
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        Object nested = 1L;
        for (int i = 0; i <= DagCbor.MAX_DEPTH; i++) {
            nested = List.of(nested); // MAX_DEPTH + 1 nested lists
        }
        Object deep = nested;
        Object deepEnough = ((List<?>) deep).get(0);

        assertThatThrownBy(() -> DagCbor.encode(cycle)).hasMessageContaining("nesting deeper than");
        assertThatThrownBy(() -> DagCbor.encode(deep)).hasMessageContaining("nesting deeper than");
        assertThat(DagCbor.decode(DagCbor.encode(deepEnough))).isEqualTo(deepEnough);
        byte[] tooDeep = new byte[DagCbor.MAX_DEPTH + 2];
        Arrays.fill(tooDeep, (byte) 0x81);
        tooDeep[DagCbor.MAX_DEPTH + 1] = 0x01;
        assertThatThrownBy(() -> DagCbor.decode(tooDeep)).hasMessageContaining("nesting deeper than");
    }

    static Stream<Arguments> nonCanonical() {
        String cid = "d82a582500" + "0171122065062a5a5a00fc16d73c6944237ccbc15b1c4a72344893368" + "91d091741a239d0";
        return Stream.of(
                Arguments.of("", "unexpected end of input"),
                Arguments.of("1817", "not in its shortest form"),
                Arguments.of("1900ff", "not in its shortest form"),
                Arguments.of("1a0000ffff", "not in its shortest form"),
                Arguments.of("1b00000000ffffffff", "not in its shortest form"),
                Arguments.of("3817", "not in its shortest form"),
                Arguments.of("1b8000000000000000", "outside the 64-bit signed range"),
                Arguments.of("3b8000000000000000", "outside the 64-bit signed range"),
                Arguments.of("9f01ff", "indefinite-length"),
                Arguments.of("5f4101ff", "indefinite-length"),
                Arguments.of("ff", "break"),
                Arguments.of("f90000", "floats are not allowed"),
                Arguments.of("fa3f800000", "floats are not allowed"),
                Arguments.of("fb3ff0000000000000", "floats are not allowed"),
                Arguments.of("f7", "undefined"),
                Arguments.of("f0", "simple value"),
                Arguments.of("1c", "reserved"),
                Arguments.of("c100", "tag 1 is not allowed"),
                Arguments.of("a2616201616102", "not in canonical order"), // {"b":1,"a":2}
                Arguments.of("a2626161016162", "not in canonical order"), // {"aa":1,"b":..}: length first
                Arguments.of("a2616101616102", "duplicate map key"),
                Arguments.of("a10102", "map key is not a text string"),
                Arguments.of("0101", "trailing bytes"),
                Arguments.of("6261", "exceeds the remaining input"),
                Arguments.of("9a7fffffff", "exceeds the remaining input"),
                Arguments.of("62c328", "invalid UTF-8"),
                Arguments.of("62c080", "invalid UTF-8"), // overlong
                Arguments.of("63eda080", "invalid UTF-8"), // surrogate
                Arguments.of("61c3", "truncated UTF-8"),
                Arguments.of("d82a4101", "0x00 multibase prefix"),
                Arguments.of("d82a4400017112", "malformed CID"),
                Arguments.of("d82a01", "tag 42 must wrap a byte string"),
                Arguments.of("a16161" + cid.substring(0, cid.length() - 2), "exceeds the remaining input"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("nonCanonical")
    void decodeRejectsNonCanonicalInput(String hex, String reason) {
        assertThatThrownBy(() -> DagCbor.decode(HEX.parseHex(hex)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void decodeErrorsNameThePath() {
        // {"a": [1, 1.5]}
        assertThatThrownBy(() -> DagCbor.decode(HEX.parseHex("a161618201f93e00")))
                .hasMessage("$.a[1]: floats are not allowed in the ATProto data model at byte offset 5");
    }

    @Test
    void decodedBytesAndCidsAreFresh() {
        byte[] cbor = DagCbor.encode(Map.of("b", new byte[] {1, 2, 3}));

        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) DagCbor.decode(cbor);
        ((byte[]) decoded.get("b"))[0] = 9;

        assertThat(cbor).isEqualTo(DagCbor.encode(Map.of("b", new byte[] {1, 2, 3})));
    }

    @Test
    void nullTopLevelValues() {
        assertThat(DagCbor.encode(null)).containsExactly(0xf6);
        assertThat(DagCbor.decode(new byte[] {(byte) 0xf6})).isNull();
        assertThatThrownBy(() -> DagCbor.decode(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void largeRecordsEncodeCorrectly() {
        Map<String, Object> big = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            big.put("key" + i, List.of("value " + i, (long) i * 7919, Map.of("n", i % 2 == 0)));
        }

        byte[] cbor = DagCbor.encode(big);

        assertThat(DagCbor.encode(DagCbor.decode(cbor))).isEqualTo(cbor);
        assertThat(DataModel.toJson(DagCbor.decode(cbor))).isEqualTo(DataModel.toJson(big));
    }
}
