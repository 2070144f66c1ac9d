package computer.aesthetic.moodsync.pds.internal;

import java.util.Objects;
import okhttp3.Headers;
import tools.jackson.databind.JsonNode;

/**
 * A successful XRPC answer.
 *
 * @param status the HTTP status (2xx)
 * @param headers the response headers
 * @param body the JSON body (an object node; empty object for an empty body)
 */
public record XrpcResponse(int status, Headers headers, JsonNode body) {
    /** Validates presence. */
    public XrpcResponse {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }
}
