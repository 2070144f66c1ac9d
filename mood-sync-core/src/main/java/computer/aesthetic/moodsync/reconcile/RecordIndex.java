package computer.aesthetic.moodsync.reconcile;

import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.record.MoodRecord;
import computer.aesthetic.moodsync.record.MoodRecords;
import computer.aesthetic.moodsync.spi.RepoRecord;
import computer.aesthetic.moodsync.syntax.RecordKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A compact index of one collection's records, by record key and by {@code ref}: the record values themselves are
 * not kept, only what classification needs (CID, ref, a 64-bit digest of the text, the time in microseconds).
 * Not thread-safe: one per reconciliation.
 */
final class RecordIndex {
    /** One record, reduced to what classification needs. */
    static final class Entry {
        final String rkey;
        final Cid cid;
        /**
         * The record's ref (or legacy mongoId); null when it has none. For an invalid record, the mood it names
         * ({@link MoodRecords#namedMood}) if any.
         */
        final MoodId ref;
        final boolean legacy;
        /** Problems when the record breaks the lexicon; null when valid. */
        final String problems;
        final long whenMicros;
        final long textDigest;
        boolean claimed;

        Entry(String rkey, Cid cid, MoodId ref, boolean legacy, String problems, long whenMicros, long textDigest) {
            this.rkey = rkey;
            this.cid = cid;
            this.ref = ref;
            this.legacy = legacy;
            this.problems = problems;
            this.whenMicros = whenMicros;
            this.textDigest = textDigest;
        }

        boolean valid() {
            return problems == null;
        }

        RecordKey key() {
            return new RecordKey(rkey);
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byRkey = new HashMap<>();
    /** Values are an {@link Entry} or a {@code List<Entry>} (duplicates are the exception). */
    private final Map<MoodId, Object> byRef = new HashMap<>();
    private final MessageDigest sha256;

    RecordIndex() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    void add(RepoRecord record) {
        String rkey = record.rkey().value();
        List<String> problems = MoodRecords.problems(record.value());
        Entry e;
        if (problems.isEmpty()) {
            MoodRecord r = MoodRecords.decode(record.value());
            e = new Entry(rkey, record.cid(), r.ref().orElse(null), r.legacyRef(), null,
                    micros(r.when().instant()), digest(r.text()));
        } else {
            // Still the record of the mood its ref/mongoId names, if any: rewritten in place, never an orphan.
            e = new Entry(rkey, record.cid(), MoodRecords.namedMood(record.value()).orElse(null),
                    !(record.value().get("ref") instanceof String), String.join("; ", problems), 0, 0);
        }
        entries.add(e);
        byRkey.put(rkey, e);
        if (e.ref != null) {
            byRef.merge(e.ref, e, (old, add) -> {
                if (old instanceof Entry one) {
                    List<Entry> list = new ArrayList<>(2);
                    list.add(one);
                    list.add((Entry) add);
                    return list;
                }
                @SuppressWarnings("unchecked")
                List<Entry> list = (List<Entry>) old;
                list.add((Entry) add);
                return list;
            });
        }
    }

    int size() {
        return entries.size();
    }

    List<Entry> entries() {
        return entries;
    }

    Entry get(RecordKey rkey) {
        return byRkey.get(rkey.value());
    }

    @SuppressWarnings("unchecked")
    List<Entry> byRef(MoodId id) {
        Object o = byRef.get(id);
        if (o == null) {
            return List.of();
        }
        return o instanceof Entry e ? List.of(e) : (List<Entry>) o;
    }

    /** A 64-bit digest of a text: the first 8 bytes of its SHA-256; equal texts, equal digests. */
    long digest(String text) {
        byte[] h = sha256.digest(text.getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xFF);
        }
        return v;
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    static Optional<Entry> unclaimedRefless(Entry e) {
        return e != null && e.ref == null && !e.claimed ? Optional.of(e) : Optional.empty();
    }
}
