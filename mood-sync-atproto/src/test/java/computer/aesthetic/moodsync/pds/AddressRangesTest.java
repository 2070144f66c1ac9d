package computer.aesthetic.moodsync.pds;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 3: only global unicast addresses pass, also when an IPv4 address hides inside an IPv6 form
 * (mapped, compatible, translated, NAT64, 6to4), and nothing of the IANA special-purpose registries that is not
 * globally reachable. Literals only: nothing is resolved or connected to.
 */
class AddressRangesTest {
    private static InetAddress literal(String text) throws UnknownHostException {
        return InetAddress.getByName(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // IPv4 special-purpose registry (not globally reachable)
        "0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.255",
        "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.0.170", "192.0.2.1",
        "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        // IPv6
        "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "100::1", "2001:db8::1", "3fff::1",
        "5f00::1", "2001:2::1", "2001:10::1",
        // IPv4 inside IPv6
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "::10.1.2.3", "::ffff:0:7f00:1",
        "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b:1::8.8.8.8",
        "2002:7f00:1::1", "2002:a00:1::", "2002:c0a8:101::1", "2002:a9fe:a9fe::",
        // Teredo: refused outright (2001::/23 is not globally reachable)
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::8.8.8.8"
    })
    void nonGlobalAddressesAreRefused(String address) throws Exception {
        assertThat(IdentityResolver.isPrivate(literal(address))).as(address).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1", "192.0.3.1",
        "192.169.0.1", "198.17.255.255", "198.20.0.1", "223.255.255.255", "11.0.0.1",
        "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001::200e",
        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"
    })
    void globalUnicastAddressesPass(String address) throws Exception {
        assertThat(IdentityResolver.isPrivate(literal(address))).as(address).isFalse();
    }
}
