package computer.aesthetic.moodsync.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import computer.aesthetic.moodsync.InvalidRecordException;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.data.DagCbor;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MoodRecordsTest {
    private static final MoodId ID = MoodId.parse("65f1c0ffee0000000000abcd");
    private static final Instant WHOLE_SECOND = Instant.parse("2025-10-09T12:00:00Z");

    @Test
    void writesTheOriginShapeWithToIsoStringTimes() {
        Map<String, Object> record = MoodRecords.toRecord(ID, "hello", WHOLE_SECOND);
        assertThat(record).containsExactly(
                Map.entry("$type", "computer.aesthetic.mood"),
                Map.entry("mood", "hello"),
                Map.entry("when", "2025-10-09T12:00:00.000Z"),
                Map.entry("ref", "65f1c0ffee0000000000abcd"));
    }

    @Test
    void truncatesSubMillisecondTimesLikeToIsoString() {
        Map<String, Object> record = MoodRecords.toRecord(ID, "x", Instant.parse("2025-10-09T12:00:00.123456Z"));
        assertThat(record.get("when")).isEqualTo("2025-10-09T12:00:00.123Z");
    }

    @Test
    void recordOfAMoodUsesItsParts() {
        Mood mood = Mood.posted(ID, new UserId("auth0|abc"), "hi", WHOLE_SECOND);
        assertThat(MoodRecords.toRecord(mood)).isEqualTo(MoodRecords.toRecord(ID, "hi", WHOLE_SECOND));
        assertThat(MoodRecords.cidOf(mood)).isEqualTo(DagCbor.cidOf(MoodRecords.toRecord(mood)));
    }

    @Test
    void decodesCurrentRecords() {
        MoodRecord decoded = MoodRecords.decode(MoodRecords.toRecord(ID, "hello", WHOLE_SECOND));
        assertThat(decoded.text()).isEqualTo("hello");
        assertThat(decoded.when().toString()).isEqualTo("2025-10-09T12:00:00.000Z");
        assertThat(decoded.ref()).contains(ID);
        assertThat(decoded.legacyRef()).isFalse();
    }

    @Test
    void decodesLegacyRecordsThatCarryMongoId() {
        Map<String, Object> legacy = Map.of("$type", "computer.aesthetic.mood", "mood", "old",
                "when", "2024-01-01T00:00:00.003Z", "mongoId", ID.toString());
        MoodRecord decoded = MoodRecords.decode(legacy);
        assertThat(decoded.ref()).contains(ID);
        assertThat(decoded.legacyRef()).isTrue();
    }

    @Test
    void aRecordWithoutRefIsValidButNamesNoMood() {
        Map<String, Object> orphan = Map.of("$type", "computer.aesthetic.mood", "mood", "?",
                "when", "2024-01-01T00:00:00Z");
        assertThat(MoodRecords.decode(orphan).ref()).isEmpty();
    }

    @Test
    void reportsEveryProblemAtOnce() {
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("$type", "app.bsky.feed.post");
        bad.put("mood", 42L);
        bad.put("when", "yesterday");
        bad.put("ref", "not-an-id");
        assertThatThrownBy(() -> MoodRecords.decode(bad))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.problems())
                        .hasSize(4)
                        .anySatisfy(p -> assertThat(p).startsWith("$type: expected \"computer.aesthetic.mood\""))
                        .anySatisfy(p -> assertThat(p).startsWith("mood: expected a string, found a long (42)"))
                        .anySatisfy(p -> assertThat(p).startsWith("when: expected an ATProto datetime"))
                        .anySatisfy(p -> assertThat(p).startsWith("ref: expected a 24-hex mood id")));
    }

    @Test
    void missingFieldsAreNamed() {
        assertThat(MoodRecords.problems(Map.of())).containsExactly(
                "$type: expected \"computer.aesthetic.mood\", found nothing (the field is missing)",
                "mood: expected a string, found nothing (the field is missing)",
                "when: expected a datetime string, found nothing (the field is missing)");
    }

    @Test
    void refAndMongoIdMustAgree() {
        Map<String, Object> both = Map.of("$type", "computer.aesthetic.mood", "mood", "x",
                "when", "2024-01-01T00:00:00Z", "ref", ID.toString(), "mongoId", "65f1c0ffee0000000000abce");
        assertThat(MoodRecords.problems(both)).singleElement().asString().contains("disagree");
    }

    @Test
    void acceptsExactly5000Utf8Bytes() {
        assertThat(MoodRecords.textProblems("a".repeat(5000))).isEmpty();
        assertThat(MoodRecords.textProblems("a".repeat(5001)))
                .containsExactly("mood: at most 5000 UTF-8 bytes, found 5001");
    }

    @Test
    void countsMultiByteCharactersAsTheirUtf8Bytes() {
        String euro = "\u20ac"; // 3 bytes
        String emoji = "\ud83d\ude00"; // 4 bytes, 2 chars
        assertThat(MoodRecords.textProblems("a".repeat(4997) + euro)).isEmpty();
        assertThat(MoodRecords.textProblems("a".repeat(4998) + euro)).containsExactly(
                "mood: at most 5000 UTF-8 bytes, found 5001");
        assertThat(MoodRecords.textProblems("a".repeat(4996) + emoji)).isEmpty();
        assertThat(MoodRecords.textProblems("a".repeat(4997) + emoji)).hasSize(1);
        assertThat(MoodRecords.textProblems("\u00e9".repeat(2500))).isEmpty();
        assertThat(MoodRecords.textProblems("\u00e9".repeat(2501))).hasSize(1);
    }

    @Test
    void rejectsLoneSurrogatesAndNulInsteadOfManglingThem() {
        assertThat(MoodRecords.textProblems("ab\ud83dcd")).containsExactly(
                "mood: a lone UTF-16 surrogate at index 2 cannot be encoded as UTF-8");
        assertThat(MoodRecords.textProblems("\ude00")).hasSize(1);
        assertThat(MoodRecords.textProblems("a\u0000b")).containsExactly(
                "mood: a NUL character at index 1 is not allowed");
        assertThatThrownBy(() -> MoodRecords.toRecord(ID, "x\u0000", WHOLE_SECOND))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("NUL");
    }

    @Test
    void newTextMustNotBeBlank() {
        assertThatThrownBy(() -> MoodRecords.checkNewText("")).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("empty or whitespace only");
        assertThatThrownBy(() -> MoodRecords.checkNewText(" \n\t")).isInstanceOf(InvalidRecordException.class);
        MoodRecords.checkNewText(" x ");
    }

    @Test
    void hostileValuesAreDescribedNotEchoedWhole() {
        Map<String, Object> bad = Map.of("$type", "computer.aesthetic.mood", "mood", List.of(1L, 2L),
                "when", "x".repeat(10_000));
        List<String> problems = MoodRecords.problems(bad);
        assertThat(problems).hasSize(2);
        assertThat(String.join("", problems).length()).isLessThan(400);
    }

    @Test
    void tryDecodeIsEmptyForInvalidRecords() {
        assertThat(MoodRecords.tryDecode(Map.of("mood", "x"))).isEmpty();
        assertThat(MoodRecords.tryDecode(MoodRecords.toRecord(ID, "x", WHOLE_SECOND))).isPresent();
    }
}
