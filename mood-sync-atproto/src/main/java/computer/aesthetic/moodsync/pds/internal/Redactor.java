package computer.aesthetic.moodsync.pds.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes the secrets one call sent (its {@code Authorization} value: a bearer token, or HTTP Basic credentials and
 * the password inside; and secrets of its body, such as a login password) from text derived from that call's answer,
 * then anything that looks like a token or credential, and shortens the text. Immutable and thread-safe;
 * {@link #toString()} shows no secret.
 */
public final class Redactor {
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.?[A-Za-z0-9_-]*");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer|basic)\\s+[A-Za-z0-9._~+/=-]+");
    private static final Pattern USERINFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/?#@\\s]*@");
    private static final int MAX_MESSAGE = 300;

    /** Knows no call's secrets: removes only what looks like a token. */
    public static final Redactor NONE = new Redactor(List.of());

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    /**
     * Creates the redactor of one call.
     *
     * @param authorization the call's {@code Authorization} value, or null
     * @param bodySecrets secrets the call's body holds (may be empty)
     * @return the redactor
     */
    public static Redactor of(String authorization, Collection<String> bodySecrets) {
        List<String> all = new ArrayList<>();
        if (authorization != null) {
            int space = authorization.indexOf(' ');
            String value = space < 0 ? authorization : authorization.substring(space + 1).trim();
            add(all, value);
            if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
                    add(all, decoded);
                    add(all, decoded.substring(decoded.indexOf(':') + 1));
                } catch (IllegalArgumentException e) {
                    // not Base64: the value itself is removed
                }
            }
        }
        for (String s : bodySecrets) {
            add(all, s);
        }
        if (all.isEmpty()) {
            return NONE;
        }
        all.sort((a, b) -> Integer.compare(b.length(), a.length())); // longest first: no partial leftovers
        return new Redactor(List.copyOf(all));
    }

    private static void add(List<String> all, String secret) {
        if (secret == null || secret.isEmpty()) {
            return;
        }
        all.add(secret);
        String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        if (!encoded.equals(secret)) {
            all.add(encoded);
            all.add(encoded.replace("+", "%20"));
        }
    }

    /**
     * Removes the call's secrets and anything that looks like a token or credential (JWTs, {@code Bearer} and
     * {@code Basic} values, user information in URLs), and shortens the text to a few hundred characters.
     *
     * @param text the text (an answer's message, a field of an answer, an exception's message)
     * @return the text with {@code ***} in place of secrets
     */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String s = text;
        for (String secret : secrets) {
            s = s.replace(secret, "***");
        }
        s = JWT.matcher(s).replaceAll("***");
        s = BEARER.matcher(s).replaceAll("$1 ***");
        s = USERINFO.matcher(s).replaceAll("$1***@");
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "..." : s;
    }

    @Override
    public String toString() {
        return "Redactor[secrets=***]";
    }
}
