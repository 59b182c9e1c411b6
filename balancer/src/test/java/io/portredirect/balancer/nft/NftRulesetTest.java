package io.portredirect.balancer.nft;

import io.portredirect.balancer.cli.CheckConfigCommand;
import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.balancer.testing.Fixtures;
import io.portredirect.protocol.packet.IpProtocol;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nft renderer: golden files for the lab config and a small per-VIP config, determinism, and
 * what the ruleset says for small configs. The golden file is regenerated (after a deliberate change) with
 * <pre>
 * mvn -B -ntp -o -q -pl balancer -am -DexcludedGroups=lab -DskipDist test \
 *     -Dtest=NftRulesetTest -Dsurefire.failIfNoSpecifiedTests=false -Dnft.golden.update=true
 * </pre>
 * and the diff reviewed before committing.
 */
class NftRulesetTest {
    static final Path ROOT = Path.of(System.getProperty("portredirect.root", ".."));
    static final String LAB_CONFIG = "testdata/lab/balancer.yaml";
    static final Path GOLDEN = Path.of("src/test/resources/nft/lab.nft");
    /** The verdict-table fixture with a small table, so whole maps can be read in a failure message. */
    static final String SMALL_YAML = Fixtures.VERDICT_YAML.replace("table: {size: 65537}", "table: {size: 101}");
    static final String PER_VIP_SMALL_YAML = Fixtures.PER_VIP_YAML.replace("table: {size: 65537}", "table: {size: 101}");
    static final Path PER_VIP_GOLDEN = Path.of("src/test/resources/nft/per-vip.nft");

    /** The lab config, named as the repository names it, with placeholder MACs (no sysfs: the result must not depend on this host). */
    static ForwardingTables labTables() throws Exception {
        String yaml = Files.readString(ROOT.resolve(LAB_CONFIG), StandardCharsets.UTF_8);
        return ForwardingTables.build(ConfigLoader.parse(yaml, LAB_CONFIG), InterfaceMacs.placeholder());
    }

    static ForwardingTables smallTables() throws Exception {
        return ForwardingTables.build(ConfigLoader.parse(SMALL_YAML, "small.yaml"), InterfaceMacs.placeholder());
    }

    @Test
    void stoppingUnhooksTheBaseChainsBeforeTheTableGoes() throws Exception {
        String text = NftRuleset.render(labTables(), 1, NftDataplane.JAVA_PATH);
        // every chain hooked to a device, found in the text the kernel loads: the network side, the
        // l3 server's return side, the Java path's read end
        assertEquals(List.of("from_network", "from_srv3", "java_read"), NftRuleset.baseChains(text));
        assertEquals("delete chain netdev portredirect from_network\n"
                + "delete chain netdev portredirect from_srv3\n"
                + "delete chain netdev portredirect java_read\n", NftRuleset.unhook(NftRuleset.baseChains(text)));
        assertEquals(List.of("from_network", "from_srv3"),
                NftRuleset.baseChains(NftRuleset.renderGuard(labTables(), 1)), "the pcap dataplane's guard");
    }

    @Test
    void labRulesetMatchesGoldenFile() throws Exception {
        String text = NftRuleset.render(labTables(), 1, NftDataplane.JAVA_PATH);
        if (Boolean.getBoolean("nft.golden.update")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, text, StandardCharsets.UTF_8);
        }
        String golden = Files.readString(GOLDEN, StandardCharsets.UTF_8);
        // assertEquals on 1.4 MB would print both: compare, then point at the first difference
        if (!golden.equals(text)) {
            int i = 0;
            while (i < Math.min(golden.length(), text.length()) && golden.charAt(i) == text.charAt(i)) {
                i++;
            }
            int line = golden.substring(0, i).split("\n", -1).length;
            throw new AssertionError("rendered ruleset differs from " + GOLDEN + " at line " + line
                    + " (regenerate with -Dnft.golden.update=true, see the class Javadoc)");
        }
    }

    /**
     * With the Java path attached no rule accepts: what nft cannot decide is forwarded to the Java
     * path, so the host kernel never sees a VIP-addressed packet (only the chains' policy accepts
     * what is not for a VIP). ARP and ND are copied to Java.
     */
    @Test
    void withJavaPathNothingForAVipReachesTheHostKernel() throws Exception {
        String text = NftRuleset.render(labTables(), 1, NftDataplane.JAVA_PATH);
        List<String> accepting = text.lines().filter(l -> l.endsWith(" accept") || l.endsWith(" accept;") && !l.contains("policy"))
                .toList();
        // the one rule that accepts: valid IP not addressed to a VIP (the VIP rules come before it)
        assertEquals(List.of("\t\tmeta protocol { ip, ip6 } meta l4proto 0-255 counter name pass_not_vip accept"), accepting);
        assertTrue(text.indexOf("meta protocol ip ip daddr @vip4 goto to_vip") < text.indexOf("meta l4proto 0-255 counter name pass_not_vip"));
        assertTrue(text.contains("counter name java_udp_redirect fwd to \"pr-java\""), text);
        assertTrue(text.contains("meta protocol arp counter name java_arp dup to \"pr-java\""), text);
        assertTrue(text.contains("type filter hook ingress device \"pr-java-rx\" priority filter; policy drop;"), text);
        // without it, the same decisions end in accept (to the host kernel, which must guard VIPs itself)
        assertTrue(NftRuleset.render(labTables(), 1).contains("counter name java_udp_redirect accept"));
    }

    /**
     * The pcap dataplane's guard drops what the balancer forwards itself (VIP traffic, the l3
     * server's replies on the ports the balancer gave it) and nothing else: it forwards nothing.
     */
    @Test
    void pcapGuardDropsOnlyWhatTheBalancerForwards() throws Exception {
        String text = NftRuleset.renderGuard(labTables(), 3);
        assertTrue(text.contains("meta protocol ip ip daddr @vip4 counter name guard_vip drop"), text);
        assertTrue(text.contains("meta protocol ip6 ip6 daddr @vip6 counter name guard_vip drop"), text);
        assertTrue(text.contains("chain to_network {\n\t\tcounter name guard_return drop\n\t}"), text);
        assertTrue(text.contains("meta protocol ip ip saddr 198.18.13.2 meta l4proto . th sport @served_s3 goto return_s3_v4"), text);
        assertFalse(text.contains("fwd to"), "the guard forwards nothing");
        assertFalse(text.contains("maglev_g"), "no decision tables in the guard");
        assertTrue(text.startsWith("#!/usr/sbin/nft -f\n"), text);
    }

    /** An l3 server's neighbour discovery is its own business with its gateway, not return traffic to rewrite. */
    @Test
    void l3ServerNeighbourDiscoveryIsLeftToTheKernel() throws Exception {
        String text = NftRuleset.render(labTables(), 1, NftDataplane.JAVA_PATH);
        assertTrue(text.contains("ip6 saddr 2001:2:0:13::2 meta l4proto ipv6-icmp icmpv6 type != { nd-router-solicit, "
                + "nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } goto return_s3_v6"), text);
    }

    /** Per-VIP ports, small table: the golden file is short enough to read whole in a review. */
    static ForwardingTables perVipTables() throws Exception {
        return ForwardingTables.build(ConfigLoader.parse(PER_VIP_SMALL_YAML, "per-vip.yaml"), InterfaceMacs.placeholder());
    }

    @Test
    void perVipRulesetMatchesGoldenFile() throws Exception {
        String text = NftRuleset.render(perVipTables(), 1);
        if (Boolean.getBoolean("nft.golden.update")) {
            Files.writeString(PER_VIP_GOLDEN, text, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(PER_VIP_GOLDEN, StandardCharsets.UTF_8), text);
    }

    @Test
    void perVipMapsAreKeyedByVip() throws Exception {
        String text = NftRuleset.render(perVipTables(), 1);
        // one port, two VIPs, two owners; the IPv6 VIP shares the first one's
        assertTrue(text.contains("\t\t\t198.18.0.10 . tcp . 10001 : goto service_tcp_a,\n"), text);
        assertTrue(text.contains("\t\t\t198.18.0.20 . tcp . 10001 : goto service_tcp_x,\n"), text);
        assertTrue(text.contains("\t\t\t2001:2::10 . tcp . 10001 : goto service_tcp_a,\n"), text);
        assertTrue(text.contains("\t\t\t0xc6120014 . 6 . 10001 : goto quote_service_x,\n"), text);
        assertFalse(text.contains("198.18.0.10 . udp . 10002 "), text);
        // redirect port 8080: one chain per owner and group, named after its first VIP
        assertTrue(text.contains("\t\t\t198.18.0.10 . tcp . 8080 : goto redirect_tcp_8080_198_18_0_10,\n"), text);
        assertTrue(text.contains("\t\t\t198.18.0.20 . tcp . 8080 : goto redirect_tcp_8080_198_18_0_20,\n"), text);
        assertTrue(text.contains("\t\t\t2001:2::10 . tcp . 8080 : goto redirect_tcp_8080_198_18_0_10,\n"), text);
        Matcher x = Pattern.compile("chain redirect_tcp_8080_198_18_0_20 \\{\\n([^}]*)\\}").matcher(text);
        assertTrue(x.find(), text);
        // legacy first, one counter, forwarded in the same rule
        assertTrue(x.group(1).startsWith("\t\t@th,96,4 8 @th,248,8 >= 0 tcp option 253 missing counter name legacy_x "), x.group(1));
        // y's return ports differ per family (10005 is on its IPv4 VIP only): one set each
        assertTrue(text.contains("\tset served_y_v4 {\n\t\ttypeof meta l4proto . th sport\n\t\tflags interval\n\t\telements = {\n"
                + "\t\t\ttcp . 10005,\n\t\t\tudp . 10005\n"), text);
        assertTrue(text.contains("\tset served_y_v6 {\n\t\ttypeof meta l4proto . th sport\n\t\tflags interval\n\t}\n"), text);
        assertTrue(text.contains("meta l4proto . th sport @served_y_v4 goto return_y_v4\n"), text);
        assertTrue(text.contains("meta l4proto . th sport @served_y_v6 goto return_y_v6\n"), text);
        // the same rules whatever the order of servers and redirect ports
        String reordered = reverseEntries(reverseEntries(PER_VIP_SMALL_YAML, "servers:"), "redirect-ports:");
        assertEquals(text, NftRuleset.render(ForwardingTables.build(ConfigLoader.parse(reordered, "per-vip.yaml"),
                InterfaceMacs.placeholder()), 1));
    }

    @Test
    void fastPathCountersStandForTheDecisionAndTheForward() {
        assertEquals(List.of("service_s1", "rule_service_port", "fwd_s1"), NftRuleset.countedAs("service_s1"));
        assertEquals(List.of("legacy_web_2", "rule_legacy_owner", "fwd_web_2"), NftRuleset.countedAs("legacy_web_2"));
        assertEquals(List.of("fwd_s1"), NftRuleset.countedAs("fwd_s1"));
        assertEquals(List.of("rule_redirect_hash"), NftRuleset.countedAs("rule_redirect_hash"));
    }

    @Test
    void renderingIsDeterministic() throws Exception {
        assertEquals(NftRuleset.render(labTables(), 1), NftRuleset.render(labTables(), 1));
        assertEquals(NftRuleset.render(smallTables(), 7), NftRuleset.render(smallTables(), 7));
    }

    @Test
    void serverAndRedirectPortOrderDoNotMatter() throws Exception {
        // the same config with its servers and redirect ports listed in reverse
        String reordered = reverseEntries(reverseEntries(SMALL_YAML, "servers:"), "redirect-ports:");
        BalancerConfig other = ConfigLoader.parse(reordered, "small.yaml");
        assertEquals("e", other.servers().get(0).name(), "fixture reordering did not apply");
        assertEquals(5000, other.redirectPorts().get(0).port(), "fixture reordering did not apply");
        assertEquals(NftRuleset.render(smallTables(), 1),
                NftRuleset.render(ForwardingTables.build(other, InterfaceMacs.placeholder()), 1));
    }

    /** Reverses the list entries ("  - ..." plus continuation lines) under a top-level key. */
    private static String reverseEntries(String yaml, String key) {
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(yaml.split("\n", -1)));
        int i = lines.indexOf(key) + 1;
        java.util.List<String> entries = new java.util.ArrayList<>();
        int from = i;
        while (i < lines.size() && lines.get(i).startsWith("  ")) {
            if (lines.get(i).startsWith("  - ")) {
                entries.add(lines.get(i));
            } else {
                entries.set(entries.size() - 1, entries.get(entries.size() - 1) + "\n" + lines.get(i));
            }
            i++;
        }
        java.util.Collections.reverse(entries);
        java.util.List<String> out = new java.util.ArrayList<>(lines.subList(0, from));
        out.addAll(entries);
        out.addAll(lines.subList(i, lines.size()));
        return String.join("\n", out);
    }

    @Test
    void headerNamesConfigAndGeneration() throws Exception {
        String text = NftRuleset.render(smallTables(), 42);
        assertTrue(text.startsWith("#!/usr/sbin/nft -f\n"), text);
        assertTrue(text.contains("\n# config: small.yaml\n# generation: 42\n"), text);
        assertTrue(text.contains("\ntable netdev portredirect {\n"), text);
    }

    @Test
    void maglevMapIsExactlyTheSlotTable() throws Exception {
        ForwardingTables t = smallTables();
        String text = NftRuleset.render(t, 1);
        for (int port : new int[] {8080, 9090}) {
            int slot = t.redirectSlot(0, IpProtocol.TCP, port);
            Matcher chain = Pattern.compile("chain redirect_tcp_" + port + " \\{\\n[^}]*?vmap @(maglev_g\\d+)").matcher(text);
            assertTrue(chain.find(), "no redirect chain for " + port);
            String map = chain.group(1);
            Matcher m = Pattern.compile("map " + map + " \\{\\n\\t\\ttypeof numgen inc mod 101 : verdict\\n\\t\\telements = \\{([^}]*)\\}").matcher(text);
            assertTrue(m.find(), map);
            short[] table = t.redirectTable(slot);
            Matcher e = Pattern.compile("(\\d+) : goto srv_(\\w+)").matcher(m.group(1));
            int n = 0;
            while (e.find()) {
                int k = Integer.parseInt(e.group(1));
                assertEquals(n, k, "slots in order");
                assertEquals(t.serverName(table[k]), e.group(2), map + " slot " + k);
                n++;
            }
            assertEquals(table.length, n);
        }
    }

    @Test
    void smallConfigRules() throws Exception {
        String text = NftRuleset.render(smallTables(), 1);
        // every hash has the explicit seed, and the option flags are a set, never a bitwise test
        for (String line : text.split("\n")) {
            if (line.contains("jhash") && !line.startsWith("#")) {
                assertTrue(line.contains(" seed 0x52444e46 "), line);
            }
            if (line.contains("tcp option")) {
                assertFalse(line.contains("&"), line);
            }
        }
        assertTrue(text.contains("\t\t\t0x01,\n\t\t\t0x03,\n"), "flag set");
        assertFalse(text.contains("\t\t\t0x02,\n"), "flag set");
        // services: one element per port (a hash map, not an interval one), per VIP and protocol;
        // UDP redirect to Java; 9090 without owner to the default server
        for (int port = 10001; port <= 10004; port++) {
            assertTrue(text.contains("\t\t\t198.18.0.10 . tcp . " + port + " : goto service_tcp_a,\n"), text);
        }
        assertTrue(text.contains("\t\t\t198.18.0.10 . udp . 10011 : goto service_udp_b,\n\t\t\t198.18.0.10 . udp . 10012 : goto service_udp_b,\n"), text);
        assertFalse(text.contains("daddr . meta l4proto . th dport : verdict\n\t\tflags interval"), "no interval service map");
        assertTrue(text.contains("\t\t\t198.18.0.10 . udp . 5000 : goto java_udp_redirect"), text);
        assertTrue(text.contains("\t\t\t198.18.0.10 . tcp . 8080 : goto redirect_tcp_8080"), text);
        assertTrue(text.contains("\t\t@th,96,4 8 @th,248,8 >= 0 tcp option 253 missing counter name legacy_a @ll,0,96 set 0x020000000a01"), text);
        assertTrue(text.contains("\t\t@th,96,4 5 @th,152,8 >= 0 counter name rule_legacy_default goto srv_d\n"), text);
        // rule 1 checks the TCP header is whole: the last byte its data offset names loads
        assertTrue(text.contains("\tchain service_tcp_a {\n\t\t@th,96,4 8 @th,248,8 >= 0 counter name service_a @ll,0,96 set 0x"), text);
        assertTrue(text.contains("\t\t@th,96,4 15 @th,472,8 >= 0 counter name service_a @ll,0,96 set 0x"), text);
        assertTrue(text.contains("\tchain service_udp_b {\n\t\t@th,56,8 >= 0 goto l3_service_b\n"), text);
        // the fast path: our MAC, no IPv4 fragment past the first (nft would load its payload as ports), one lookup
        Matcher fast = Pattern.compile("\\n\\t\\t@ll,0,48 0x([0-9a-f]{12}) meta protocol ip ip frag-off & 0x1fff 0 ip daddr \\. meta l4proto "
                + "\\. th dport vmap @ports_v4\\n").matcher(text);
        assertTrue(fast.find(), text);
        assertTrue(text.contains("\tchain from_network {\n\t\ttype filter hook ingress device \"net0\" priority filter; policy accept;\n"
                + "\t\t@ll,0,48 0x" + fast.group(1) + " meta protocol ip ip frag-off"), "first rule of the network side");
        // modes: raw forwards unchanged, l2 sets MACs (both in one write, spelled out in the comment), l3 only for the VIP the server answers for
        assertTrue(text.contains("\t# a: l2 via sa, frames to 02:00:00:00:0a:01 from 02:00:00:00:0a:00\n"), text);
        assertTrue(text.contains("\tchain srv_c {\n\t\tcounter name fwd_c fwd to \"sc\"\n\t}\n"), text);
        assertTrue(text.contains("\t\tcounter name fwd_a @ll,0,96 set 0x020000000a01020000000a00 fwd to \"sa\"\n"), text);
        assertTrue(text.contains("\t\tmeta protocol ip ip daddr 198.18.0.10 counter name fwd_b ip daddr set 198.18.2.2 "), text);
        assertTrue(text.contains("\tchain srv_e {"), text);
        assertTrue(text.contains("\tchain quote_service_b {\n\t\tcounter name rule_icmp_error_service_port counter name java_l3_icmp_quote accept\n"), text);
        assertTrue(text.contains("\t\tmeta protocol ip6 counter name drop_l3_no_address drop\n"), text);
        // policies of the fixture: echo balance stays in Java, no ICMP error policy server
        assertTrue(text.contains("counter name java_echo_balance accept"), text);
        assertTrue(text.contains("counter name drop_icmp_quote_unknown_port drop"), text);
        // three VIPs, two IPv4
        assertTrue(text.contains("@th,160,32 != { 0xc612000a, 0xc612000b } "), text);
        // return traffic: chains on the l3 and raw interfaces only, the next hop MAC literal
        assertTrue(text.contains("device \"sb\""), text);
        assertTrue(text.contains("device \"sc\""), text);
        assertFalse(text.contains("device \"sa\""), text);
        assertTrue(text.contains("ip : 02:00:00:00:00:fe,\n\t\t\tip6 : 02:00:00:00:00:fe\n"), text);
        assertTrue(text.contains("ether daddr set meta protocol map @next_hop ether saddr set "), text);
        assertEquals("flush map netdev portredirect next_hop\nadd element netdev portredirect next_hop "
                + "{ ip : 02:00:00:00:00:fe, ip6 : 02:00:00:00:00:fe }\n",
                NftRuleset.nextHopUpdate(new byte[] {2, 0, 0, 0, 0, (byte) 0xfe}));
        assertEquals("flush map netdev portredirect next_hop\n", NftRuleset.nextHopUpdate(null));
        // every counter used is declared
        Matcher used = Pattern.compile("counter name (\\w+)").matcher(text);
        while (used.find()) {
            assertTrue(text.contains("\tcounter " + used.group(1) + " {\n"), used.group(1));
        }
    }

    @Test
    void noDefaultServerDropsWhatJavaDrops() throws Exception {
        String text = NftRuleset.render(ForwardingTables.build(
                ConfigLoader.parse(Fixtures.VERDICT_NO_DEFAULT_YAML.replace("table: {size: 65537}", "table: {size: 101}"), "x.yaml"),
                InterfaceMacs.placeholder()), 1);
        assertTrue(text.contains("counter name drop_legacy_no_server drop"), text);
        assertTrue(text.contains("counter name drop_no_rule drop"), text);
        assertTrue(text.contains("counter name drop_icmp_echo_policy drop"), text);
    }

    @Test
    void checkConfigPrintsTheRuleset() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new CheckConfigCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute(ROOT.resolve(LAB_CONFIG).toString(), "--dataplane=nft"), err.toString());
        assertTrue(out.toString().startsWith("#!/usr/sbin/nft -f\n"));
        assertTrue(out.toString().contains("chain redirect_tcp_80 {"));
        assertFalse(out.toString().contains("OK\n"));
    }
}
