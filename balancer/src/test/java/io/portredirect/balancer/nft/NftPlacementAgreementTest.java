package io.portredirect.balancer.nft;

import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.decide.Rule;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.balancer.table.JHash;
import io.portredirect.balancer.testing.Fixtures;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java decision and the rendered nft ruleset put every redirect flow on the same server. For
 * random flows (both families, TCP and UDP, random clients, ports and VIPs), built as real frames,
 * {@link PacketProcessor} decides; the nft side is read from the ruleset text the kernel would
 * load, not from the Java tables: the port's chain, its {@code jhash} expression (fields, {@code
 * mod}, {@code seed}) evaluated on the frame's bytes, and the {@code maglev_gN} map element at the
 * resulting key. Each flow is checked twice: the REDIRECT packet itself (rule 2; UDP redirect
 * ports are Java-only in nft, so for them only the next check speaks for the kernel) and an ICMP
 * error quoting the server's answer (rule 4, the quote turned around).
 *
 * <p>The evaluator pads each field to whole 32-bit registers, the rule {@code JHashTest} pins
 * against the kernel; it reads the fields from the frame itself, independently of
 * {@code NftFlowKey}, which the Java side uses.
 */
class NftPlacementAgreementTest {
    private static final int FLOWS = 2500;
    private static final InetAddress ROUTER4 = Fixtures.ip("198.19.200.1");
    private static final InetAddress ROUTER6 = Fixtures.ip("2001:2:0:200::1");

    @Test
    void verdictFixtureAgreesForRandomFlows() throws Exception {
        ForwardingTables t = ForwardingTables.build(ConfigLoader.parse(Fixtures.VERDICT_YAML, "verdict.yaml"), InterfaceMacs.placeholder());
        agree(t, List.of(Fixtures.VIP4, Fixtures.VIP4_OTHER), List.of(Fixtures.VIP6), 10);
    }

    @Test
    void labConfigAgreesForRandomFlows() throws Exception {
        ForwardingTables t = NftRulesetTest.labTables();
        agree(t, List.of(Fixtures.ip("198.18.0.10")), List.of(Fixtures.ip("2001:2::10")), 80);
    }

    private static void agree(ForwardingTables t, List<InetAddress> vips4, List<InetAddress> vips6, long seed) throws Exception {
        Ruleset nft = new Ruleset(NftRuleset.render(t, 1));
        PacketProcessor p = new PacketProcessor(() -> t, new BalancerCounters());
        List<int[]> ports = new ArrayList<>(); // {protocol, port} of every redirect port
        for (int slot = 0; slot < t.redirectSlotCount(); slot++) {
            ports.add(new int[] {t.redirectSlotProtocol(slot), t.redirectSlotPort(slot)});
        }
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Integer> spread = new TreeMap<>();
        int udpDirect = 0;
        for (int i = 0; i < FLOWS; i++) {
            boolean v6 = r.nextBoolean();
            byte[] addr = new byte[v6 ? 16 : 4];
            r.nextBytes(addr);
            InetAddress client = InetAddress.getByAddress(addr);
            List<InetAddress> vips = v6 ? vips6 : vips4;
            InetAddress vip = vips.get(r.nextInt(vips.size()));
            int[] pp = ports.get(r.nextInt(ports.size()));
            boolean tcp = pp[0] == IpProtocol.TCP;
            int port = pp[1];
            int cport = 1 + r.nextInt(65535);
            String flow = client.getHostAddress() + ":" + cport + " > " + vip.getHostAddress() + ":" + port + (tcp ? "/tcp" : "/udp");

            byte[] direct = tcp ? Fixtures.syn(client, cport, vip, port) : Fixtures.udp(client, cport, vip, port, RedirectExtension.redirect());
            int slot = t.redirectSlot(t.vipIndex(vip.getAddress(), 0, vip.getAddress().length), pp[0], port);
            String javaDirect = decide(t, p, direct, slot, Rule.REDIRECT_HASH, flow);
            if (tcp) {
                assertEquals(nft.server(direct), javaDirect, flow);
            } else {
                assertEquals("java_udp_redirect", nft.redirectTarget(vip, "udp", port), flow);
                udpDirect++;
            }
            byte[] error = Fixtures.icmpError(v6 ? ROUTER6 : ROUTER4, vip, v6 ? 1 : 3, v6 ? 4 : 3,
                    Fixtures.serverPacket(vip, port, client, cport, tcp, -1));
            String javaError = decide(t, p, error, slot, Rule.ICMP_ERROR_REDIRECT_HASH, flow + " (ICMP error)");
            assertEquals(nft.server(error), javaError, flow + " (ICMP error)");
            assertEquals(javaDirect, javaError, flow);
            spread.merge(javaDirect, 1, Integer::sum);
        }
        System.out.printf("nft agreement: %d flows (%d UDP checked by their ICMP error only), Java and nft agree; servers %s%n",
                FLOWS, udpDirect, spread);
        assertTrue(spread.size() >= 2, "flows spread over the groups: " + spread);
    }

    /**
     * The server Java picks. A pick of an l3 server for a VIP it does not answer for is dropped
     * after the decision (L3_VIP_MISMATCH); nft's {@code srv_} chain drops it just the same, so the
     * pick still counts: it can only be the group's one l3 server bound to another VIP.
     */
    private static String decide(ForwardingTables t, PacketProcessor p, byte[] frame, int slot, Rule rule, String flow) {
        byte[] copy = frame.clone(); // the processor rewrites in place; nft reads the original
        int s = p.fromNetwork(copy, 0, copy.length);
        assertEquals(rule, Rule.of(p.lastRule()), flow);
        if (s >= 0) {
            return t.serverName(s);
        }
        assertEquals(DropReason.L3_VIP_MISMATCH, DropReason.of(p.lastDropReason()), flow);
        List<String> boundElsewhere = new ArrayList<>();
        ParsedPacket pk = Fixtures.parse(frame);
        int vip = t.vipIndex(frame, pk.dstAddrOffset(), pk.addrLength());
        for (int i = 0; i < t.serverCount(); i++) {
            int rv = t.returnVip(i, pk.ipVersion());
            if (t.inRedirectGroup(slot, i) && t.mode(i) == ForwardingMode.L3 && rv >= 0 && rv != vip) {
                boundElsewhere.add(t.serverName(i));
            }
        }
        assertEquals(1, boundElsewhere.size(), "the group has one l3 server bound to another VIP: " + boundElsewhere);
        return boundElsewhere.get(0);
    }

    /** Just enough of the rendered ruleset to follow a redirect flow from the port to its server. */
    private static final class Ruleset {
        private static final Pattern JHASH = Pattern.compile(" jhash (.+?) mod (\\d+) seed (0x[0-9a-f]+) vmap @(maglev_g\\d+)$");
        private final String text;
        private final Map<String, String[]> maps = new HashMap<>();

        Ruleset(String text) {
            this.text = text;
        }

        /** Where {@code ports_v4/_v6} sends {@code vip . proto . port}. */
        String redirectTarget(InetAddress vip, String proto, int port) {
            String map = "map ports_v" + (vip.getAddress().length == 4 ? 4 : 6);
            Matcher m = Pattern.compile("\\t\\t\\t" + Pattern.quote(io.portredirect.balancer.config.Addresses.format(vip)) + " \\. "
                    + proto + " \\. " + port + " : goto (\\w+)").matcher(block(map));
            assertTrue(m.find(), vip + " " + proto + "/" + port + " in " + map);
            return m.group(1);
        }

        /** The server nft sends a REDIRECT packet (TCP) or an ICMP error quoting a redirect-port flow to. */
        String server(byte[] frame) {
            ParsedPacket p = Fixtures.parse(frame);
            String family = p.ipVersion() == 4 ? "ip" : "ip6";
            String chain;
            if (p.isIcmp()) {
                int th = p.l4Offset();
                // the layout icmp_error hands to the quote maps: IPv4 without options, IPv6 straight to TCP/UDP
                if (p.ipVersion() == 4) {
                    assertEquals(0x45, frame[th + 8] & 0xFF, "quote layout");
                } else {
                    assertEquals(6, (frame[th + 8] & 0xFF) >>> 4, "quote layout");
                }
                int qproto = frame[th + (p.ipVersion() == 4 ? 17 : 14)] & 0xFF;
                int qsport = (frame[th + (p.ipVersion() == 4 ? 28 : 48)] & 0xFF) << 8 | frame[th + (p.ipVersion() == 4 ? 29 : 49)] & 0xFF;
                // keyed by the quote's source (the VIP) . protocol . source port, the VIP as raw hex
                int qsrc = th + (p.ipVersion() == 4 ? 20 : 16);
                String vipHex = "0x" + java.util.HexFormat.of().formatHex(frame, qsrc, qsrc + (p.ipVersion() == 4 ? 4 : 16));
                String map = "map quote_redirect_ports_v" + p.ipVersion();
                Matcher m = Pattern.compile("\\t\\t\\t" + vipHex + " \\. " + qproto + " \\. " + qsport + " : goto (\\w+)").matcher(block(map));
                assertTrue(m.find(), vipHex + " . " + qproto + " . " + qsport + " in " + map);
                chain = m.group(1);
            } else {
                InetAddress dst = p.ipVersion() == 4 ? Fixtures.ip(ipString(frame, p.l3Offset() + 16, 4)) : Fixtures.ip(ipString(frame, p.l3Offset() + 24, 16));
                chain = redirectTarget(dst, "tcp", p.dstPort());
            }
            String hash = null;
            for (String line : block("chain " + chain).split("\n")) {
                if (line.startsWith("\t\tmeta protocol " + family + " ") && line.contains(" jhash ")) {
                    Matcher m = JHASH.matcher(line);
                    assertTrue(m.find(), line);
                    String h = m.group();
                    // both option lengths of a redirect chain hash alike
                    assertTrue(hash == null || hash.equals(h), chain + ": " + hash + " vs " + h);
                    hash = h;
                }
            }
            assertTrue(hash != null, "no " + family + " jhash in chain " + chain);
            Matcher m = JHASH.matcher(hash);
            assertTrue(m.find());
            byte[] key = key(frame, p, m.group(1));
            int index = JHash.nft(key, 0, key.length, Long.decode(m.group(3)).intValue(), Integer.parseInt(m.group(2)), 0);
            return map(m.group(4))[index];
        }

        private static String ipString(byte[] f, int off, int len) {
            try {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(f, off, off + len)).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * The key nft's registers hold for a concatenation: each field's bytes as loaded, zero-padded
         * to whole 32-bit registers. Understands the expressions the renderer uses, nothing more.
         */
        private static byte[] key(byte[] f, ParsedPacket p, String concat) {
            int nh = p.l3Offset();
            int th = p.l4Offset();
            ByteArrayOutputStream key = new ByteArrayOutputStream();
            for (String field : concat.split(" \\. ")) {
                int off;
                int len;
                Matcher raw = Pattern.compile("@(th|nh),(\\d+),(\\d+)").matcher(field);
                if (raw.matches()) {
                    int bits = Integer.parseInt(raw.group(2));
                    assertEquals(0, bits % 8, field);
                    off = (raw.group(1).equals("th") ? th : nh) + bits / 8;
                    len = Integer.parseInt(raw.group(3)) / 8;
                } else {
                    switch (field) {
                        case "ip saddr" -> { off = nh + 12; len = 4; }
                        case "ip daddr" -> { off = nh + 16; len = 4; }
                        case "ip6 saddr" -> { off = nh + 8; len = 16; }
                        case "ip6 daddr" -> { off = nh + 24; len = 16; }
                        case "tcp sport", "udp sport" -> { off = th; len = 2; }
                        case "tcp dport", "udp dport" -> { off = th + 2; len = 2; }
                        case "meta l4proto" -> { off = -1; len = 1; }
                        default -> throw new AssertionError("unexpected jhash field " + field);
                    }
                }
                if (off < 0) {
                    key.write(p.protocol());
                } else {
                    key.write(f, off, len);
                }
                for (int pad = len; pad % 4 != 0; pad++) {
                    key.write(0);
                }
            }
            return key.toByteArray();
        }

        /** The server of every element of a Maglev map, by key. */
        private String[] map(String name) {
            return maps.computeIfAbsent(name, n -> {
                String b = block("map " + n);
                Matcher size = Pattern.compile("typeof numgen inc mod (\\d+) : verdict").matcher(b);
                assertTrue(size.find(), b);
                String[] servers = new String[Integer.parseInt(size.group(1))];
                Matcher e = Pattern.compile("(\\d+) : goto srv_(\\w+)").matcher(b);
                while (e.find()) {
                    servers[Integer.parseInt(e.group(1))] = e.group(2);
                }
                for (int k = 0; k < servers.length; k++) {
                    assertTrue(servers[k] != null, n + " has no element " + k);
                }
                return servers;
            });
        }

        /** A top-level map or chain: from its header to its closing brace. */
        private String block(String header) {
            int start = text.indexOf("\n\t" + header + " {\n");
            assertTrue(start >= 0, header);
            int end = text.indexOf("\n\t}\n", start);
            return text.substring(start, end);
        }
    }
}
