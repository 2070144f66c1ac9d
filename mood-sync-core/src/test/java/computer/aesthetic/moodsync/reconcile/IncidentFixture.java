package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.Account;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.spi.Secret;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Did;
import computer.aesthetic.moodsync.syntax.Handle;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.TidClock;
import computer.aesthetic.moodsync.testing.InMemoryAccountDirectory;
import computer.aesthetic.moodsync.testing.InMemoryAtprotoRepo;
import computer.aesthetic.moodsync.testing.InMemoryMoodStore;
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
 * The origin system's incident, on the in-memory fakes: a user with 222 moods mirrored by legacy {@code mongoId}
 * records at server-chosen TIDs, after an interrupted migration.
 *
 * <ul>
 *   <li>moods 0-2: deleted in the store, record still on the PDS;</li>
 *   <li>moods 3-4: linked to a key whose record is gone (dangling);</li>
 *   <li>moods 5-6: never mirrored (missing); mood 7: its only record, a legacy one it does not link, has
 *       {@code mood: 42} (invalid: still the mood's record, to be linked and rewritten in place);</li>
 *   <li>mood 8: record with edited text; mood 9: record 3 ms off in {@code when} (in sync);</li>
 *   <li>moods 10-29: records exist but the store never linked them;</li>
 *   <li>140 duplicates: moods 10-19 and 130-149 have a second record with {@code ref} at {@code rkeyFor(id)}, moods
 *       20-129 a second legacy record at a later server TID;</li>
 *   <li>an orphan record (its ref names no mood), and a record whose ref names a mood of another user, who has
 *       their own account and record.</li>
 * </ul>
 */
final class IncidentFixture {
    static final UserId USER = new UserId("auth0|incident");
    static final UserId OTHER = new UserId("auth0|other");
    static final Did DID = Did.parse("did:plc:incident234567abcdefghij");
    static final Did OTHER_DID = Did.parse("did:plc:other234567abcdefghijklm");
    static final int MOODS = 222;
    static final long BASE_SECONDS = 1_700_000_000L;

    final InMemoryMoodStore store = InMemoryMoodStore.create();
    final InMemoryAtprotoRepo repo;
    final InMemoryAccountDirectory accounts = InMemoryAccountDirectory.create();
    final List<Mood> moods = new ArrayList<>();
    final Mood foreignMood;
    final RecordKey foreignRkey;
    final RecordKey orphanRkey;
    final RecordKey invalidRkey;
    /** Server-chosen TIDs, after the moods' own times, increasing. */
    private final TidClock server = TidClock.of(Clock.fixed(Instant.parse("2025-10-09T12:00:00Z"), ZoneOffset.UTC), 7);

    IncidentFixture() {
        this(InMemoryAtprotoRepo.create());
    }

    IncidentFixture(InMemoryAtprotoRepo repo) {
        this.repo = repo;
        accounts.put(USER, Account.of(DID, Handle.parse("incident.test"), Secret.of("pw1")));
        accounts.put(OTHER, Account.of(OTHER_DID, Handle.parse("other.test"), Secret.of("pw2")));

        foreignMood = new Mood(MoodId.of(BASE_SECONDS - 100, 0x1234567890L, 1), OTHER, "not yours",
                Instant.ofEpochSecond(BASE_SECONDS - 100), false, Optional.of(MoodRecords.rkeyFor(
                        MoodId.of(BASE_SECONDS - 100, 0x1234567890L, 1))), Optional.empty());
        store.insertIfAbsent(foreignMood);
        repo.seed(OTHER_DID, MoodRecords.COLLECTION, foreignMood.rkey().get(), MoodRecords.toRecord(foreignMood));

        List<RecordKey> originals = new ArrayList<>();
        for (int i = 0; i < MOODS; i++) {
            MoodId id = MoodId.of(BASE_SECONDS + 60L * i, 0xABCDEF0123L, i);
            Instant when = Instant.ofEpochSecond(BASE_SECONDS + 60L * i, 123_000_000L);
            RecordKey legacyKey = serverKey();
            originals.add(legacyKey);
            boolean deleted = i <= 2;
            Optional<RecordKey> link;
            if (i <= 2 || i == 8 || i == 9 || i >= 30) {
                link = Optional.of(legacyKey);
            } else if (i <= 4) {
                link = Optional.of(legacyKey); // dangling: no record is seeded there
            } else {
                link = Optional.empty();
            }
            Mood m = new Mood(id, USER, "mood number " + i, when, deleted, link, Optional.empty());
            moods.add(m);
            store.insertIfAbsent(m);
            if (i == 3 || i == 4 || i == 5 || i == 6) {
                continue;
            }
            if (i == 7) {
                Map<String, Object> bad = legacy(m, m.text(), when);
                bad.put("mood", 42L);
                repo.seedRaw(DID, MoodRecords.COLLECTION, legacyKey, bad);
                continue;
            }
            String text = i == 8 ? "mood number 8, as first posted" : m.text();
            Instant at = i == 9 ? when.plusMillis(3) : when;
            repo.seed(DID, MoodRecords.COLLECTION, legacyKey, legacy(m, text, at));
        }
        invalidRkey = originals.get(7);
        // The interrupted migration's duplicates.
        for (int i = 10; i < 150; i++) {
            Mood m = moods.get(i);
            if (i < 20 || i >= 130) {
                repo.seed(DID, MoodRecords.COLLECTION, MoodRecords.rkeyFor(m.id()), MoodRecords.toRecord(m));
            } else {
                repo.seed(DID, MoodRecords.COLLECTION, serverKey(), legacy(m, m.text(), m.when()));
            }
        }
        orphanRkey = serverKey();
        Map<String, Object> orphan = new LinkedHashMap<>(MoodRecords.toRecord(MoodId.of(BASE_SECONDS, 0x99L, 99),
                "a mood the store lost", Instant.ofEpochSecond(BASE_SECONDS + 5)));
        repo.seed(DID, MoodRecords.COLLECTION, orphanRkey, orphan);
        foreignRkey = serverKey();
        repo.seed(DID, MoodRecords.COLLECTION, foreignRkey, MoodRecords.toRecord(foreignMood));
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

    Reconciler reconciler() {
        return Reconciler.builder().store(store).repo(repo).accounts(accounts).build();
    }

    Reconciler reconciler(AtprotoRepo other) {
        return Reconciler.builder().store(store).repo(other).accounts(accounts).build();
    }

    List<RepoRecord> records() {
        return repo.records(DID, MoodRecords.COLLECTION);
    }

    List<RepoRecord> otherRecords() {
        return repo.records(OTHER_DID, MoodRecords.COLLECTION);
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
