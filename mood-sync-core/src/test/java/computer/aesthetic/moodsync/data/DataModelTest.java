package computer.aesthetic.moodsync.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.ObjectMapper;

class DataModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CID = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a";
    private static final String BLOB_CID = "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity";

    @Test
    void fromJsonConvertsLinksBytesAndNumbers() {
        Object json = JSON.readValue("""
                {"link": {"$link": "%s"}, "bytes": {"$bytes": "AQID"}, "small": 5, "big": 9007199254740993,
                 "neg": -1, "list": [true, null, "s"], "empty": {}}
                """.formatted(CID), Object.class);

        @SuppressWarnings("unchecked")
        Map<String, Object> value = (Map<String, Object>) DataModel.fromJson(json);

        assertThat(value.keySet()).containsExactly("link", "bytes", "small", "big", "neg", "list", "empty");
        assertThat(value.get("link")).isEqualTo(Cid.parse(CID));
        assertThat((byte[]) value.get("bytes")).containsExactly(1, 2, 3);
        assertThat(value.get("small")).isEqualTo(5L);
        assertThat(value.get("big")).isEqualTo(9007199254740993L);
        assertThat(value.get("neg")).isEqualTo(-1L);
        assertThat(value.get("list")).isEqualTo(Arrays.asList(true, null, "s"));
        assertThat(value.get("empty")).isEqualTo(Map.of());
    }

    @Test
    void fromJsonReturnsUnmodifiableCopies() {
        List<Object> list = new ArrayList<>(List.of(1));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("list", list);

        @SuppressWarnings("unchecked")
        Map<String, Object> value = (Map<String, Object>) DataModel.fromJson(json);
        list.add(2);

        assertThat(value).isEqualTo(Map.of("list", List.of(1L)));
        assertThatThrownBy(() -> value.put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<?>) value.get("list")).clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> jsonNumbers() {
        return Stream.of(
                Arguments.of(7, 7L),
                Arguments.of((short) 7, 7L),
                Arguments.of(BigInteger.valueOf(Long.MIN_VALUE), Long.MIN_VALUE),
                Arguments.of(BigInteger.valueOf(Long.MAX_VALUE), Long.MAX_VALUE),
                Arguments.of(123.0, 123L),
                Arguments.of(-0.0, 0L),
                Arguments.of(9007199254740992.0, 9007199254740992L),
                Arguments.of(12.0f, 12L),
                Arguments.of(new BigDecimal("10.00"), 10L),
                Arguments.of(new BigDecimal("1E+3"), 1000L));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("jsonNumbers")
    void fromJsonAcceptsIntegralNumbers(Object json, long expected) {
        assertThat(DataModel.fromJson(json)).isEqualTo(expected);
    }

    static Stream<Arguments> badJsonNumbers() {
        return Stream.of(
                Arguments.of(1.5, "floats are not allowed"),
                Arguments.of(Double.NaN, "floats are not allowed"),
                Arguments.of(Double.POSITIVE_INFINITY, "floats are not allowed"),
                Arguments.of(1e300, "beyond 2^53"),
                Arguments.of(0.1f, "floats are not allowed"),
                Arguments.of(new BigDecimal("2.50"), "floats are not allowed"),
                Arguments.of(BigInteger.ONE.shiftLeft(63), "outside the 64-bit signed range"),
                Arguments.of(new BigDecimal("1E+19"), "outside the 64-bit signed range"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badJsonNumbers")
    void fromJsonRejectsOtherNumbersWithThePath(Object number, String reason) {
        assertThatThrownBy(() -> DataModel.fromJson(Map.of("a", List.of(1, 2, number))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("$.a[2]: ")
                .hasMessageContaining(reason);
    }

    @Test
    void fromJsonDecodesBytesWithOrWithoutPadding() {
        assertThat((byte[]) DataModel.fromJson(Map.of("$bytes", "AQ"))).containsExactly(1);
        assertThat((byte[]) DataModel.fromJson(Map.of("$bytes", "AQ=="))).containsExactly(1);
        assertThat((byte[]) DataModel.fromJson(Map.of("$bytes", ""))).isEmpty();
        assertThatThrownBy(() -> DataModel.fromJson(Map.of("x", Map.of("$bytes", "A_-!"))))
                .hasMessageStartingWith("$.x: $bytes is not valid base64");
    }

    @Test
    void fromJsonRejectsBadLinks() {
        assertThatThrownBy(() -> DataModel.fromJson(List.of(Map.of("$link", "bafy"))))
                .hasMessageStartingWith("$[0]: $link is not a valid CID: Invalid CID \"bafy\"");
        assertThatThrownBy(() -> DataModel.fromJson(Map.of("$link", CID, "$bytes", "AQ")))
                .hasMessageStartingWith("$: a $link object must have no other keys, found 2 keys");
    }

    @Test
    void fromJsonRejectsUnsupportedValues() {
        assertThatThrownBy(() -> DataModel.fromJson(Map.of("when", java.time.Instant.EPOCH)))
                .hasMessageStartingWith("$.when: unsupported type java.time.Instant");
        assertThatThrownBy(() -> DataModel.fromJson("\uDC00"))
                .hasMessageStartingWith("$: string has an unpaired UTF-16 surrogate");
    }

    @Test
    void toJsonWritesLinksAndUnpaddedBytes() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("c", Cid.parse(CID));
        value.put("b", new byte[] {1});
        value.put("n", 3);
        value.put("z", null);

        Object json = DataModel.toJson(value);

        assertThat(JSON.writeValueAsString(json))
                .isEqualTo("{\"c\":{\"$link\":\"" + CID + "\"},\"b\":{\"$bytes\":\"AQ\"},\"n\":3,\"z\":null}");
        assertThat(((Map<?, ?>) json).get("n")).isEqualTo(3L);
        assertThat(DataModel.toJson(null)).isNull();
    }

    @Test
    void toJsonRejectsNonDataModelValues() {
        assertThatThrownBy(() -> DataModel.toJson(Map.of("x", 1.5)))
                .hasMessage("$.x: floats are not allowed in the ATProto data model");
    }

    @Test
    void copyRecordMakesADeepUnmodifiableOrderPreservingCopy() {
        byte[] bytes = {1, 2};
        List<Object> tags = new ArrayList<>(Arrays.asList("a", null));
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("$type", "computer.aesthetic.mood");
        record.put("zeta", 1);
        record.put("alpha", tags);
        record.put("bytes", bytes);
        record.put("none", null);

        Map<String, Object> copy = DataModel.copyRecord(record);
        tags.add("b");
        bytes[0] = 9;

        assertThat(copy.keySet()).containsExactly("$type", "zeta", "alpha", "bytes", "none");
        assertThat(copy.get("zeta")).isEqualTo(1L);
        assertThat(copy.get("alpha")).isEqualTo(Arrays.asList("a", null));
        assertThat((byte[]) copy.get("bytes")).containsExactly(1, 2);
        assertThat(copy).containsEntry("none", null);
        assertThatThrownBy(() -> copy.put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void copyRecordNamesTheBadPath() {
        Map<String, Object> record = Map.of("$type", "computer.aesthetic.mood",
                "nested", Map.of("list", List.of("ok", Map.of("score", 0.5))));

        assertThatThrownBy(() -> DataModel.copyRecord(record))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("$.nested.list[1].score: floats are not allowed in the ATProto data model");
        assertThatThrownBy(() -> DataModel.copyRecord(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void copyRecordAppliesObjectRules() {
        assertThatThrownBy(() -> DataModel.copyRecord(Map.of("$type", "")))
                .hasMessage("$.$type: $type must be a non-empty string, found an empty string");
        assertThatThrownBy(() -> DataModel.copyRecord(Map.of("x", Map.of("$type", 3L))))
                .hasMessage("$.x.$type: $type must be a non-empty string, found java.lang.Long");
        assertThatThrownBy(() -> DataModel.copyRecord(Map.of("x", Map.of("$link", CID))))
                .hasMessageStartingWith("$.x: keys \"$link\" and \"$bytes\" are reserved");
        assertThatThrownBy(() -> DataModel.copyRecord(Map.of("img", blob(Cid.parse(BLOB_CID), -1L))))
                .hasMessage("$.img.size: blob size must not be negative, found -1");
        assertThatThrownBy(() -> DataModel.copyRecord(Map.of("img", blob(BLOB_CID, 10L))))
                .hasMessage("$.img.ref: blob ref must be a CID link, found java.lang.String");
    }

    @Test
    void blobsRoundTripThroughJson() {
        Map<String, Object> record = Map.of("$type", "com.example.post", "img", blob(Cid.parse(BLOB_CID), 10000L));

        Map<String, Object> copy = DataModel.copyRecord(record);
        Object json = DataModel.toJson(copy);

        assertThat(DataModel.recordFromJson(json)).isEqualTo(copy);
        assertThat(JSON.writeValueAsString(json)).contains("\"ref\":{\"$link\":\"" + BLOB_CID + "\"}");
    }

    @Test
    void isDataModelChecksTypesAndRules() {
        assertThat(DataModel.isDataModel(null)).isTrue();
        assertThat(DataModel.isDataModel("x")).isTrue();
        assertThat(DataModel.isDataModel(1)).isTrue();
        assertThat(DataModel.isDataModel(new byte[0])).isTrue();
        assertThat(DataModel.isDataModel(Cid.parse(CID))).isTrue();
        assertThat(DataModel.isDataModel(Map.of("a", List.of(Map.of("b", true))))).isTrue();
        assertThat(DataModel.isDataModel(1.0)).isFalse();
        assertThat(DataModel.isDataModel(BigInteger.ONE)).isFalse();
        assertThat(DataModel.isDataModel(Map.of(1L, "x"))).isFalse();
        assertThat(DataModel.isDataModel(new java.util.TreeMap<>(Map.of(1L, "x")))).isFalse();
        assertThat(DataModel.isDataModel(Map.of("$type", ""))).isFalse();
        assertThat(DataModel.isDataModel(Map.of("$bytes", "AQ"))).isFalse();
        assertThat(DataModel.isDataModel(List.of(new Object()))).isFalse();
    }

    @Test
    void recordFromJsonRequiresAnObject() {
        assertThatThrownBy(() -> DataModel.recordFromJson(List.of()))
                .hasMessageStartingWith("$: a record must be an object");
        assertThatThrownBy(() -> DataModel.recordFromJson(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void moodRecordFromJsonHasTheGoldenCid() {
        Object json = JSON.readValue("""
                {"$type": "computer.aesthetic.mood", "mood": "feeling sunny ☀️ — café time",
                 "when": "2025-10-09T12:00:00.000Z", "ref": "652f1c2e9b1e8a0012345678"}
                """, Object.class);

        assertThat(DagCbor.cidOf(DataModel.recordFromJson(json)))
                .hasToString("bafyreihg4b5juw7xtu4wh5l7tymx6c7fecgpfd3yibsntvwedn5cft7sbi");
    }

    @Test
    void pathsQuoteUnusualKeys() {
        assertThatThrownBy(() -> DataModel.copyRecord(Map.of("a b", Map.of("q\"", 1.5))))
                .hasMessage("$[\"a b\"][\"q\\\"\"]: floats are not allowed in the ATProto data model");
    }

    private static Map<String, Object> blob(Object ref, long size) {
        Map<String, Object> blob = new LinkedHashMap<>();
        blob.put("$type", "blob");
        blob.put("ref", ref);
        blob.put("mimeType", "image/jpeg");
        blob.put("size", size);
        return blob;
    }
}
