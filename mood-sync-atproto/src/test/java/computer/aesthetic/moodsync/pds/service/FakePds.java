package computer.aesthetic.moodsync.pds.service;

import computer.aesthetic.moodsync.data.DagCbor;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small PDS for MockWebServer, faithful to the reference PDS where the service's sessions depend on it: logins
 * ({@code createSession}, 401 {@code AuthenticationRequired} for a wrong password), token refresh with rotation,
 * access tokens that expire on demand ({@code 400 ExpiredToken}), {@code putRecord} with the swap semantics
 * ({@code swapRecord: null} on identical content is a no-op, otherwise {@code 400 InvalidSwap}), {@code applyWrites}
 * (all or nothing, 500 on a create of an existing record), {@code getRecord} and {@code deleteRecord}. Counts calls
 * per endpoint and account. Thread-safe (one request at a time).
 */
final class FakePds extends Dispatcher {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Map<String, String> passwords = new HashMap<>();
    private final Map<String, String> accessTokens = new HashMap<>();
    private final Map<String, String> refreshTokens = new HashMap<>();
    private final Set<String> expired = new HashSet<>();
    private final Map<String, TreeMap<String, Map<String, Object>>> repos = new HashMap<>();
    private final Map<String, Integer> calls = new HashMap<>();
    private final Map<String, Integer> writes = new HashMap<>();
    private final Map<String, Integer> expireAfter = new HashMap<>();
    private int tokens;

    /** Adds an account. */
    synchronized FakePds account(String did, String password) {
        passwords.put(did, password);
        repos.put(did, new TreeMap<>());
        return this;
    }

    /** After the account's {@code n}-th successful write request, its access tokens expire. */
    synchronized FakePds expireAccessAfterWrites(String did, int n) {
        expireAfter.put(did, n);
        return this;
    }

    /** How many times {@code nsid} (such as {@code com.atproto.server.createSession}) was called for {@code did}. */
    synchronized int calls(String nsid, String did) {
        return calls.getOrDefault(nsid + " " + did, 0);
    }

    /** A copy of an account's records, by record key. */
    synchronized Map<String, Map<String, Object>> records(String did) {
        return new TreeMap<>(repos.get(did));
    }

    @Override
    public synchronized MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (!path.startsWith("/xrpc/")) {
            return error(404, "NotFound", "no such path");
        }
        String nsid = path.substring("/xrpc/".length());
        JsonNode body = request.getBody() == null || request.getBodySize() == 0 ? NODES.objectNode()
                : JSON.readTree(request.getBody().string(StandardCharsets.UTF_8));
        String bearer = bearer(request);
        switch (nsid) {
            case "com.atproto.server.createSession": {
                String did = body.path("identifier").asString();
                count(nsid, did);
                String password = passwords.get(did);
                if (password == null || !password.equals(body.path("password").asString())) {
                    return error(401, "AuthenticationRequired", "Invalid identifier or password");
                }
                return session(did);
            }
            case "com.atproto.server.refreshSession": {
                String did = bearer == null ? null : refreshTokens.remove(bearer);
                count(nsid, String.valueOf(did));
                if (did == null) {
                    return error(400, "ExpiredToken", "Token has been revoked");
                }
                return session(did);
            }
            case "com.atproto.repo.getRecord": {
                String did = request.getUrl().queryParameter("repo");
                count(nsid, did);
                Map<String, Object> value = repo(did).get(request.getUrl().queryParameter("rkey"));
                if (value == null) {
                    return error(400, "RecordNotFound", "Could not locate record");
                }
                ObjectNode out = NODES.objectNode();
                out.put("uri", uri(did, request.getUrl().queryParameter("collection"),
                        request.getUrl().queryParameter("rkey")));
                out.put("cid", cid(value));
                out.set("value", JSON.valueToTree(value));
                return ok(out);
            }
            default:
                break;
        }
        String did = body.path("repo").asString();
        count(nsid, did);
        MockResponse refused = authorize(bearer, did);
        if (refused != null) {
            return refused;
        }
        TreeMap<String, Map<String, Object>> repo = repo(did);
        MockResponse answer;
        switch (nsid) {
            case "com.atproto.repo.putRecord":
                answer = putRecord(did, repo, body);
                break;
            case "com.atproto.repo.deleteRecord":
                repo.remove(body.path("rkey").asString());
                answer = ok(NODES.objectNode());
                break;
            case "com.atproto.repo.applyWrites":
                answer = applyWrites(did, repo, body);
                break;
            default:
                return error(501, "MethodNotImplemented", "not in this fake: " + nsid);
        }
        if (answer.getCode() == 200) {
            int n = writes.merge(did, 1, Integer::sum);
            if (expireAfter.containsKey(did) && expireAfter.get(did) == n) {
                accessTokens.forEach((token, owner) -> {
                    if (owner.equals(did)) {
                        expired.add(token);
                    }
                });
            }
        }
        return answer;
    }

    private MockResponse putRecord(String did, TreeMap<String, Map<String, Object>> repo, JsonNode body) {
        String rkey = body.path("rkey").asString();
        String collection = body.path("collection").asString();
        Map<String, Object> value = value(body.get("record"));
        Map<String, Object> current = repo.get(rkey);
        ObjectNode out = NODES.objectNode();
        out.put("uri", uri(did, collection, rkey));
        out.put("cid", cid(value));
        if (current != null && cid(current).equals(cid(value))) {
            return ok(out); // identical content: a no-op, without a commit
        }
        if (body.has("swapRecord")) {
            JsonNode swap = body.get("swapRecord");
            boolean matches = swap.isNull() ? current == null : current != null && cid(current).equals(swap.asString());
            if (!matches) {
                return error(400, "InvalidSwap", "Record was at " + (current == null ? "null" : cid(current)));
            }
        }
        repo.put(rkey, value);
        out.set("commit", NODES.objectNode().put("cid", cid(value)).put("rev", "3l2aaaaaaaa22"));
        out.put("validationStatus", "unknown");
        return ok(out);
    }

    private MockResponse applyWrites(String did, TreeMap<String, Map<String, Object>> repo, JsonNode body) {
        JsonNode writes = body.get("writes");
        if (writes.size() > 200) {
            return error(400, "InvalidRequest", "Too many writes. Max: 200");
        }
        TreeMap<String, Map<String, Object>> next = new TreeMap<>(repo);
        ArrayNode results = NODES.arrayNode();
        for (JsonNode w : writes) {
            String type = w.path("$type").asString();
            String rkey = w.path("rkey").asString();
            String collection = w.path("collection").asString();
            if (type.endsWith("#create") || type.endsWith("#update")) {
                boolean exists = next.containsKey(rkey);
                if (type.endsWith("#create") == exists) {
                    return error(500, "InternalServerError", "Internal Server Error");
                }
                Map<String, Object> value = value(w.get("value"));
                next.put(rkey, value);
                results.addObject().put("$type", type + "Result").put("uri", uri(did, collection, rkey))
                        .put("cid", cid(value)).put("validationStatus", "unknown");
            } else {
                if (next.remove(rkey) == null) {
                    return error(500, "InternalServerError", "Internal Server Error");
                }
                results.addObject().put("$type", "com.atproto.repo.applyWrites#deleteResult");
            }
        }
        repo.clear();
        repo.putAll(next);
        ObjectNode out = NODES.objectNode();
        out.set("commit", NODES.objectNode().put("cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")
                .put("rev", "3l2aaaaaaaa22"));
        out.set("results", results);
        return ok(out);
    }

    private MockResponse authorize(String bearer, String did) {
        if (bearer == null) {
            return error(401, "AuthMissing", "Authentication Required");
        }
        if (expired.contains(bearer)) {
            return error(400, "ExpiredToken", "Token has expired");
        }
        String owner = accessTokens.get(bearer);
        if (owner == null) {
            return error(400, "InvalidToken", "Token could not be verified");
        }
        if (!owner.equals(did)) {
            return error(401, "AuthRequired", "Authentication Required");
        }
        return null;
    }

    private MockResponse session(String did) {
        int n = ++tokens;
        String access = "access-" + n;
        String refresh = "refresh-" + n;
        accessTokens.put(access, did);
        refreshTokens.put(refresh, did);
        ObjectNode out = NODES.objectNode();
        out.put("did", did);
        out.put("handle", "someone.test");
        out.put("accessJwt", access);
        out.put("refreshJwt", refresh);
        return ok(out);
    }

    private TreeMap<String, Map<String, Object>> repo(String did) {
        TreeMap<String, Map<String, Object>> repo = repos.get(did);
        if (repo == null) {
            throw new IllegalStateException("no repo " + did);
        }
        return repo;
    }

    private void count(String nsid, String did) {
        calls.merge(nsid + " " + did, 1, Integer::sum);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> value(JsonNode node) {
        return JSON.treeToValue(node, Map.class);
    }

    private static String cid(Map<String, Object> value) {
        return DagCbor.cidOf(value).toString();
    }

    private static String uri(String did, String collection, String rkey) {
        return "at://" + did + "/" + collection + "/" + rkey;
    }

    private static String bearer(RecordedRequest request) {
        String h = request.getHeaders().get("Authorization");
        return h != null && h.startsWith("Bearer ") ? h.substring("Bearer ".length()) : null;
    }

    private static MockResponse ok(JsonNode body) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .body(JSON.writeValueAsString(body)).build();
    }

    private static MockResponse error(int code, String name, String message) {
        ObjectNode out = NODES.objectNode().put("error", name).put("message", message);
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(JSON.writeValueAsString(out)).build();
    }
}
