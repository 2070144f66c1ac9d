package computer.aesthetic.moodsync.record;

import computer.aesthetic.moodsync.InvalidRecordException;
import computer.aesthetic.moodsync.Mood;
import computer.aesthetic.moodsync.MoodId;
import computer.aesthetic.moodsync.data.Cid;
import computer.aesthetic.moodsync.data.DagCbor;
import computer.aesthetic.moodsync.syntax.AtDatetime;
import computer.aesthetic.moodsync.syntax.Nsid;
import computer.aesthetic.moodsync.syntax.RecordKey;
import computer.aesthetic.moodsync.syntax.Tid;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The codec between moods and {@code computer.aesthetic.mood} records {@code {$type, mood, when, ref}}, its lexicon
 * validation, and the deterministic record key of a mood.
 *
 * <p>Writing: {@code $type} is the collection, {@code mood} the text, {@code when} the mood's time in JavaScript's
 * {@code toISOString()} form (UTC, three fractional digits, {@code Z}, as the origin system wrote it, so identical
 * content gives identical bytes and CIDs) and {@code ref} the mood's 24-hex id. Reading: records written by the
 * origin system carry {@code mongoId} instead of {@code ref}; both are read, {@code ref} wins when both agree.
 *
 * <p>Static methods only; thread-safe.
 */
public final class MoodRecords {
    /** The collection of mood records. */
    public static final Nsid COLLECTION = Nsid.parse("computer.aesthetic.mood");
    /** The most UTF-8 bytes a mood's text may have (the lexicon's {@code maxLength} counts bytes). */
    public static final int MAX_TEXT_BYTES = 5000;

    private static final String TYPE = "$type";
    private static final long MICROS_PER_SECOND = 1_000_000L;

    private MoodRecords() {
    }

    /**
     * Returns the record key of a mood's record: a pure function of its id, so every retry, restart, second worker
     * or re-run migration targets the same record.
     *
     * <p>The key is a TID (see {@link #tidFor(MoodId)} for the exact derivation): valid wherever a TID record key is
     * required, and sorted by the mood's creation second.
     *
     * @param id the mood's id
     * @return the record key, 13 characters
     */
    public static RecordKey rkeyFor(MoodId id) {
        return tidFor(id).toRecordKey();
    }

    /**
     * Returns the TID that {@link #rkeyFor(MoodId)} uses. Derivation, from the id's ObjectId parts (4 bytes of
     * seconds {@code s}, 5 random bytes {@code r} read as a 40-bit number, 3 bytes of counter {@code c}):
     * <pre>
     *   micros  = s * 1_000_000 + (c mod 1_000_000)
     *   clockId = (r ^ (r &gt;&gt;&gt; 10) ^ (r &gt;&gt;&gt; 20) ^ (r &gt;&gt;&gt; 30)) &amp; 0x3FF
     *   tid     = Tid.of(micros, clockId)      // 0 | 53 bits of micros | 10 bits of clockId, base32-sortable
     * </pre>
     * The random bytes are fixed per process in every ObjectId generator, so each process gets one clock id, and
     * its counter gives distinct microseconds to up to a million ids a second. Two ids can only share a key if they
     * were minted in the same second by two processes whose random parts fold to the same 10 bits (1 in 1024 per
     * pair of processes) and whose counters agree modulo 1,000,000, or by one process minting over a million ids in
     * one second. The result never changes across JVMs or releases: tests pin golden values.
     *
     * @param id the mood's id
     * @return the TID
     */
    public static Tid tidFor(MoodId id) {
        long micros = id.seconds() * MICROS_PER_SECOND + (id.counter() % MICROS_PER_SECOND);
        long r = id.random();
        int clockId = (int) ((r ^ (r >>> 10) ^ (r >>> 20) ^ (r >>> 30)) & 0x3FF);
        return Tid.of(micros, clockId);
    }

    /** How many fallback keys {@link #fallbackKey} defines after {@link #rkeyFor}: the probing sequence's bound. */
    public static final int FALLBACK_KEYS = 8;

    /**
     * Returns a mood's {@code n}-th fallback record key, for when {@link #rkeyFor(MoodId)} already holds another
     * mood's record: a pure function of the id, so every plan, instance and retry probes the same keys in the same
     * order and a second record can never appear at a key of its own choosing. The probing sequence is bounded:
     * {@code n} runs from 1 to {@link #FALLBACK_KEYS}; {@code n == 0} is {@link #rkeyFor(MoodId)} itself.
     *
     * <p>Derivation: the TID of {@link #tidFor(MoodId)} with its clock id XOR {@code n} (the same microseconds).
     * Moods minted by one process share their clock id, so a fallback key can only equal another mood's
     * {@code rkeyFor} when a second process, whose clock id differs in exactly those bits, minted an id in the same
     * second with the same counter modulo 1,000,000.
     *
     * @param id the mood's id
     * @param n 0 for {@link #rkeyFor(MoodId)}, 1 to {@link #FALLBACK_KEYS} for the fallbacks in probing order
     * @return the record key
     * @throws IllegalArgumentException if {@code n} is outside 0..{@link #FALLBACK_KEYS}
     */
    public static RecordKey fallbackKey(MoodId id, int n) {
        if (n < 0 || n > FALLBACK_KEYS) {
            throw new IllegalArgumentException("n must be 0.." + FALLBACK_KEYS + ", found " + n);
        }
        Tid base = tidFor(id);
        return Tid.of(base.micros(), base.clockId() ^ n).toRecordKey();
    }

    /**
     * Returns the mood a record value names by its {@code ref} (or legacy {@code mongoId}), even when the value breaks
     * the lexicon in other ways (a {@code mood} that is a number, 6,000 bytes of text): such a record is still that
     * mood's record, to be rewritten in place rather than taken for an orphan. Empty when neither field is a mood id,
     * or when the two name different moods.
     *
     * @param value the record value as read from a PDS (untrusted)
     * @return the mood the record names, or empty
     */
    public static Optional<MoodId> namedMood(Map<String, ?> value) {
        Objects.requireNonNull(value, "value");
        Optional<MoodId> ref = value.get("ref") instanceof String s ? MoodId.tryParse(s) : Optional.empty();
        Optional<MoodId> legacy = value.get("mongoId") instanceof String s ? MoodId.tryParse(s) : Optional.empty();
        if (ref.isPresent() && legacy.isPresent() && !ref.equals(legacy)) {
            return Optional.empty();
        }
        return ref.or(() -> legacy);
    }

    /**
     * Builds the record of a mood.
     *
     * @param mood the mood
     * @return the record value, an unmodifiable map in field order {@code $type, mood, when, ref}
     * @throws InvalidRecordException if the text breaks the lexicon (too long, lone surrogates, NUL)
     */
    public static Map<String, Object> toRecord(Mood mood) {
        return toRecord(mood.id(), mood.text(), mood.when());
    }

    /**
     * Builds the record of a mood from its parts.
     *
     * @param id the mood's id, written as {@code ref}
     * @param text the text
     * @param when the time, written to the millisecond in {@code toISOString()} form
     * @return the record value, an unmodifiable map in field order {@code $type, mood, when, ref}
     * @throws InvalidRecordException if the text breaks the lexicon (too long, lone surrogates, NUL)
     */
    public static Map<String, Object> toRecord(MoodId id, String text, Instant when) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(when, "when");
        List<String> problems = textProblems(text);
        if (!problems.isEmpty()) {
            throw new InvalidRecordException(problems);
        }
        Map<String, Object> record = new LinkedHashMap<>(8);
        record.put(TYPE, COLLECTION.toString());
        record.put("mood", text);
        record.put("when", AtDatetime.of(when).toString());
        record.put("ref", id.toString());
        return Collections.unmodifiableMap(record);
    }

    /**
     * Returns the CID the record of {@code mood} has: what a PDS reports after writing {@link #toRecord(Mood)}.
     *
     * @param mood the mood
     * @return the record's CID
     * @throws InvalidRecordException if the text breaks the lexicon
     */
    public static Cid cidOf(Mood mood) {
        return DagCbor.cidOf(toRecord(mood));
    }

    /**
     * Checks text for a new or edited mood: everything {@link #textProblems(String)} checks, and also that it is
     * not empty or whitespace only (the lexicon allows an empty string; a posted mood must say something).
     *
     * @param text the text
     * @throws InvalidRecordException listing every problem
     */
    public static void checkNewText(String text) {
        List<String> problems = new ArrayList<>(textProblems(text));
        if (text != null && text.isBlank()) {
            problems.add(0, "mood: a mood must not be empty or whitespace only, found "
                    + (text.isEmpty() ? "an empty string" : text.length() + " whitespace characters"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRecordException(problems);
        }
    }

    /**
     * Lists what makes {@code text} unfit for a record's {@code mood} field: null, more than
     * {@value #MAX_TEXT_BYTES} UTF-8 bytes, a lone surrogate (not encodable in UTF-8), or a NUL character.
     *
     * @param text the text, possibly null
     * @return the problems, empty when fit
     */
    public static List<String> textProblems(String text) {
        if (text == null) {
            return List.of("mood: expected a string, found nothing");
        }
        List<String> problems = new ArrayList<>(2);
        long bytes = 0;
        int nul = -1;
        int lone = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
                if (c == 0 && nul < 0) {
                    nul = i;
                }
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                if (lone < 0) {
                    lone = i;
                }
                bytes += 3;
            } else {
                bytes += 3;
            }
        }
        if (bytes > MAX_TEXT_BYTES) {
            problems.add("mood: at most " + MAX_TEXT_BYTES + " UTF-8 bytes, found " + bytes);
        }
        if (lone >= 0) {
            problems.add("mood: a lone UTF-16 surrogate at index " + lone + " cannot be encoded as UTF-8");
        }
        if (nul >= 0) {
            problems.add("mood: a NUL character at index " + nul + " is not allowed");
        }
        return problems;
    }

    /**
     * Lists every way a record value breaks the {@code computer.aesthetic.mood} lexicon: {@code $type} not the
     * collection; {@code mood} missing, not a string, too long, or not encodable; {@code when} missing or not an
     * ATProto datetime; {@code ref}/{@code mongoId} not a 24-hex id, or the two disagreeing.
     *
     * @param value the record value as read from a PDS (untrusted)
     * @return the problems, empty when valid
     */
    public static List<String> problems(Map<String, ?> value) {
        Objects.requireNonNull(value, "value");
        List<String> problems = new ArrayList<>(2);
        Object type = value.get(TYPE);
        if (!COLLECTION.toString().equals(type)) {
            problems.add("$type: expected \"" + COLLECTION + "\", found " + describe(type, value.containsKey(TYPE)));
        }
        Object mood = value.get("mood");
        if (mood instanceof String s) {
            problems.addAll(textProblems(s));
        } else {
            problems.add("mood: expected a string, found " + describe(mood, value.containsKey("mood")));
        }
        Object when = value.get("when");
        if (when instanceof String s) {
            if (AtDatetime.tryParse(s).isEmpty()) {
                problems.add("when: expected an ATProto datetime, found " + describe(s, true));
            }
        } else {
            problems.add("when: expected a datetime string, found " + describe(when, value.containsKey("when")));
        }
        Optional<MoodId> ref = refField(value, "ref", problems);
        Optional<MoodId> legacy = refField(value, "mongoId", problems);
        if (ref.isPresent() && legacy.isPresent() && !ref.equals(legacy)) {
            problems.add("ref and mongoId disagree: " + ref.get() + " vs " + legacy.get());
        }
        return problems;
    }

    /**
     * Decodes a record value, validating it against the lexicon.
     *
     * @param value the record value as read from a PDS (untrusted)
     * @return the decoded record
     * @throws InvalidRecordException listing every problem found
     */
    public static MoodRecord decode(Map<String, ?> value) {
        List<String> problems = problems(value);
        if (!problems.isEmpty()) {
            throw new InvalidRecordException(problems);
        }
        Optional<MoodId> ref = value.get("ref") instanceof String s ? MoodId.tryParse(s) : Optional.empty();
        Optional<MoodId> legacy = value.get("mongoId") instanceof String s ? MoodId.tryParse(s) : Optional.empty();
        return new MoodRecord((String) value.get("mood"), AtDatetime.parse((String) value.get("when")),
                ref.or(() -> legacy), ref.isEmpty() && legacy.isPresent());
    }

    /**
     * Decodes a record value, or returns empty when it breaks the lexicon.
     *
     * @param value the record value as read from a PDS (untrusted)
     * @return the decoded record, or empty
     */
    public static Optional<MoodRecord> tryDecode(Map<String, ?> value) {
        return problems(value).isEmpty() ? Optional.of(decode(value)) : Optional.empty();
    }

    private static Optional<MoodId> refField(Map<String, ?> value, String field, List<String> problems) {
        if (!value.containsKey(field)) {
            return Optional.empty();
        }
        Object v = value.get(field);
        Optional<MoodId> id = v instanceof String s ? MoodId.tryParse(s) : Optional.empty();
        if (id.isEmpty()) {
            problems.add(field + ": expected a 24-hex mood id, found " + describe(v, true));
        }
        return id;
    }

    private static String describe(Object v, boolean present) {
        if (!present) {
            return "nothing (the field is missing)";
        }
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
            StringBuilder b = new StringBuilder("\"");
            shown.codePoints().forEach(cp -> {
                if (cp < 0x20 || Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                    b.append(String.format("\\u%04x", cp));
                } else {
                    b.appendCodePoint(cp);
                }
            });
            return b.append('"').toString();
        }
        return "a " + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " (" + abbreviate(v) + ")";
    }

    private static String abbreviate(Object v) {
        String s = v instanceof byte[] b ? b.length + " bytes" : String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
