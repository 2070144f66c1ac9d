package computer.aesthetic.moodsync.data;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Validation of ATProto data-model values and their mapping to and from plain JSON values.
 *
 * <p>The Java data model is described in {@link DagCbor}: {@code null}, {@link Boolean}, {@link Long}
 * (also {@link Integer}, {@link Short}, {@link Byte}), {@link String}, {@code byte[]}, {@link Cid},
 * {@link List} and {@link Map} with {@link String} keys. On top of the types, every method here applies
 * the ATProto object rules to maps at any depth:
 * <ul>
 *   <li>a {@code $type} key, if present, must hold a non-empty string;</li>
 *   <li>an object with {@code "$type": "blob"} must have {@code ref} (a {@link Cid}), {@code mimeType}
 *       (a string) and {@code size} (a non-negative integer);</li>
 *   <li>{@code $link} and {@code $bytes} keys are reserved for the JSON forms of links and bytes,
 *       so data-model maps must not contain them.</li>
 * </ul>
 *
 * <p>JSON values are what a JSON parser such as Jackson's {@code readValue(json, Object.class)}
 * yields: {@link Map}, {@link List}, {@link String}, {@link Boolean}, {@code null} and
 * {@link Number}s. A CID link is written {@code {"$link": "bafy..."}} and bytes
 * {@code {"$bytes": "<base64>"}} (RFC 4648 standard alphabet, no padding).
 *
 * <p>Every collection returned is a fresh, unmodifiable deep copy; maps keep their iteration order
 * and may hold null values, lists may hold null elements. {@code byte[]} values are fresh copies
 * owned by the caller. Stateless and thread-safe.
 */
public final class DataModel {

    private static final String LINK = "$link";
    private static final String BYTES = "$bytes";
    private static final String TYPE = "$type";
    /** Largest magnitude up to which every integer is exactly representable as a double. */
    private static final double MAX_SAFE_DOUBLE = 9007199254740992.0; // 2^53

    private enum Mode { FROM_JSON, TO_JSON, COPY, CHECK }

    private DataModel() {
    }

    /**
     * Converts a plain JSON value to the data model.
     *
     * <p>{@code {"$link": cid}} becomes a {@link Cid}, {@code {"$bytes": base64}} a {@code byte[]}
     * (padding is tolerated), integral numbers a {@link Long}. A {@link Double}, {@link Float} or
     * {@link BigDecimal} whose value is a whole number is accepted as that integer, because JSON does
     * not distinguish {@code 123.0} from {@code 123} (the ATProto interop tests require this); doubles
     * beyond 2<sup>53</sup> in magnitude, fractions, NaN and infinities are rejected. Values that are
     * already {@link Cid} or {@code byte[]} are accepted as they are.
     *
     * @param jsonValue a JSON value; may be null
     * @return the data-model value (null for null), a deep unmodifiable copy
     * @throws IllegalArgumentException naming the path, for example
     *     {@code $.a[2]: floats are not allowed in the ATProto data model}: for non-integral numbers,
     *     integers outside the 64-bit signed range, a {@code $link}/{@code $bytes} object with other
     *     keys or a malformed value, non-string map keys, strings with unpaired surrogates, a
     *     violated object rule, nesting deeper than {@value DagCbor#MAX_DEPTH} or an unsupported type
     */
    public static Object fromJson(Object jsonValue) {
        return run(jsonValue, Mode.FROM_JSON);
    }

    /**
     * Converts the plain JSON value of a record to the data model, as {@link #fromJson}, and checks
     * that it is an object.
     *
     * @param jsonValue the JSON value of a record, for example the {@code value} of a
     *     {@code com.atproto.repo.getRecord} response
     * @return the record as an unmodifiable, order-preserving deep copy
     * @throws IllegalArgumentException if the value is not an object, or for any reason
     *     {@link #fromJson} gives, naming the path
     * @throws NullPointerException if {@code jsonValue} is null
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> recordFromJson(Object jsonValue) {
        Objects.requireNonNull(jsonValue, "jsonValue");
        if (!(jsonValue instanceof Map)) {
            throw new IllegalArgumentException("$: a record must be an object, found " + DagCbor.typeName(jsonValue));
        }
        return (Map<String, Object>) run(jsonValue, Mode.FROM_JSON);
    }

    /**
     * Converts a data-model value to plain JSON values, the reverse of {@link #fromJson}.
     *
     * <p>A {@link Cid} becomes {@code {"$link": cid.toString()}}, a {@code byte[]}
     * {@code {"$bytes": base64}} without padding, integers {@link Long}. The result serializes with
     * any JSON library that handles maps, lists, strings, numbers, booleans and null.
     *
     * @param dataValue a data-model value; may be null
     * @return the JSON value (null for null), a deep unmodifiable copy
     * @throws IllegalArgumentException if the value is not in the data model, naming the path
     */
    public static Object toJson(Object dataValue) {
        return run(dataValue, Mode.TO_JSON);
    }

    /**
     * Validates a record value and returns a deep unmodifiable copy of it.
     *
     * <p>The value must be an object holding only data-model values under the object rules above.
     * Integers are normalized to {@link Long}; key order is preserved. A {@code $type} key is not
     * required here (the repository layer checks it against the collection).
     *
     * @param value the record value
     * @return an unmodifiable, order-preserving deep copy
     * @throws IllegalArgumentException if the value is not in the data model, naming the path, for
     *     example {@code $.tags[1]: floats are not allowed in the ATProto data model}
     * @throws NullPointerException if {@code value} is null
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> copyRecord(Map<String, ?> value) {
        Objects.requireNonNull(value, "value");
        return (Map<String, Object>) run(value, Mode.COPY);
    }

    /**
     * Tells whether a value is in the data model, under the same rules as {@link #copyRecord} but
     * for any value (not only objects).
     *
     * @param value any value; may be null (which is in the data model)
     * @return whether {@link #copyRecord} (for maps) or {@link DagCbor#encode} would accept it with
     *     the object rules applied
     */
    public static boolean isDataModel(Object value) {
        try {
            new Converter(Mode.CHECK).convert(value, 0);
            return true;
        } catch (DataModelPathException e) {
            return false;
        }
    }

    private static Object run(Object value, Mode mode) {
        try {
            return new Converter(mode).convert(value, 0);
        } catch (DataModelPathException e) {
            throw e.toIllegalArgument();
        }
    }

    /** One traversal for all modes; not thread-safe (one per call). */
    private static final class Converter {
        private final Mode mode;
        private final boolean copy;

        Converter(Mode mode) {
            this.mode = mode;
            this.copy = mode != Mode.CHECK;
        }

        Object convert(Object value, int depth) {
            if (value == null || value instanceof Boolean) {
                return value;
            }
            if (value instanceof String s) {
                DagCbor.utf8Length(s); // rejects unpaired surrogates
                return s;
            }
            if (value instanceof Long) {
                return value;
            }
            if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
                return ((Number) value).longValue();
            }
            if (value instanceof Map<?, ?> map) {
                return convertMap(map, depth);
            }
            if (value instanceof List<?> list) {
                return convertList(list, depth);
            }
            if (value instanceof Cid cid) {
                return mode == Mode.TO_JSON ? Map.of(LINK, cid.toString()) : cid;
            }
            if (value instanceof byte[] bytes) {
                if (mode == Mode.TO_JSON) {
                    return Map.of(BYTES, Base64.getEncoder().withoutPadding().encodeToString(bytes));
                }
                return copy ? bytes.clone() : bytes;
            }
            if (mode == Mode.FROM_JSON) {
                return jsonNumber(value);
            }
            throw new DataModelPathException(DagCbor.unsupportedType(value));
        }

        private static Long jsonNumber(Object value) {
            if (value instanceof BigInteger big) {
                if (big.bitLength() > 63) {
                    throw new DataModelPathException("integer " + big + " is outside the 64-bit signed range");
                }
                return big.longValue();
            }
            if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (Double.isFinite(d) && d == Math.rint(d)) {
                    if (Math.abs(d) > MAX_SAFE_DOUBLE) {
                        throw new DataModelPathException(DagCbor.FLOATS_NOT_ALLOWED + " (" + value
                                + " is integral but beyond 2^53, so it may not be the exact number written)");
                    }
                    return (long) d;
                }
                throw new DataModelPathException(DagCbor.FLOATS_NOT_ALLOWED + " (found " + value + ")");
            }
            if (value instanceof BigDecimal dec) {
                if (dec.signum() == 0 || dec.stripTrailingZeros().scale() <= 0) {
                    try {
                        return dec.longValueExact();
                    } catch (ArithmeticException e) {
                        throw new DataModelPathException("integer " + dec.toPlainString()
                                + " is outside the 64-bit signed range");
                    }
                }
                throw new DataModelPathException(DagCbor.FLOATS_NOT_ALLOWED + " (found " + dec + ")");
            }
            throw new DataModelPathException(DagCbor.unsupportedType(value));
        }

        private Object convertList(List<?> list, int depth) {
            if (depth >= DagCbor.MAX_DEPTH) {
                throw new DataModelPathException("nesting deeper than " + DagCbor.MAX_DEPTH + " levels (or a cycle)");
            }
            List<Object> out = copy ? new ArrayList<>(list.size()) : null;
            int i = 0;
            for (Object item : list) {
                Object converted;
                try {
                    converted = convert(item, depth + 1);
                } catch (DataModelPathException e) {
                    throw e.index(i);
                }
                if (copy) {
                    out.add(converted);
                }
                i++;
            }
            return copy ? Collections.unmodifiableList(out) : null;
        }

        private Object convertMap(Map<?, ?> map, int depth) {
            if (depth >= DagCbor.MAX_DEPTH) {
                throw new DataModelPathException("nesting deeper than " + DagCbor.MAX_DEPTH + " levels (or a cycle)");
            }
            boolean reserved;
            try {
                reserved = map.containsKey(LINK) || map.containsKey(BYTES);
            } catch (ClassCastException | NullPointerException e) {
                reserved = false; // a sorted map with non-string keys: reported below
            }
            if (reserved) {
                if (mode == Mode.FROM_JSON) {
                    return jsonLinkOrBytes(map);
                }
                throw new DataModelPathException("keys \"$link\" and \"$bytes\" are reserved for the JSON forms of"
                        + " links and bytes; use a Cid or byte[] value instead");
            }
            Map<String, Object> out = copy ? new LinkedHashMap<>(Math.max(4, (int) (map.size() / 0.75f) + 1)) : null;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new DataModelPathException("map key " + e.getKey() + " ("
                            + (e.getKey() == null ? "null" : DagCbor.typeName(e.getKey()))
                            + ") is not a string; data-model maps have string keys only");
                }
                Object converted;
                try {
                    DagCbor.utf8Length(key);
                    converted = convert(e.getValue(), depth + 1);
                } catch (DataModelPathException ex) {
                    throw ex.key(key);
                }
                if (copy) {
                    out.put(key, converted);
                }
            }
            // FROM_JSON checks the converted map (links and numbers already in data-model form).
            checkObjectRules(mode == Mode.FROM_JSON ? out : map);
            return copy ? Collections.unmodifiableMap(out) : null;
        }

        private static Object jsonLinkOrBytes(Map<?, ?> map) {
            String kind = map.containsKey(LINK) ? LINK : BYTES;
            if (map.size() != 1) {
                throw new DataModelPathException("a " + kind + " object must have no other keys, found " + map.size()
                        + " keys");
            }
            Object text = map.get(kind);
            if (!(text instanceof String s)) {
                throw new DataModelPathException(kind + " must be a string, found "
                        + (text == null ? "null" : DagCbor.typeName(text)));
            }
            if (kind.equals(LINK)) {
                try {
                    return Cid.parse(s);
                } catch (IllegalArgumentException e) {
                    throw new DataModelPathException("$link is not a valid CID: " + e.getMessage(), e);
                }
            }
            try {
                return Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                throw new DataModelPathException("$bytes is not valid base64: " + e.getMessage(), e);
            }
        }

        /** Checks {@code $type} and the blob shape of a map whose values are data-model values. */
        private static void checkObjectRules(Map<?, ?> map) {
            if (!map.containsKey(TYPE)) {
                return;
            }
            Object type = map.get(TYPE);
            if (!(type instanceof String t) || t.isEmpty()) {
                throw new DataModelPathException("$type must be a non-empty string, found "
                        + (type == null ? "null" : type instanceof String ? "an empty string" : DagCbor.typeName(type)))
                        .key(TYPE);
            }
            if (t.equals("blob")) {
                checkBlob(map);
            }
        }

        private static void checkBlob(Map<?, ?> map) {
            Object ref = map.get("ref");
            if (!(ref instanceof Cid)) {
                throw blobError(map, "ref", "a CID link");
            }
            if (!(map.get("mimeType") instanceof String)) {
                throw blobError(map, "mimeType", "a string");
            }
            Object size = map.get("size");
            long sizeValue;
            if (size instanceof Long || size instanceof Integer || size instanceof Short || size instanceof Byte) {
                sizeValue = ((Number) size).longValue();
            } else {
                throw blobError(map, "size", "an integer");
            }
            if (sizeValue < 0) {
                throw new DataModelPathException("blob size must not be negative, found " + sizeValue).key("size");
            }
        }

        private static DataModelPathException blobError(Map<?, ?> map, String key, String expected) {
            Object found = map.get(key);
            if (found == null && !map.containsKey(key)) {
                return new DataModelPathException("blob is missing required key \"" + key + "\" (" + expected + ")");
            }
            return new DataModelPathException("blob " + key + " must be " + expected + ", found "
                    + (found == null ? "null" : DagCbor.typeName(found))).key(key);
        }
    }
}
