package io.portredirect.balancer.decide;

import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.packet.UdpView;
import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.portredirect.balancer.decide.Rule.DEFAULT;
import static io.portredirect.balancer.decide.Rule.FRAGMENT_POLICY;
import static io.portredirect.balancer.decide.Rule.ICMP_ECHO_POLICY;
import static io.portredirect.balancer.decide.Rule.ICMP_ERROR_POLICY;
import static io.portredirect.balancer.decide.Rule.ICMP_ERROR_REDIRECT_HASH;
import static io.portredirect.balancer.decide.Rule.ICMP_ERROR_SERVICE_PORT;
import static io.portredirect.balancer.decide.Rule.LEGACY_DEFAULT;
import static io.portredirect.balancer.decide.Rule.LEGACY_OWNER;
import static io.portredirect.balancer.decide.Rule.NONE;
import static io.portredirect.balancer.decide.Rule.REDIRECT_HASH;
import static io.portredirect.balancer.decide.Rule.SERVICE_PORT;
import static io.portredirect.balancer.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Katran/GLB-style verdict table: one line per case, a crafted packet through the real
 * {@link PacketProcessor#fromNetwork} and the expected server (or drop reason) and rule.
 * Expected "a|b|c" means "one of these" (rule 2 hashing; which one is pinned by the consistency
 * tests in {@link NegotiationConsistencyTest}). After each forward the rewrite is checked for the
 * server's mode.
 */
class VerdictTableTest {
    private static final String STD = VERDICT_YAML;
    private static final String NODEF = VERDICT_NO_DEFAULT_YAML;
    private static final String DEFPOL = VERDICT_DEFAULT_POLICIES_YAML;
    private static final String PERVIP = PER_VIP_YAML;
    private static final Map<String, ForwardingTables> TABLES = Map.of(STD, tables(STD), NODEF, tables(NODEF), DEFPOL, tables(DEFPOL),
            PERVIP, tables(PERVIP));
    private static final InetAddress ROUTER4 = ip("198.19.200.1");
    private static final InetAddress ROUTER6 = ip("2001:2:0:200::1");
    private static final int SYN = TcpView.SYN;

    record Case(String name, String config, Supplier<byte[]> frame, String expect, Rule rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, String config, Supplier<byte[]> frame, String expect, Rule rule) {
        return new Case(name, config, frame, expect, rule);
    }

    static Stream<Case> cases() {
        return Stream.of(
            // rule 1: service port, whatever the flags
            c("v4 tcp SYN to service port of a", STD, () -> tcp(CLIENT4, 40000, VIP4, 10001, SYN, null), "a", SERVICE_PORT),
            c("v4 tcp SYN+REDIRECT to service port still goes to a", STD, () -> syn(CLIENT4, 40000, VIP4, 10001), "a", SERVICE_PORT),
            c("v4 tcp to range 10002-10004/tcp", STD, () -> tcp(CLIENT4, 40000, VIP4, 10003, TcpView.ACK, null), "a", SERVICE_PORT),
            c("v4 udp to tcp-only service port falls to default", STD, () -> udp(CLIENT4, 40000, VIP4, 10003, null), "d", DEFAULT),
            c("v4 udp to 10011/udp of l3 b", STD, () -> udp(CLIENT4, 40000, VIP4, 10011, null), "b", SERVICE_PORT),
            c("v4 tcp to 10011 (udp-only) falls to default", STD, () -> tcp(CLIENT4, 40000, VIP4, 10011, SYN, null), "d", DEFAULT),
            c("v4 tcp to raw c", STD, () -> tcp(CLIENT4, 40000, VIP4, 10021, SYN, null), "c", SERVICE_PORT),
            c("v6 tcp to service port of a", STD, () -> tcp(CLIENT6, 40000, VIP6, 10001, SYN, null), "a", SERVICE_PORT),
            c("v6 udp to l3 b", STD, () -> udp(CLIENT6, 40000, VIP6, 10012, null), "b", SERVICE_PORT),
            c("v6 to IPv4-only l3 e", STD, () -> tcp(CLIENT6, 40000, VIP6, 10041, SYN, null), "DROP:L3_NO_ADDRESS", SERVICE_PORT),
            c("v4 to l3 b via the VIP it does not answer for", STD, () -> tcp(CLIENT4, 40000, VIP4_OTHER, 10012, SYN, null), "DROP:L3_VIP_MISMATCH", SERVICE_PORT),
            // rule 2: redirect port + REDIRECT
            c("v4 tcp SYN+REDIRECT to 8080", STD, () -> syn(CLIENT4, 40001, VIP4, 8080), "a|b|c", REDIRECT_HASH),
            c("v6 tcp SYN+REDIRECT to 8080", STD, () -> syn(CLIENT6, 40001, VIP6, 8080), "a|b|c", REDIRECT_HASH),
            c("v4 RST+REDIRECT closing the probe", STD, () -> tcp(CLIENT4, 40001, VIP4, 8080, TcpView.RST, RedirectExtension.redirect()), "a|b|c", REDIRECT_HASH),
            c("v4 udp REDIRECT to 5000/udp", STD, () -> udp(CLIENT4, 40002, VIP4, 5000, RedirectExtension.redirect()), "b|c", REDIRECT_HASH),
            c("v6 udp REDIRECT to 5000/udp", STD, () -> udp(CLIENT6, 40002, VIP6, 5000, RedirectExtension.redirect()), "b|c", REDIRECT_HASH),
            c("v4 tcp REDIRECT to 9090/tcp", STD, () -> syn(CLIENT4, 40003, VIP4, 9090), "a|b", REDIRECT_HASH),
            // rule 3: redirect port without REDIRECT
            c("v4 legacy SYN to 8080 goes to owner a", STD, () -> tcp(CLIENT4, 40000, VIP4, 8080, SYN, null), "a", LEGACY_OWNER),
            c("v6 legacy SYN to 8080 goes to owner a", STD, () -> tcp(CLIENT6, 40000, VIP6, 8080, SYN, null), "a", LEGACY_OWNER),
            c("v4 CONFIRM without REDIRECT is legacy", STD, () -> tcp(CLIENT4, 40000, VIP4, 8080, SYN, RedirectExtension.confirm(10001)), "a", LEGACY_OWNER),
            c("v4 legacy to 9090 (no owner) goes to default", STD, () -> tcp(CLIENT4, 40000, VIP4, 9090, SYN, null), "d", LEGACY_DEFAULT),
            c("v4 legacy to 9090, no default: drop", NODEF, () -> tcp(CLIENT4, 40000, VIP4, 9090, SYN, null), "DROP:LEGACY_NO_SERVER", LEGACY_DEFAULT),
            c("v4 legacy udp to 5000 (no owner) goes to default", STD, () -> udp(CLIENT4, 40000, VIP4, 5000, null), "d", LEGACY_DEFAULT),
            c("v4 udp to 9090 (tcp-only redirect) is rule 7", STD, () -> udp(CLIENT4, 40000, VIP4, 9090, RedirectExtension.redirect()), "d", DEFAULT),
            // malformed redirect options: counted, treated as absent
            c("v4 tcp REDIRECT option with port 0", STD, () -> tcpOptionZeroPort(), "a", LEGACY_OWNER),
            c("v4 tcp REDIRECT option of length 6", STD, () -> tcpOptionBadLength(), "a", LEGACY_OWNER),
            c("v4 udp REDIRECT with bad option checksum", STD, () -> udpBadOcs(CLIENT4, VIP4), "d", LEGACY_DEFAULT),
            c("v6 udp REDIRECT with bad option checksum", STD, () -> udpBadOcs(CLIENT6, VIP6), "d", LEGACY_DEFAULT),
            // rule 4: ICMP errors follow the quoted packet
            c("v4 unreachable quoting tcp from 10001", STD, () -> icmpError(ROUTER4, VIP4, 3, 4, serverPacket(VIP4, 10001, CLIENT4, 40000, true, -1)), "a", ICMP_ERROR_SERVICE_PORT),
            c("v4 time exceeded quoting IP+8 of udp from 10011", STD, () -> icmpError(ROUTER4, VIP4, 11, 0, serverPacket(VIP4, 10011, CLIENT4, 40000, false, 28)), "b", ICMP_ERROR_SERVICE_PORT),
            c("v4 parameter problem quoting IP+8 of tcp from raw c", STD, () -> icmpError(ROUTER4, VIP4, 12, 0, serverPacket(VIP4, 10021, CLIENT4, 40000, true, 28)), "c", ICMP_ERROR_SERVICE_PORT),
            c("v4 source quench, dropped by default", STD, () -> icmpError(ROUTER4, VIP4, 4, 0, serverPacket(VIP4, 10003, CLIENT4, 40000, true, 28)), "DROP:ICMP_SOURCE_QUENCH", ICMP_ERROR_POLICY),
            c("v4 redirect, dropped by default", STD, () -> icmpError(ROUTER4, VIP4, 5, 1, serverPacket(VIP4, 10001, CLIENT4, 40000, true, 28)), "DROP:ICMP_REDIRECT", ICMP_ERROR_POLICY),
            c("v4 redirect with a truncated quote, dropped by default", STD, () -> icmpError(ROUTER4, VIP4, 5, 0, new byte[0]), "DROP:ICMP_REDIRECT", ICMP_ERROR_POLICY),
            c("v4 source quench quoting tcp from 10003, policy route", DEFPOL, () -> icmpError(ROUTER4, VIP4, 4, 0, serverPacket(VIP4, 10003, CLIENT4, 40000, true, 28)), "a", ICMP_ERROR_SERVICE_PORT),
            c("v4 redirect quoting tcp from 10001, policy route", DEFPOL, () -> icmpError(ROUTER4, VIP4, 5, 1, serverPacket(VIP4, 10001, CLIENT4, 40000, true, 28)), "a", ICMP_ERROR_SERVICE_PORT),
            c("v4 redirect quoting an unknown port, policy route then icmp-error", DEFPOL, () -> icmpError(ROUTER4, VIP4, 5, 1, serverPacket(VIP4, 7777, CLIENT4, 40000, true, 28)), "d", ICMP_ERROR_POLICY),
            c("v6 redirect (type 137) is not an error: rule 7", STD, () -> echo(CLIENT6, VIP6, 137), "d", DEFAULT),
            c("v4 unreachable quoting redirect port 8080", STD, () -> icmpError(ROUTER4, VIP4, 3, 1, serverPacket(VIP4, 8080, CLIENT4, 40001, true, -1)), "a|b|c", ICMP_ERROR_REDIRECT_HASH),
            c("v4 quote cut after 2 transport bytes", STD, () -> icmpError(ROUTER4, VIP4, 3, 3, serverPacket(VIP4, 10001, CLIENT4, 40000, true, 22)), "DROP:ICMP_QUOTE_TRUNCATED", ICMP_ERROR_POLICY),
            c("v4 quote shorter than an IP header", STD, () -> icmpError(ROUTER4, VIP4, 3, 3, serverPacket(VIP4, 10001, CLIENT4, 40000, true, 10)), "DROP:ICMP_QUOTE_TRUNCATED", ICMP_ERROR_POLICY),
            c("v4 empty quote", STD, () -> icmpError(ROUTER4, VIP4, 11, 0, new byte[0]), "DROP:ICMP_QUOTE_TRUNCATED", ICMP_ERROR_POLICY),
            c("v4 truncated quote, policy default", DEFPOL, () -> icmpError(ROUTER4, VIP4, 3, 3, serverPacket(VIP4, 10001, CLIENT4, 40000, true, 22)), "d", ICMP_ERROR_POLICY),
            c("v4 quote from an unknown port", STD, () -> icmpError(ROUTER4, VIP4, 3, 3, serverPacket(VIP4, 7777, CLIENT4, 40000, false, -1)), "DROP:ICMP_QUOTE_UNKNOWN_PORT", ICMP_ERROR_POLICY),
            c("v4 quote not sent from a VIP", STD, () -> icmpError(ROUTER4, VIP4, 3, 3, serverPacket(ip("198.18.9.9"), 10001, CLIENT4, 40000, false, -1)), "DROP:ICMP_QUOTE_NOT_OURS", ICMP_ERROR_POLICY),
            c("v4 quote not from a VIP, policy default", DEFPOL, () -> icmpError(ROUTER4, VIP4, 3, 3, serverPacket(ip("198.18.9.9"), 10001, CLIENT4, 40000, false, -1)), "d", ICMP_ERROR_POLICY),
            c("v6 unreachable quoting tcp from l3 b", STD, () -> icmpError(ROUTER6, VIP6, 1, 4, serverPacket(VIP6, 10012, CLIENT6, 40000, true, -1)), "b", ICMP_ERROR_SERVICE_PORT),
            c("v6 packet too big quoting tcp from 10001", STD, () -> icmpError(ROUTER6, VIP6, 2, 0, serverPacket(VIP6, 10001, CLIENT6, 40000, true, -1)), "a", ICMP_ERROR_SERVICE_PORT),
            c("v6 time exceeded quoting udp redirect 5000", STD, () -> icmpError(ROUTER6, VIP6, 3, 0, serverPacket(VIP6, 5000, CLIENT6, 40002, false, -1)), "b|c", ICMP_ERROR_REDIRECT_HASH),
            c("v6 parameter problem with quote cut in the ports", STD, () -> icmpError(ROUTER6, VIP6, 4, 0, serverPacket(VIP6, 10001, CLIENT6, 40000, true, 42)), "DROP:ICMP_QUOTE_TRUNCATED", ICMP_ERROR_POLICY),
            c("v6 quote shorter than an IPv6 header", DEFPOL, () -> icmpError(ROUTER6, VIP6, 1, 0, serverPacket(VIP6, 10001, CLIENT6, 40000, true, 30)), "d", ICMP_ERROR_POLICY),
            // rule 5: echo
            c("v4 echo request, balance", STD, () -> echo(CLIENT4, VIP4, 8), "a|b|c|d|e", ICMP_ECHO_POLICY),
            c("v6 echo request, balance", STD, () -> echo(CLIENT6, VIP6, 128), "a|b|c|d", ICMP_ECHO_POLICY),
            c("v4 echo reply, balance", STD, () -> echo(CLIENT4, VIP4, 0), "a|b|c|d|e", ICMP_ECHO_POLICY),
            c("v4 echo, policy drop", NODEF, () -> echo(CLIENT4, VIP4, 8), "DROP:ICMP_ECHO_POLICY", ICMP_ECHO_POLICY),
            c("v6 echo, policy server:c", DEFPOL, () -> echo(CLIENT6, VIP6, 128), "c", ICMP_ECHO_POLICY),
            // rule 6: fragments
            c("v4 non-first fragment, policy drop", STD, () -> ipv4NonFirstFragment(udp(CLIENT4, 40000, VIP4, 10011, null)), "DROP:FRAGMENT_POLICY", FRAGMENT_POLICY),
            c("v4 non-first fragment, policy default", DEFPOL, () -> ipv4NonFirstFragment(udp(CLIENT4, 40000, VIP4, 10011, null)), "d", FRAGMENT_POLICY),
            c("v4 first fragment has ports", STD, () -> ipv4FirstFragment(udp(CLIENT4, 40000, VIP4, 10011, null)), "b", SERVICE_PORT),
            c("v6 non-first fragment, policy drop", STD, () -> ipv6Fragment(udp(CLIENT6, 40000, VIP6, 10001, null), 1232, false), "DROP:FRAGMENT_POLICY", FRAGMENT_POLICY),
            c("v6 first fragment has ports", STD, () -> ipv6Fragment(udp(CLIENT6, 40000, VIP6, 10001, null), 0, true), "a", SERVICE_PORT),
            // rule 7
            c("v4 tcp to an unconfigured port", STD, () -> tcp(CLIENT4, 40000, VIP4, 7777, SYN, null), "d", DEFAULT),
            c("v4 tcp to an unconfigured port, no default", NODEF, () -> tcp(CLIENT4, 40000, VIP4, 7777, SYN, null), "DROP:NO_RULE", DEFAULT),
            c("v4 GRE to the VIP", STD, () -> ipv4Protocol(CLIENT4, VIP4, 47), "d", DEFAULT),
            c("v6 neighbor solicitation to the VIP", STD, () -> echo(CLIENT6, VIP6, 135), "d", DEFAULT),
            // per-VIP ports: the same port on two VIPs, two owners
            c("v4 tcp to 10001 via 198.18.0.10 is a's", PERVIP, () -> tcp(CLIENT4, 40000, VIP4, 10001, SYN, null), "a", SERVICE_PORT),
            c("v4 tcp to 10001 via 198.18.0.20 is x's", PERVIP, () -> tcp(CLIENT4, 40000, VIP4_API, 10001, SYN, null), "x", SERVICE_PORT),
            c("v6 tcp to 10001 via 2001:2::10 is a's", PERVIP, () -> tcp(CLIENT6, 40000, VIP6, 10001, SYN, null), "a", SERVICE_PORT),
            c("v4 udp to 10002 via 198.18.0.20 is x's", PERVIP, () -> udp(CLIENT4, 40000, VIP4_API, 10002, null), "x", SERVICE_PORT),
            c("v4 udp to 10002 via 198.18.0.10 is on no VIP there", PERVIP, () -> udp(CLIENT4, 40000, VIP4, 10002, null), "d", DEFAULT),
            c("v4 tcp to a service port of every VIP", PERVIP, () -> tcp(CLIENT4, 40000, VIP4_API, 10031, SYN, null), "d", SERVICE_PORT),
            c("v4 SYN+REDIRECT to 8080 via 198.18.0.10 hashes onto a's group", PERVIP, () -> syn(CLIENT4, 40001, VIP4, 8080), "a", REDIRECT_HASH),
            c("v4 SYN+REDIRECT to 8080 via 198.18.0.20 hashes onto x's group", PERVIP, () -> syn(CLIENT4, 40001, VIP4_API, 8080), "x", REDIRECT_HASH),
            c("v6 SYN+REDIRECT to 8080 via 2001:2::10", PERVIP, () -> syn(CLIENT6, 40001, VIP6, 8080), "a", REDIRECT_HASH),
            c("v4 legacy SYN to 8080 via 198.18.0.20 goes to owner x", PERVIP, () -> tcp(CLIENT4, 40000, VIP4_API, 8080, SYN, null), "x", LEGACY_OWNER),
            c("v4 legacy SYN to 8080 via 198.18.0.10 goes to owner a", PERVIP, () -> tcp(CLIENT4, 40000, VIP4, 8080, SYN, null), "a", LEGACY_OWNER),
            c("v4 tcp to l3 y's 10005 via 198.18.0.20", PERVIP, () -> tcp(CLIENT4, 40000, VIP4_API, 10005, SYN, null), "y", SERVICE_PORT),
            c("v4 tcp to 10005 via 198.18.0.10 is no port there", PERVIP, () -> tcp(CLIENT4, 40000, VIP4, 10005, SYN, null), "d", DEFAULT),
            c("v4 redirect port 10002/tcp via 198.18.0.10", PERVIP, () -> syn(CLIENT4, 40001, VIP4, 10002), "a|d", REDIRECT_HASH),
            c("v4 10002/tcp via 198.18.0.20 is no port there", PERVIP, () -> syn(CLIENT4, 40001, VIP4_API, 10002), "d", DEFAULT),
            c("v4 ICMP error quoting 198.18.0.20:10001 goes to x", PERVIP,
                    () -> icmpError(ROUTER4, VIP4_API, 3, 4, serverPacket(VIP4_API, 10001, CLIENT4, 40000, true, -1)), "x", ICMP_ERROR_SERVICE_PORT),
            c("v4 ICMP error quoting 198.18.0.10:10001 goes to a", PERVIP,
                    () -> icmpError(ROUTER4, VIP4_API, 3, 4, serverPacket(VIP4, 10001, CLIENT4, 40000, true, -1)), "a", ICMP_ERROR_SERVICE_PORT),
            c("v4 ICMP error quoting 198.18.0.20:8080 hashes onto x's group", PERVIP,
                    () -> icmpError(ROUTER4, VIP4_API, 3, 1, serverPacket(VIP4_API, 8080, CLIENT4, 40001, true, -1)), "x", ICMP_ERROR_REDIRECT_HASH),
            c("v4 ICMP error quoting 198.18.0.20:10002/tcp, a port of no one there", PERVIP,
                    () -> icmpError(ROUTER4, VIP4_API, 3, 1, serverPacket(VIP4_API, 10002, CLIENT4, 40001, true, -1)), "DROP:ICMP_QUOTE_UNKNOWN_PORT", ICMP_ERROR_POLICY),
            // before any rule
            c("v4 SYN to service port, sent to another host's MAC", STD, () -> toMac(tcp(CLIENT4, 40000, VIP4, 10001, SYN, null), "02:00:00:00:99:99"), "DROP:NOT_OUR_MAC", NONE),
            c("v6 SYN to service port, sent to another host's MAC", STD, () -> toMac(tcp(CLIENT6, 40000, VIP6, 10001, SYN, null), "02:00:00:00:99:99"), "DROP:NOT_OUR_MAC", NONE),
            c("v4 SYN to a VIP in a broadcast frame", STD, () -> toMac(tcp(CLIENT4, 40000, VIP4, 10001, SYN, null), "ff:ff:ff:ff:ff:ff"), "DROP:NOT_OUR_MAC", NONE),
            c("v6 SYN to a VIP in a multicast frame", STD, () -> toMac(tcp(CLIENT6, 40000, VIP6, 10001, SYN, null), "33:33:00:00:00:01"), "DROP:NOT_OUR_MAC", NONE),
            c("v4 multicast frame to a non-VIP group", STD, () -> toMac(udp(CLIENT4, 40000, ip("224.0.0.251"), 5353, null), "01:00:5e:00:00:fb"), "DROP:NOT_VIP", NONE),
            c("v4 SYN to service port in an 802.1Q frame", STD, () -> tagged(tcp(CLIENT4, 40000, VIP4, 10001, SYN, null), 0x8100, 10), "DROP:VLAN_TAGGED", NONE),
            c("v6 SYN to service port in an 802.1ad frame", STD, () -> tagged(tagged(tcp(CLIENT6, 40000, VIP6, 10001, SYN, null), 0x8100, 10), 0x88A8, 20), "DROP:VLAN_TAGGED", NONE),
            c("ARP in an 802.1Q frame", STD, () -> tagged(arp(), 0x8100, 10), "DROP:VLAN_TAGGED", NONE),
            c("ARP", STD, () -> arp(), "DROP:NOT_IP", NONE),
            c("frame cut inside the IP header", STD, () -> Arrays.copyOf(tcp(CLIENT4, 40000, VIP4, 10001, SYN, null), 30), "DROP:MALFORMED", NONE),
            c("v4 to an address that is not a VIP", STD, () -> tcp(CLIENT4, 40000, ip("198.18.0.99"), 10001, SYN, null), "DROP:NOT_VIP", NONE),
            c("v6 to an address that is not a VIP", STD, () -> tcp(CLIENT6, 40000, ip("2001:2::99"), 10001, SYN, null), "DROP:NOT_VIP", NONE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verdict(Case c) {
        ForwardingTables t = TABLES.get(c.config);
        BalancerCounters counters = new BalancerCounters();
        PacketProcessor p = new PacketProcessor(() -> t, counters);
        byte[] original = c.frame.get();
        byte[] frame = original.clone();
        int r = p.fromNetwork(frame, 0, frame.length);
        assertEquals(c.rule, Rule.of(p.lastRule()), "rule");
        if (c.expect.startsWith("DROP:")) {
            DropReason why = DropReason.valueOf(c.expect.substring(5));
            assertEquals(PacketProcessor.DROP, r, () -> "expected drop " + why + ", got " + (r >= 0 ? t.serverName(r) : r));
            assertEquals(why, DropReason.of(p.lastDropReason()));
            assertEquals(1, counters.drops(why));
            assertEquals(1, counters.totalDrops());
            return;
        }
        assertTrue(r >= 0, () -> "expected " + c.expect + ", got drop " + DropReason.of(p.lastDropReason()));
        assertTrue(List.of(c.expect.split("\\|")).contains(t.serverName(r)), "got " + t.serverName(r) + ", expected " + c.expect);
        assertEquals(1, counters.serverPackets(t.serverName(r)));
        assertEquals(0, counters.totalDrops());
        checkRewrite(t, r, original, frame);
    }

    /** The frame as rewritten for the chosen server's mode. */
    static void checkRewrite(ForwardingTables t, int s, byte[] original, byte[] frame) {
        ForwardingMode mode = t.serverMode(s);
        if (mode == ForwardingMode.RAW) {
            assertArrayEquals(original, frame, "raw leaves the frame unchanged");
            return;
        }
        assertArrayEquals(t.serverMac(s), Arrays.copyOfRange(frame, 0, 6), "destination MAC");
        assertArrayEquals(t.serverSideMac(s), Arrays.copyOfRange(frame, 6, 12), "source MAC");
        ParsedPacket before = parse(original);
        ParsedPacket after = parse(frame);
        if (mode == ForwardingMode.L2) {
            assertArrayEquals(Arrays.copyOfRange(original, 12, original.length), Arrays.copyOfRange(frame, 12, frame.length), "l2 changes MACs only");
            return;
        }
        byte[] addr = new byte[16];
        int len = t.copyServerAddress(s, after.ipVersion(), addr, 0);
        assertArrayEquals(Arrays.copyOf(addr, len), Arrays.copyOfRange(frame, after.dstAddrOffset(), after.dstAddrOffset() + len), "l3 destination");
        assertEquals(TransportChecksum.verifyIpHeader(before), TransportChecksum.verifyIpHeader(after), "IP header checksum");
        assertEquals(TransportChecksum.verify(before), TransportChecksum.verify(after), "transport checksum");
    }

    /** The frame with another destination MAC. */
    static byte[] toMac(byte[] frame, String mac) {
        System.arraycopy(Bytes.fromHex(mac), 0, frame, 0, 6);
        return frame;
    }

    static byte[] echo(InetAddress client, InetAddress vip, int type) {
        return fromClient(client, 0, vip, 0).icmp(type, 0, 0x12340001).payload(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}).build().encode();
    }

    static byte[] tcpOptionZeroPort() {
        byte[] f = tcp(CLIENT4, 40000, VIP4, 8080, SYN, RedirectExtension.redirectTo(1234));
        ParsedPacket p = parse(f);
        int o = p.redirect().optionOffset();
        Bytes.put16(f, o + RedirectWire.PORT_OFFSET, 0);
        TransportChecksum.compute(parse(f));
        assertEquals(MalformedReason.REDIRECT_ZERO_PORT, parse(f).redirect().reason());
        return f;
    }

    static byte[] tcpOptionBadLength() {
        // port 0x0401: after shortening the option to 6 bytes its last byte reads as a NOP
        byte[] f = tcp(CLIENT4, 40000, VIP4, 8080, SYN, RedirectExtension.redirectTo(0x0401));
        int o = parse(f).redirect().optionOffset();
        f[o + RedirectWire.LENGTH_OFFSET] = 6;
        TransportChecksum.compute(parse(f));
        assertEquals(MalformedReason.REDIRECT_BAD_LENGTH, parse(f).redirect().reason());
        return f;
    }

    static byte[] udpBadOcs(InetAddress client, InetAddress vip) {
        byte[] f = udp(client, 40000, vip, 5000, RedirectExtension.redirect());
        ParsedPacket p = parse(f);
        int ocs = io.portredirect.protocol.wire.UdpOptionArea.ocsOffset(p.l4Offset(), Bytes.u16(f, p.l4Offset() + UdpView.LENGTH_OFFSET));
        f[ocs] ^= 0x5A;
        assertEquals(MalformedReason.UDP_BAD_OCS, parse(f).redirect().reason());
        return f;
    }
}
