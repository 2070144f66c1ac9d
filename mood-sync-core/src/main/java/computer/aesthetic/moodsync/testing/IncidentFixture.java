package computer.aesthetic.moodsync.testing;

import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.UserId;
import computer.aesthetic.moodsync.reconcile.DriftKind;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.AtprotoRepo;
import computer.aesthetic.moodsync.spi.MoodStore;
import computer.aesthetic.moodsync.spi.RepoWrite;
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
import java.util.Objects;
import java.util.Optional;

/**
 * The origin system's incident, for reconcile and repair tests: a user with {@value #MOODS} moods mirrored by legacy
 * {@code mongoId} records at server-style TIDs, after an interrupted migration. {@link #seed} writes it through the
 * SPI ({@link MoodStore#insertIfAbsent} and {@link AtprotoRepo#applyWrites} creates), so the same incident serves
 * the in-memory fakes and a real store and PDS; {@link #expectedCounts()} is what a reconcile of {@link #USER} finds.
 *
 * <ul>
 *   <li>moods 0-2: deleted in the store, record still on the PDS;</li>
 *   <li>moods 3-4: linked to a key whose record is gone (dangling);</li>
 *   <li>moods 5-6: never mirrored (missing); mood 7: its only record, a legacy one it does not link, has
 *       {@code mood: 42} (invalid: still the mood's record, to be linked and rewritten in place);</li>
 *   <li>mood 8: record with edited text; mood 9: record 3 ms off in {@code when} (in sync);</li>
 *   <li>moods 10-29: records exist but the store never linked them;</li>
 *   <li>140 duplicates: moods 10-19 and 130-149 have a second record with {@code ref} at {@code rkeyFor(id)}, moods
 *       20-129 a second legacy record at a later TID;</li>
 *   <li>an orphan record (its ref names no mood), and a record whose ref names a mood of another user
 *       ({@link #OTHER}), who has their own repository and record.</li>
 * </ul>
 *
 * <p>The record keys and values are the same on every run. The repositories' mood collections should be empty
 * before seeding. Seeding costs about 1,100 write points of the PDS's hourly budget (creates cost 3).
 */
public final class IncidentFixture {
    /** The user of the incident. */
    public static final UserId USER = new UserId("auth0|incident");
    /** The other user, whose mood one of the incident's records names. */
    public static final UserId OTHER = new UserId("auth0|other");
    /** A DID for {@link #USER} where the test chooses none (the fakes). */
    public static final Did DID = Did.parse("did:plc:incident234567abcdefghij");
    /** A DID for {@link #OTHER} where the test chooses none (the fakes). */
    public static final Did OTHER_DID = Did.parse("did:plc:other234567abcdefghijklm");
    /** How many moods {@link #USER} has. */
    public static final int MOODS = 222;
    /** The epoch second of mood 0; mood {@code i} is {@code 60 * i} seconds later. */
    public static final long BASE_SECONDS = 1_700_000_000L;

    private final Did did;
    private final Did otherDid;
    private final List<Mood> moods = new ArrayList<>();
    private final Mood foreignMood;
    private final RecordKey foreignRkey;
    private final RecordKey orphanRkey;
    private final RecordKey invalidRkey;
    /** Server-style TIDs, after the moods' own times, increasing. */
    private final TidClock server = TidClock.of(Clock.fixed(Instant.parse("2025-10-09T12:00:00Z"), ZoneOffset.UTC), 7);

    private IncidentFixture(MoodStore store, AtprotoRepo repo, Did did, Did otherDid) {
        this.did = did;
        this.otherDid = otherDid;
        MoodId foreignId = MoodId.of(BASE_SECONDS - 100, 0x1234567890L, 1);
        foreignMood = new Mood(foreignId, OTHER, "not yours", Instant.ofEpochSecond(BASE_SECONDS - 100), false,
                Optional.of(MoodRecords.rkeyFor(foreignId)), Optional.empty());
        store.insertIfAbsent(foreignMood);
        List<RepoWrite> other = List.of(new RepoWrite.Create(MoodRecords.COLLECTION, foreignMood.rkey().get(),
                MoodRecords.toRecord(foreignMood)));
        repo.applyWrites(otherDid, other);

        List<RepoWrite> records = new ArrayList<>();
        List<RecordKey> originals = new ArrayList<>();
        for (int i = 0; i < MOODS; i++) {
            MoodId id = MoodId.of(BASE_SECONDS + 60L * i, 0xABCDEF0123L, i);
            Instant when = Instant.ofEpochSecond(BASE_SECONDS + 60L * i, 123_000_000L);
            RecordKey legacyKey = serverKey();
            originals.add(legacyKey);
            // moods 3-4 link a key where no record is written: dangling
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
                records.add(create(legacyKey, bad));
                continue;
            }
            String text = i == 8 ? "mood number 8, as first posted" : m.text();
            Instant at = i == 9 ? when.plusMillis(3) : when;
            records.add(create(legacyKey, legacy(m, text, at)));
        }
        invalidRkey = originals.get(7);
        // the interrupted migration's duplicates
        for (int i = 10; i < 150; i++) {
            Mood m = moods.get(i);
            if (i < 20 || i >= 130) {
                records.add(create(MoodRecords.rkeyFor(m.id()), MoodRecords.toRecord(m)));
            } else {
                records.add(create(serverKey(), legacy(m, m.text(), m.when())));
            }
        }
        orphanRkey = serverKey();
        records.add(create(orphanRkey, MoodRecords.toRecord(MoodId.of(BASE_SECONDS, 0x99L, 99),
                "a mood the store lost", Instant.ofEpochSecond(BASE_SECONDS + 5))));
        foreignRkey = serverKey();
        records.add(create(foreignRkey, MoodRecords.toRecord(foreignMood)));
        for (int from = 0; from < records.size(); from += AtprotoRepo.MAX_WRITES) {
            repo.applyWrites(did, records.subList(from, Math.min(records.size(), from + AtprotoRepo.MAX_WRITES)));
        }
    }

    /**
     * Writes the incident: the moods of {@link #USER} and {@link #OTHER} into the store, their records into the two
     * repositories.
     *
     * @param store the store, holding no moods of the two users
     * @param repo the repository host; its write budget must allow about 1,100 points
     * @param did the repository of {@link #USER}
     * @param otherDid the repository of {@link #OTHER}
     * @return the seeded incident
     * @throws IllegalArgumentException if the two DIDs are the same
     */
    public static IncidentFixture seed(MoodStore store, AtprotoRepo repo, Did did, Did otherDid) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(did, "did");
        Objects.requireNonNull(otherDid, "otherDid");
        if (did.equals(otherDid)) {
            throw new IllegalArgumentException("the incident needs two repositories, found " + did + " twice");
        }
        return new IncidentFixture(store, repo, did, otherDid);
    }

    /**
     * What a reconcile of {@link #USER} right after seeding counts, for every kind (zero where none).
     *
     * @return the counts
     */
    public static Map<DriftKind, Long> expectedCounts() {
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

    /** @return the repository of {@link #USER} */
    public Did did() {
        return did;
    }

    /** @return the repository of {@link #OTHER} */
    public Did otherDid() {
        return otherDid;
    }

    /** @return the moods of {@link #USER} as seeded, mood {@code i} at index {@code i} */
    public List<Mood> moods() {
        return List.copyOf(moods);
    }

    /** @return the mood of {@link #OTHER} that a record in the repository of {@link #USER} names */
    public Mood foreignMood() {
        return foreignMood;
    }

    /** @return the key of the record in the repository of {@link #USER} that names {@link #foreignMood()} */
    public RecordKey foreignRkey() {
        return foreignRkey;
    }

    /** @return the key of the orphan record (its ref names no mood) */
    public RecordKey orphanRkey() {
        return orphanRkey;
    }

    /** @return the key of mood 7's invalid record ({@code mood: 42}) */
    public RecordKey invalidRkey() {
        return invalidRkey;
    }

    @Override
    public String toString() {
        return "IncidentFixture[" + USER + " at " + did + ", " + OTHER + " at " + otherDid + "]";
    }

    private RecordKey serverKey() {
        return server.next().toRecordKey();
    }

    private static RepoWrite create(RecordKey rkey, Map<String, Object> value) {
        return new RepoWrite.Create(MoodRecords.COLLECTION, rkey, value);
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
