package computer.aesthetic.moodsync.pds.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Converts between Jackson trees and plain Java JSON values (Map, List, String, Long/BigInteger, Double/BigDecimal,
 * Boolean, null) without going through the host's {@code ObjectMapper} configuration (which may drop nulls or add
 * type information). Stateless.
 */
public final class JsonValues {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonValues() {
    }

    /**
     * Converts a tree to plain values; maps keep their order and are unmodifiable.
     *
     * @param node the tree, may be null (gives null)
     * @return the plain value
     */
    public static Object toPlain(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(e.getKey(), toPlain(e.getValue()));
            }
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode v : node.values()) {
                list.add(toPlain(v));
            }
            return Collections.unmodifiableList(list);
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isBigDecimal()) {
            return node.decimalValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        // binary, POJO or other exotic nodes never come out of a JSON parser; keep their text form
        return node.asString();
    }

    /**
     * Converts plain values (as produced by {@code DataModel.toJson}) to a tree, keeping nulls.
     *
     * @param value the plain value, may be null
     * @return the tree
     * @throws IllegalArgumentException for a value that is not plain JSON
     */
    public static JsonNode toNode(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode node = NODES.objectNode();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("JSON object keys must be strings, found " + e.getKey());
                }
                node.set(key, toNode(e.getValue()));
            }
            return node;
        }
        if (value instanceof List<?> list) {
            ArrayNode node = NODES.arrayNode(list.size());
            for (Object v : list) {
                node.add(toNode(v));
            }
            return node;
        }
        if (value instanceof String s) {
            return NODES.stringNode(s);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof BigInteger b) {
            return NODES.numberNode(b);
        }
        if (value instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Double || value instanceof Float) {
            return NODES.numberNode(((Number) value).doubleValue());
        }
        throw new IllegalArgumentException("not a plain JSON value: " + value.getClass().getName());
    }

    /**
     * Reads a string property.
     *
     * @param node an object node
     * @param field the property
     * @return the string, or null when absent or not a string
     */
    public static String string(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isString() ? v.stringValue() : null;
    }
}
