package computer.aesthetic.moodsync.pds.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * Which addresses a host learned from a DID document may be connected to: global unicast only, checked where the
 * connection is made, as {@code @atproto-labs/fetch-node}'s safe fetch does.
 *
 * <p>{@link #guard(OkHttpClient)} derives a client whose {@link Dns} checks every address it returns for every host
 * name (so the address checked is the address connected to: a rebinding answer cannot slip between a check and the
 * connection) and whose interceptor checks IP literals (OkHttp connects to those without asking the {@code Dns}).
 * Refused: local host names ({@code localhost}, single labels, {@code .localhost}, {@code .local}, {@code .internal},
 * {@code .home.arpa}, {@code .test}, {@code .invalid}, {@code .example}) and every address that is not global
 * unicast ({@link #isGlobalUnicast}). Stateless and thread-safe.
 */
public final class PublicAddresses {
    private static final List<String> LOCAL_SUFFIXES = List.of(".localhost", ".local", ".internal", ".home.arpa",
            ".test", ".invalid", ".example");

    private PublicAddresses() {
    }

    /** A host or address that must not be connected to. A {@link UnknownHostException}, so OkHttp reports it as is. */
    public static final class NonPublicAddressException extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message what was refused
         */
        public NonPublicAddressException(String message) {
            super(message);
        }
    }

    /**
     * Derives a client that connects only to global unicast addresses (see above). It shares the given client's
     * connection pool and dispatcher; its connections are never shared with the given client's (OkHttp pools them
     * per {@code Dns}).
     *
     * @param client the client to derive from
     * @return the guarded client
     */
    public static OkHttpClient guard(OkHttpClient client) {
        Dns delegate = client.dns();
        return client.newBuilder()
                .dns(hostname -> {
                    checkName(hostname);
                    List<InetAddress> all = delegate.lookup(hostname);
                    for (InetAddress a : all) {
                        if (!isGlobalUnicast(a)) {
                            throw new NonPublicAddressException("host " + hostname + " resolves to the non-public"
                                    + " address " + a.getHostAddress());
                        }
                    }
                    return all;
                })
                .addInterceptor(PublicAddresses::checkLiteral)
                .build();
    }

    private static Response checkLiteral(Interceptor.Chain chain) throws IOException {
        String host = chain.request().url().host();
        if (isLiteral(host)) {
            InetAddress a = InetAddress.getByName(host); // a literal: parsed, not looked up
            if (!isGlobalUnicast(a)) {
                throw new NonPublicAddressException("the non-public address " + a.getHostAddress());
            }
        }
        return chain.proceed(chain.request());
    }

    /**
     * Tells whether a URL host is an IP literal (as OkHttp decides it: it connects to those without its
     * {@code Dns}).
     *
     * @param host the host, IPv6 without brackets
     * @return true for an IPv4 or IPv6 literal
     */
    public static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || !host.isEmpty() && host.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
    }

    /**
     * Refuses host names used on local networks (a heuristic on top of the address check, as in
     * {@code @atproto-labs/fetch-node}).
     *
     * @param hostname the name
     * @throws NonPublicAddressException if it is a local name
     */
    public static void checkName(String hostname) throws NonPublicAddressException {
        String h = hostname.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        boolean local = h.equals("localhost") || h.indexOf('.') < 0;
        for (String suffix : LOCAL_SUFFIXES) {
            local |= h.endsWith(suffix) || h.equals(suffix.substring(1));
        }
        if (local && !isLiteral(h)) {
            throw new NonPublicAddressException("the local host name " + hostname);
        }
    }

    /**
     * Tells whether an address is global unicast: not in a block of the IANA IPv4 or IPv6 special-purpose address
     * registries that is not globally reachable, not multicast, and for IPv6 inside {@code 2000::/3}. An IPv4
     * address carried in an IPv6 one (IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96},
     * IPv4-translated {@code ::ffff:0:0:0/96}, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) is judged as
     * that IPv4 address; Teredo ({@code 2001::/32}) and the rest of {@code 2001::/23} are refused outright.
     *
     * @param a the address
     * @return true when it may be connected to on behalf of a DID document
     */
    public static boolean isGlobalUnicast(InetAddress a) {
        Objects.requireNonNull(a, "a");
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return isGlobalV4(b, 0);
        }
        if (zero(b, 0, 10)) {
            int w = u16(b, 10);
            if (w == 0xffff || w == 0) {
                return isGlobalV4(b, 12); // IPv4-mapped, IPv4-compatible (also :: and ::1, refused as 0.0.0.x)
            }
            return false;
        }
        if (zero(b, 0, 8) && u16(b, 8) == 0xffff && u16(b, 10) == 0) {
            return isGlobalV4(b, 12); // IPv4-translated
        }
        if (u16(b, 0) == 0x0064 && u16(b, 2) == 0xff9b) {
            return zero(b, 4, 12) && isGlobalV4(b, 12); // NAT64; 64:ff9b:1::/48 (local use) is refused
        }
        int first = u16(b, 0);
        if ((first & 0xe000) != 0x2000) {
            return false; // outside 2000::/3: unique local, link local, multicast, discard, reserved
        }
        if (first == 0x2002) {
            return isGlobalV4(b, 2); // 6to4
        }
        if (first == 0x2001 && (b[2] & 0xfe) == 0) {
            return false; // 2001::/23: Teredo, benchmarking, ORCHID and other protocol assignments
        }
        if (first == 0x2001 && u16(b, 2) == 0x0db8) {
            return false; // documentation
        }
        if (first == 0x3fff && (b[2] & 0xf0) == 0) {
            return false; // 3fff::/20, documentation
        }
        return first != 0x5f00; // SRv6 SIDs
    }

    private static boolean isGlobalV4(byte[] b, int at) {
        int x = b[at] & 0xff;
        int y = b[at + 1] & 0xff;
        int z = b[at + 2] & 0xff;
        return !(x == 0 // this network
                || x == 10 // private
                || x == 100 && y >= 64 && y < 128 // shared address space (CGNAT)
                || x == 127 // loopback
                || x == 169 && y == 254 // link local
                || x == 172 && y >= 16 && y < 32 // private
                || x == 192 && y == 0 && (z == 0 || z == 2) // IETF protocol assignments, TEST-NET-1
                || x == 192 && y == 88 && z == 99 // 6to4 relay anycast (deprecated)
                || x == 192 && y == 168 // private
                || x == 198 && (y == 18 || y == 19) // benchmarking
                || x == 198 && y == 51 && z == 100 // TEST-NET-2
                || x == 203 && y == 0 && z == 113 // TEST-NET-3
                || x >= 224); // multicast, reserved, broadcast
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }
}
