package computer.aesthetic.moodsync.data;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Canonical DAG-CBOR, the binary encoding of the ATProto data model that record CIDs are computed
 * from.
 *
 * <p>The Java form of the data model: {@code null}, {@link Boolean}, {@link Long} ({@link Integer},
 * {@link Short} and {@link Byte} are accepted on input and mean the same integer), {@link String},
 * {@code byte[]}, {@link Cid}, {@link List} and {@link Map} with {@link String} keys. Floating-point
 * numbers and every other type are not part of the data model.
 *
 * <p>{@link #encode} writes the canonical form the ATProto data-model specification requires:
 * shortest-form integer and length headers, definite lengths only, map keys sorted by the length of
 * their UTF-8 encoding and then bytewise, and CID links as tag 42 around a byte string holding
 * {@code 0x00} (the identity multibase prefix) and the binary CID. {@link #decode} accepts exactly
 * that form and rejects anything else, so {@code encode(decode(b))} equals {@code b}.
 *
 * <p>Neither method applies the ATProto object rules ({@code $type} must be a non-empty string,
 * blob shape, reserved {@code $link}/{@code $bytes} keys); {@link DataModel#copyRecord} does.
 *
 * <p>Nesting deeper than {@value #MAX_DEPTH} levels is rejected (which also catches cyclic
 * structures). Stateless and thread-safe.
 */
public final class DagCbor {

    /** The deepest nesting of lists and maps accepted by {@link #encode} and {@link #decode}. */
    public static final int MAX_DEPTH = 256;

    static final String FLOATS_NOT_ALLOWED = "floats are not allowed in the ATProto data model";

    private static final int MAJOR_UNSIGNED = 0;
    private static final int MAJOR_NEGATIVE = 1;
    private static final int MAJOR_BYTES = 2;
    private static final int MAJOR_TEXT = 3;
    private static final int MAJOR_ARRAY = 4;
    private static final int MAJOR_MAP = 5;
    private static final int MAJOR_TAG = 6;
    private static final int MAJOR_SIMPLE = 7;
    private static final int TAG_CID = 42;

    private DagCbor() {
    }

    /**
     * Encodes a data-model value as canonical DAG-CBOR.
     *
     * @param value a data-model value; may be null (encodes CBOR {@code null})
     * @return the encoding, a fresh array
     * @throws IllegalArgumentException if the value is not in the data model, naming the path, for
     *     example {@code $.a[2]: floats are not allowed in the ATProto data model}; also for a string
     *     with an unpaired UTF-16 surrogate or nesting deeper than {@value #MAX_DEPTH}
     */
    public static byte[] encode(Object value) {
        Encoder encoder = new Encoder();
        try {
            encoder.write(value, 0);
        } catch (DataModelPathException e) {
            throw e.toIllegalArgument();
        }
        return encoder.toByteArray();
    }

    /**
     * Decodes one canonical DAG-CBOR value into the Java data model.
     *
     * <p>Maps become unmodifiable {@link LinkedHashMap}s in canonical key order, lists unmodifiable
     * lists, integers {@link Long}, CID links {@link Cid}. Byte strings become fresh {@code byte[]}
     * arrays owned by the caller. Map values and list elements may be null.
     *
     * @param cbor exactly one encoded value
     * @return the decoded value; null for CBOR {@code null}
     * @throws IllegalArgumentException if the input is not exactly one canonical DAG-CBOR value:
     *     truncated or trailing bytes, non-shortest integers or lengths, indefinite lengths, floats,
     *     tags other than 42, malformed CIDs, non-string or unsorted or duplicate map keys, invalid
     *     UTF-8, integers outside the 64-bit signed range, or nesting deeper than {@value #MAX_DEPTH}
     * @throws NullPointerException if {@code cbor} is null
     */
    public static Object decode(byte[] cbor) {
        Objects.requireNonNull(cbor, "cbor");
        Decoder decoder = new Decoder(cbor);
        try {
            Object value = decoder.read(0);
            if (decoder.pos != cbor.length) {
                throw new DataModelPathException(
                        (cbor.length - decoder.pos) + " trailing bytes after the value at byte offset " + decoder.pos);
            }
            return value;
        } catch (DataModelPathException e) {
            throw e.toIllegalArgument();
        }
    }

    /**
     * Computes the CID of a data-model value: {@code Cid.forDagCbor(encode(value))}.
     *
     * @param value a data-model value; may be null
     * @return the CIDv1 (dag-cbor, sha2-256) of the canonical encoding
     * @throws IllegalArgumentException if the value is not in the data model, as for {@link #encode}
     */
    public static Cid cidOf(Object value) {
        return Cid.forDagCbor(encode(value));
    }

    // ---- shared helpers ----------------------------------------------------------------------

    /**
     * Returns the UTF-8 length of {@code s}, or throws if it holds an unpaired surrogate (which
     * has no UTF-8 form).
     */
    static int utf8Length(String s) {
        int n = s.length();
        int len = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    len += 1;
                } else if (Character.isSurrogate(c)) {
                    if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        len += 2; // 2 chars -> 4 bytes
                        i++;
                    } else {
                        throw new DataModelPathException(
                                "string has an unpaired UTF-16 surrogate at index " + i + ", which is not valid Unicode");
                    }
                } else {
                    len += 2;
                }
            }
        }
        return len;
    }

    /**
     * Compares map keys in DAG-CBOR canonical order: shorter UTF-8 encoding first, then bytewise
     * UTF-8 (which is Unicode code point order).
     */
    static int compareKeys(String a, int aUtf8Length, String b, int bUtf8Length) {
        if (aUtf8Length != bUtf8Length) {
            return aUtf8Length < bUtf8Length ? -1 : 1;
        }
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x >= 0xD800 && y >= 0xD800) {
                    // Surrogates encode code points above U+FFFF: move them after U+E000..U+FFFF.
                    x = (char) (x >= 0xE000 ? x - 0x800 : x + 0x2000);
                    y = (char) (y >= 0xE000 ? y - 0x800 : y + 0x2000);
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    static String typeName(Object value) {
        return value.getClass().getName();
    }

    static String unsupportedType(Object value) {
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            return FLOATS_NOT_ALLOWED;
        }
        return "unsupported type " + typeName(value) + "; the ATProto data model allows null, Boolean, Long"
                + " (Integer, Short, Byte), String, byte[], Cid, List and Map with String keys";
    }

    // ---- encoder -----------------------------------------------------------------------------

    /** A map entry with its key's UTF-8 length, for sorting once. */
    private record KeyedEntry(String key, int utf8Length, Object value) {
    }

    private static final class Encoder {
        private byte[] buf = new byte[256];
        private int len;

        byte[] toByteArray() {
            return Arrays.copyOf(buf, len);
        }

        private void ensure(int extra) {
            int needed = len + extra;
            if (needed < 0) {
                throw new DataModelPathException("encoding exceeds 2 GB");
            }
            if (needed > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2 > 0 ? buf.length * 2 : Integer.MAX_VALUE - 8));
            }
        }

        private void head(int major, long n) {
            ensure(9);
            int m = major << 5;
            if (n >= 0 && n < 24) {
                buf[len++] = (byte) (m | (int) n);
            } else if (n >= 0 && n <= 0xff) {
                buf[len++] = (byte) (m | 24);
                buf[len++] = (byte) n;
            } else if (n >= 0 && n <= 0xffff) {
                buf[len++] = (byte) (m | 25);
                buf[len++] = (byte) (n >>> 8);
                buf[len++] = (byte) n;
            } else if (n >= 0 && n <= 0xffffffffL) {
                buf[len++] = (byte) (m | 26);
                buf[len++] = (byte) (n >>> 24);
                buf[len++] = (byte) (n >>> 16);
                buf[len++] = (byte) (n >>> 8);
                buf[len++] = (byte) n;
            } else {
                buf[len++] = (byte) (m | 27);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    buf[len++] = (byte) (n >>> shift);
                }
            }
        }

        void write(Object value, int depth) {
            if (value == null) {
                ensure(1);
                buf[len++] = (byte) 0xf6;
            } else if (value instanceof String s) {
                writeText(s, utf8Length(s));
            } else if (value instanceof Map<?, ?> map) {
                writeMap(map, depth);
            } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                    || value instanceof Byte) {
                long v = ((Number) value).longValue();
                if (v >= 0) {
                    head(MAJOR_UNSIGNED, v);
                } else {
                    head(MAJOR_NEGATIVE, ~v); // -1 - v
                }
            } else if (value instanceof Boolean b) {
                ensure(1);
                buf[len++] = (byte) (b ? 0xf5 : 0xf4);
            } else if (value instanceof List<?> list) {
                writeList(list, depth);
            } else if (value instanceof Cid cid) {
                byte[] bytes = cid.bytesUnsafe();
                ensure(2);
                buf[len++] = (byte) 0xd8;
                buf[len++] = (byte) TAG_CID;
                head(MAJOR_BYTES, bytes.length + 1L);
                ensure(bytes.length + 1);
                buf[len++] = 0; // identity multibase prefix
                System.arraycopy(bytes, 0, buf, len, bytes.length);
                len += bytes.length;
            } else if (value instanceof byte[] bytes) {
                head(MAJOR_BYTES, bytes.length);
                ensure(bytes.length);
                System.arraycopy(bytes, 0, buf, len, bytes.length);
                len += bytes.length;
            } else {
                throw new DataModelPathException(unsupportedType(value));
            }
        }

        private void writeText(String s, int utf8Length) {
            head(MAJOR_TEXT, utf8Length);
            ensure(utf8Length);
            byte[] b = buf;
            int p = len;
            int n = s.length();
            if (utf8Length == n) {
                for (int i = 0; i < n; i++) {
                    b[p++] = (byte) s.charAt(i);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    char c = s.charAt(i);
                    if (c < 0x80) {
                        b[p++] = (byte) c;
                    } else if (c < 0x800) {
                        b[p++] = (byte) (0xc0 | (c >> 6));
                        b[p++] = (byte) (0x80 | (c & 0x3f));
                    } else if (Character.isHighSurrogate(c)) {
                        int cp = Character.toCodePoint(c, s.charAt(++i)); // paired: checked by utf8Length
                        b[p++] = (byte) (0xf0 | (cp >> 18));
                        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                        b[p++] = (byte) (0x80 | (cp & 0x3f));
                    } else {
                        b[p++] = (byte) (0xe0 | (c >> 12));
                        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                        b[p++] = (byte) (0x80 | (c & 0x3f));
                    }
                }
            }
            len = p;
        }

        private void writeList(List<?> list, int depth) {
            if (depth >= MAX_DEPTH) {
                throw new DataModelPathException("nesting deeper than " + MAX_DEPTH + " levels (or a cycle)");
            }
            head(MAJOR_ARRAY, list.size());
            int i = 0;
            for (Object item : list) {
                try {
                    write(item, depth + 1);
                } catch (DataModelPathException e) {
                    throw e.index(i);
                }
                i++;
            }
        }

        private void writeMap(Map<?, ?> map, int depth) {
            if (depth >= MAX_DEPTH) {
                throw new DataModelPathException("nesting deeper than " + MAX_DEPTH + " levels (or a cycle)");
            }
            int n = map.size();
            KeyedEntry[] entries = new KeyedEntry[n];
            int i = 0;
            boolean sorted = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new DataModelPathException("map key " + e.getKey() + " ("
                            + (e.getKey() == null ? "null" : typeName(e.getKey()))
                            + ") is not a string; data-model maps have string keys only");
                }
                int keyLength;
                try {
                    keyLength = utf8Length(key);
                } catch (DataModelPathException ex) {
                    throw new DataModelPathException("map key: " + ex.getMessage()).key(key);
                }
                KeyedEntry entry = new KeyedEntry(key, keyLength, e.getValue());
                if (sorted && i > 0) {
                    KeyedEntry prev = entries[i - 1];
                    sorted = compareKeys(prev.key, prev.utf8Length, key, keyLength) < 0;
                }
                entries[i++] = entry;
            }
            if (i != n) {
                throw new DataModelPathException("map changed size during encoding");
            }
            if (!sorted) {
                Arrays.sort(entries, (a, b) -> compareKeys(a.key, a.utf8Length, b.key, b.utf8Length));
            }
            head(MAJOR_MAP, n);
            for (KeyedEntry entry : entries) {
                writeText(entry.key, entry.utf8Length);
                try {
                    write(entry.value, depth + 1);
                } catch (DataModelPathException e) {
                    throw e.key(entry.key);
                }
            }
        }
    }

    // ---- decoder -----------------------------------------------------------------------------

    private static final class Decoder {
        private final byte[] in;
        private int pos;

        Decoder(byte[] in) {
            this.in = in;
        }

        private DataModelPathException error(String message, int offset) {
            return new DataModelPathException(message + " at byte offset " + offset);
        }

        private int next() {
            if (pos >= in.length) {
                throw error("unexpected end of input", pos);
            }
            return in[pos++] & 0xff;
        }

        /**
         * Reads the argument of a head whose initial byte was at {@code start}; returns it as an
         * unsigned 64-bit value, enforcing the shortest form.
         */
        private long argument(int info, int start) {
            if (info < 24) {
                return info;
            }
            long v;
            long min;
            switch (info) {
                case 24 -> {
                    v = next();
                    min = 24;
                }
                case 25 -> {
                    v = ((long) next() << 8) | next();
                    min = 0x100;
                }
                case 26 -> {
                    v = ((long) next() << 24) | ((long) next() << 16) | ((long) next() << 8) | next();
                    min = 0x10000;
                }
                case 27 -> {
                    v = 0;
                    for (int i = 0; i < 8; i++) {
                        v = (v << 8) | next();
                    }
                    min = 0x100000000L;
                }
                case 31 -> throw error("indefinite-length items are not allowed in DAG-CBOR", start);
                default -> throw error("reserved additional information " + info, start);
            }
            if (Long.compareUnsigned(v, min) < 0) {
                throw error("non-canonical head: " + Long.toUnsignedString(v) + " is not in its shortest form", start);
            }
            return v;
        }

        private int length(long n, int minItemSize, int start) {
            if (n < 0 || n > (in.length - pos) / minItemSize) {
                throw error("length " + Long.toUnsignedString(n) + " exceeds the remaining input", start);
            }
            return (int) n;
        }

        Object read(int depth) {
            int start = pos;
            int initial = next();
            int major = initial >>> 5;
            int info = initial & 31;
            switch (major) {
                case MAJOR_UNSIGNED -> {
                    long v = argument(info, start);
                    if (v < 0) {
                        throw error("integer " + Long.toUnsignedString(v) + " is outside the 64-bit signed range", start);
                    }
                    return v;
                }
                case MAJOR_NEGATIVE -> {
                    long v = argument(info, start);
                    if (v < 0) {
                        throw error("integer -1-" + Long.toUnsignedString(v) + " is outside the 64-bit signed range",
                                start);
                    }
                    return ~v;
                }
                case MAJOR_BYTES -> {
                    int n = length(argument(info, start), 1, start);
                    byte[] b = Arrays.copyOfRange(in, pos, pos + n);
                    pos += n;
                    return b;
                }
                case MAJOR_TEXT -> {
                    return text(info, start);
                }
                case MAJOR_ARRAY -> {
                    if (depth >= MAX_DEPTH) {
                        throw error("nesting deeper than " + MAX_DEPTH + " levels", start);
                    }
                    int n = length(argument(info, start), 1, start);
                    Object[] items = new Object[n];
                    for (int i = 0; i < n; i++) {
                        try {
                            items[i] = read(depth + 1);
                        } catch (DataModelPathException e) {
                            throw e.index(i);
                        }
                    }
                    return Collections.unmodifiableList(Arrays.asList(items));
                }
                case MAJOR_MAP -> {
                    if (depth >= MAX_DEPTH) {
                        throw error("nesting deeper than " + MAX_DEPTH + " levels", start);
                    }
                    return map(length(argument(info, start), 2, start), depth);
                }
                case MAJOR_TAG -> {
                    long tag = argument(info, start);
                    if (tag != TAG_CID) {
                        throw error("CBOR tag " + Long.toUnsignedString(tag) + " is not allowed; DAG-CBOR only has tag 42"
                                + " (CID link)", start);
                    }
                    return cid();
                }
                default -> {
                    return simple(info, start);
                }
            }
        }

        private String text(int info, int start) {
            int n = length(argument(info, start), 1, start);
            int from = pos;
            boolean ascii = true;
            for (int i = from; i < from + n; i++) {
                if (in[i] < 0) {
                    ascii = false;
                    break;
                }
            }
            if (!ascii) {
                validateUtf8(from, from + n);
            }
            pos += n;
            return new String(in, from, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }

        private void validateUtf8(int from, int to) {
            int i = from;
            while (i < to) {
                int b = in[i] & 0xff;
                if (b < 0x80) {
                    i++;
                    continue;
                }
                int need;
                int min;
                int cp;
                if (b >= 0xc2 && b <= 0xdf) {
                    need = 1;
                    min = 0x80;
                    cp = b & 0x1f;
                } else if (b >= 0xe0 && b <= 0xef) {
                    need = 2;
                    min = 0x800;
                    cp = b & 0x0f;
                } else if (b >= 0xf0 && b <= 0xf4) {
                    need = 3;
                    min = 0x10000;
                    cp = b & 0x07;
                } else {
                    throw error("invalid UTF-8 in text string", i);
                }
                if (i + need >= to) {
                    throw error("truncated UTF-8 sequence in text string", i);
                }
                for (int k = 1; k <= need; k++) {
                    int c = in[i + k] & 0xff;
                    if ((c & 0xc0) != 0x80) {
                        throw error("invalid UTF-8 in text string", i);
                    }
                    cp = (cp << 6) | (c & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                    throw error("invalid UTF-8 in text string (overlong, surrogate or out of range)", i);
                }
                i += need + 1;
            }
        }

        private Map<String, Object> map(int n, int depth) {
            LinkedHashMap<String, Object> map = new LinkedHashMap<>(Math.max(4, (int) (n / 0.75f) + 1));
            int prevFrom = -1;
            int prevLength = 0;
            for (int i = 0; i < n; i++) {
                int keyStart = pos;
                int initial = next();
                if (initial >>> 5 != MAJOR_TEXT) {
                    throw error("map key is not a text string; DAG-CBOR map keys must be strings", keyStart);
                }
                String key = text(initial & 31, keyStart);
                int keyLength = pos - keyStart; // whole encoded key, head included
                if (prevFrom >= 0) {
                    int cmp = keyLength != prevLength
                            ? Integer.compare(prevLength, keyLength)
                            : Arrays.compareUnsigned(in, prevFrom, prevFrom + prevLength, in, keyStart, pos);
                    if (cmp >= 0) {
                        throw error((cmp == 0 ? "duplicate map key" : "map keys not in canonical order at key")
                                + " \"" + key + "\"", keyStart);
                    }
                }
                prevFrom = keyStart;
                prevLength = keyLength;
                try {
                    map.put(key, read(depth + 1));
                } catch (DataModelPathException e) {
                    throw e.key(key);
                }
            }
            return Collections.unmodifiableMap(map);
        }

        private Cid cid() {
            int start = pos;
            int initial = next();
            if (initial >>> 5 != MAJOR_BYTES) {
                throw error("tag 42 must wrap a byte string", start);
            }
            int n = length(argument(initial & 31, start), 1, start);
            if (n == 0 || in[pos] != 0) {
                throw error("CID link must start with the 0x00 multibase prefix", pos);
            }
            Cid cid = Cid.ofBytesOrNull(Arrays.copyOfRange(in, pos + 1, pos + n));
            if (cid == null) {
                throw error("malformed CID in tag 42", start);
            }
            pos += n;
            return cid;
        }

        private Object simple(int info, int start) {
            return switch (info) {
                case 20 -> Boolean.FALSE;
                case 21 -> Boolean.TRUE;
                case 22 -> null;
                case 25, 26, 27 -> throw error(FLOATS_NOT_ALLOWED, start);
                case 31 -> throw error("unexpected break (indefinite-length items are not allowed)", start);
                case 23 -> throw error("CBOR undefined is not allowed in DAG-CBOR", start);
                default -> throw error("CBOR simple value " + info + " is not allowed in DAG-CBOR", start);
            };
        }
    }
}
