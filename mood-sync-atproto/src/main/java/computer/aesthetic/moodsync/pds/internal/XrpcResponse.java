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
 * @param redactor removes the secrets the call sent from text derived from this answer (use it for every message
 *     or log line that quotes the answer)
 */
public record XrpcResponse(int status, Headers headers, JsonNode body, Redactor redactor) {
    /** Validates presence. */
    public XrpcResponse {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(redactor, "redactor");
    }

    /**
     * Creates an answer of a call that sent no secrets.
     *
     * @param status the HTTP status
     * @param headers the headers
     * @param body the JSON body
     */
    public XrpcResponse(int status, Headers headers, JsonNode body) {
        this(status, headers, body, Redactor.NONE);
    }

    /**
     * Removes the call's secrets and anything that looks like a token from text derived from this answer.
     *
     * @param text the text
     * @return the scrubbed, shortened text
     */
    public String redact(String text) {
        return redactor.redact(text);
    }
}
