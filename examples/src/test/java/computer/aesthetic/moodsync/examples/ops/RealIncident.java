package computer.aesthetic.moodsync.examples.ops;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.reconcile.DriftKind;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.TidClock;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The origin system's incident, as core's {@code IncidentFixture} builds it on the fakes, seeded into a real PDS and
 * MongoDB: a user with 222 moods mirrored by legacy {@code mongoId} records at server-style TIDs, after an
 * interrupted migration.
 *
 * <ul>
 *   <li>moods 0-2: deleted in the store, record still on the PDS;</li>
 *   <li>moods 3-4: linked to a key whose record is gone (dangling);</li>
 *   <li>moods 5-6: never mirrored (missing); mood 7: its only record has {@code mood: 42} (invalid, but still the
 *       mood's record: linked and rewritten in place);</li>
 *   <li>mood 8: record with edited text; mood 9: record 3 ms off in {@code when} (in sync);</li>
 *   <li>moods 10-29: records exist but the store never linked them;</li>
 *   <li>140 duplicates: moods 10-19 and 130-149 have a second record with {@code ref} at {@code rkeyFor(id)}, moods
 *       20-129 a second legacy record at a later TID;</li>
 *   <li>an orphan record (its ref names no mood), and a record whose ref names a mood of another user, who has
 *       their own account and record.</li>
 * </ul>
 */
final class RealIncident {
    static final UserId USER = new UserId("auth0|incident");
    static final UserId OTHER = new UserId("auth0|other");
    static final int MOODS = 222;
    static final long BASE_SECONDS = 1_700_000_000L;

    final List<Mood> moods = new ArrayList<>();
    final Mood foreignMood;
    final RecordKey foreignRkey;
    final RecordKey orphanRkey;
    final RecordKey invalidRkey;
    private final TidClock server = TidClock.of(Clock.fixed(Instant.parse("2025-10-09T12:00:00Z"), ZoneOffset.UTC), 7);

    /** Seeds the store with the moods and the two repositories with the records. */
    RealIncident(RealStack stack, MoodStore store, Did did, Did otherDid) {
        MoodId foreignId = MoodId.of(BASE_SECONDS - 100, 0x1234567890L, 1);
        foreignMood = new Mood(foreignId, OTHER, "not yours", Instant.ofEpochSecond(BASE_SECONDS - 100), false,
                Optional.of(MoodRecords.rkeyFor(foreignId)), Optional.empty());
        store.insertIfAbsent(foreignMood);
        Map<String, Map<String, Object>> other = new LinkedHashMap<>();
        other.put(foreignMood.rkey().get().value(), MoodRecords.toRecord(foreignMood));
        stack.create(otherDid, other);

        Map<String, Map<String, Object>> records = new LinkedHashMap<>();
        List<RecordKey> originals = new ArrayList<>();
        for (int i = 0; i < MOODS; i++) {
            MoodId id = MoodId.of(BASE_SECONDS + 60L * i, 0xABCDEF0123L, i);
            Instant when = Instant.ofEpochSecond(BASE_SECONDS + 60L * i, 123_000_000L);
            RecordKey legacyKey = serverKey();
            originals.add(legacyKey);
            Optional<RecordKey> link = i <= 4 || i == 8 || i == 9 || i >= 30 ? Optional.of(legacyKey)
                    : Optional.empty();
            Mood m = new Mood(id, USER, "mood number " + i, when, i <= 2, link, Optional.empty());
            moods.add(m);
            store.insertIfAbsent(m);
            if (i >= 3 && i <= 6) {
                continue;
            }
            if (i == 7) {
                Map<String, Object> bad = legacy(m, m.text(), when);
                bad.put("mood", 42L);
                records.put(legacyKey.value(), bad);
                continue;
            }
            String text = i == 8 ? "mood number 8, as first posted" : m.text();
            Instant at = i == 9 ? when.plusMillis(3) : when;
            records.put(legacyKey.value(), legacy(m, text, at));
        }
        invalidRkey = originals.get(7);
        for (int i = 10; i < 150; i++) {
            Mood m = moods.get(i);
            if (i < 20 || i >= 130) {
                records.put(MoodRecords.rkeyFor(m.id()).value(), MoodRecords.toRecord(m));
            } else {
                records.put(serverKey().value(), legacy(m, m.text(), m.when()));
            }
        }
        orphanRkey = serverKey();
        records.put(orphanRkey.value(), MoodRecords.toRecord(MoodId.of(BASE_SECONDS, 0x99L, 99),
                "a mood the store lost", Instant.ofEpochSecond(BASE_SECONDS + 5)));
        foreignRkey = serverKey();
        records.put(foreignRkey.value(), MoodRecords.toRecord(foreignMood));
        stack.create(did, records);
    }

    static Map<DriftKind, Long> expectedCounts() {
        Map<DriftKind, Long> m = new EnumMap<>(DriftKind.class);
        for (DriftKind k : DriftKind.values()) {
            m.put(k, 0L);
        }
        m.put(DriftKind.IN_SYNC, 193L);
        m.put(DriftKind.MISSING_ON_PDS, 2L);
        m.put(DriftKind.UNLINKED, 20L);
        m.put(DriftKind.DANGLING_LINK, 2L);
        m.put(DriftKind.DUPLICATE, 140L);
        m.put(DriftKind.ORPHAN, 1L);
        m.put(DriftKind.FOREIGN_REF, 1L);
        m.put(DriftKind.DELETED_BUT_ON_PDS, 3L);
        m.put(DriftKind.CONTENT_DRIFT, 1L);
        m.put(DriftKind.INVALID_RECORD, 1L);
        return m;
    }

    private RecordKey serverKey() {
        return server.next().toRecordKey();
    }

    private static Map<String, Object> legacy(Mood m, String text, Instant when) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$type", MoodRecords.COLLECTION.toString());
        r.put("mood", text);
        r.put("when", AtDatetime.of(when).toString());
        r.put("mongoId", m.id().toString());
        return r;
    }
}
