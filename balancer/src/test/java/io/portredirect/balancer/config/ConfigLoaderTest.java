package io.portredirect.balancer.config;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.LoadedConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static final Path TESTDATA = Path.of(System.getProperty("portredirect.root", "..")).resolve("testdata/balancer");
    private static final Pattern EXPECT = Pattern.compile("# expect: (\\d+) (\\S+) :: (.*)");

    @Test
    void sampleLoadsWithEveryKey() throws Exception {
        BalancerConfig c = ConfigLoader.load(TESTDATA.resolve("sample.yaml"));
        assertEquals(List.of(InetAddress.getByName("198.18.0.10"), InetAddress.getByName("2001:2::10")), c.vips());
        assertEquals("gw-net", c.network().interfaceName());
        assertTrue(c.network().mac().isAuto());
        assertEquals(2, c.network().nextHops().size());
        assertEquals(3, c.servers().size());
        ServerConfig s1 = c.servers().get(0);
        assertEquals(ForwardingMode.L2, s1.mode());
        assertEquals(2, s1.weight());
        assertEquals("[10001, 10002-10004/tcp, 5353/udp]", s1.servicePorts().toString());
        ServerConfig s2 = c.servers().get(1);
        assertEquals(ForwardingMode.L3, s2.mode());
        assertEquals(2, s2.ips().size());
        ServerConfig s3 = c.servers().get(2);
        assertEquals(ForwardingMode.RAW, s3.mode());
        assertNull(s3.mac());
        assertEquals(1, s3.weight());
        assertEquals(2, c.redirectPorts().size());
        assertEquals("s1", c.redirectPorts().get(0).owner());
        assertEquals(2, c.redirectPorts().get(0).protocols().size());
        assertEquals("s1", c.defaultServer());
        assertEquals(Policies.IcmpEcho.BALANCE, c.policies().icmpEcho());
        assertEquals(Policies.IcmpError.DEFAULT, c.policies().icmpError());
        assertEquals(Policies.IcmpRedirectQuench.DROP, c.policies().icmpRedirectQuench());
        assertEquals(65537, c.tableSize());
        assertEquals("127.0.0.1:9100", c.metricsListen());
        assertTrue(c.lineOf("servers[1].ip") > c.lineOf("servers[1].mode"));
    }

    /** Per-VIP keys: a port may be on some VIPs only, and then another server may have it on another VIP. */
    @Test
    void twoVipsShareAPortForDifferentServers() throws Exception {
        BalancerConfig c = ConfigLoader.load(TESTDATA.resolve("two-vips.yaml"));
        InetAddress shop = InetAddress.getByName("198.18.0.10");
        InetAddress api = InetAddress.getByName("198.18.0.20");
        assertTrue(c.perVip());
        assertEquals(List.of(shop, InetAddress.getByName("2001:2::10")), c.servers().get(0).serviceVips());
        assertEquals(List.of(api), c.servers().get(3).serviceVips(), "a single VIP without brackets");
        assertEquals(List.of(), c.servers().get(4).serviceVips(), "absent: every VIP");
        assertTrue(c.servers().get(4).servesOn(api) && c.servers().get(4).servesOn(shop));
        assertTrue(c.servers().get(2).servesOn(api) && !c.servers().get(2).servesOn(shop));
        assertEquals(List.of(api), c.redirectPorts().get(1).vips());
        assertTrue(c.redirectPorts().get(1).on(api) && !c.redirectPorts().get(1).on(shop));
        assertTrue(!ConfigLoader.load(TESTDATA.resolve("sample.yaml")).perVip());
    }

    static Stream<Path> badFiles() throws IOException {
        try (Stream<Path> s = Files.list(TESTDATA.resolve("bad"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /** Each bad file states on its first line the line, key and message its error must have. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badFileIsRejectedWithFileLineAndKey(Path file) throws IOException {
        Matcher m = EXPECT.matcher(Files.readAllLines(file).get(0));
        assertTrue(m.matches(), file + " lacks its '# expect: LINE KEY :: fragment' header");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        System.out.println(e.getMessage());
        assertEquals(file.toString(), e.file());
        assertEquals(Integer.parseInt(m.group(1)), e.line(), e.getMessage());
        assertEquals(m.group(2), e.key(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ":" + m.group(1) + ": " + m.group(2) + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(m.group(3)), e.getMessage());
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        String yaml = """
                vips: [198.18.0.10]
                network: {interface: net0, mac: auto, next-hop-mac: 02:00:00:00:00:fe}
                servers:
                  - {name: a, interface: sa, mac: 02:00:00:00:00:0a, mode: l2, weight: -1}
                  - {name: b, interface: sb, mode: l3}
                table: {size: 100}
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "x.yaml"));
        List<String> p = e.problems();
        assertEquals(4, p.size(), String.join("\n", p));
        assertTrue(p.get(0).startsWith("x.yaml:4: servers[0].weight: "), p.get(0));
        assertTrue(p.get(1).startsWith("x.yaml:5: servers[1].mac: "), p.get(1));
        assertTrue(p.get(2).startsWith("x.yaml:5: servers[1].ip: "), p.get(2));
        assertTrue(p.get(3).startsWith("x.yaml:6: table.size: 100 is out of range"), p.get(3));
    }

    /** YAML 1.1 reads 12:34:56 as a base-60 integer; a MAC must still come through as written. */
    @Test
    void unquotedMacsThatLookLikeSexagesimalNumbersSurvive() throws Exception {
        String yaml = """
                vips: [198.18.0.10]
                network: {interface: net0, mac: auto, next-hop-mac: 12:34:56:00:00:01}
                servers:
                  - name: a
                    interface: sa
                    mac: 10:20:30:40:50:59
                    mode: l2
                """;
        BalancerConfig c = ConfigLoader.parse(yaml, "m.yaml");
        assertEquals("12:34:56:00:00:01", c.network().nextHopMac().toString());
        assertEquals("10:20:30:40:50:59", c.servers().get(0).mac().toString());
    }

    @Test
    void unreadableFileIsAConfigException() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("/nonexistent/b.yaml")));
        assertEquals(0, e.line());
        assertTrue(e.getMessage().startsWith("/nonexistent/b.yaml:0: (file): cannot read"), e.getMessage());
    }

    @Test
    void emptyDocumentListsWhatIsMissing() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("", "e.yaml"));
        assertEquals(List.of("e.yaml:1: vips: missing: list the virtual IPs (IPv4 and/or IPv6) the balancer serves",
                "e.yaml:1: network: missing: name the network-side interface (network.interface) and next hop",
                "e.yaml:1: servers: missing: at least one server is needed"), e.problems());
    }

    @Test
    void documentThatIsNotAMappingIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("- vips\n", "l.yaml"));
        assertEquals(List.of("l.yaml:1: (document): expected a mapping with vips, network, servers, ... but found a list"), e.problems());
    }

    /** Each program's file with two mistakes: both are reported, each with file and line. */
    @Test
    void twoMistakesAreBothReported() {
        Path file = TESTDATA.resolve("two-mistakes.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(List.of(
                file + ":13: servers[0].weight: 0 is out of range 1-1000000",
                file + ":20: servers[1].service-ports[0]: port 10001/tcp is already a service port of server s1 "
                        + "(servers[0].service-ports[0], line 14); service ports must be unique"), e.problems());
    }

    @Test
    void shippedConfigsLoadWithoutWarnings() throws Exception {
        Path root = TESTDATA.getParent().getParent();
        for (Path f : List.of(TESTDATA.resolve("sample.yaml"), TESTDATA.resolve("two-vips.yaml"), root.resolve("testdata/lab/balancer.yaml"),
                root.resolve("tools/src/dist/conf/balancer.yaml"))) {
            assertEquals(List.of(), ConfigLoader.loadWithWarnings(f).warnings(), f.toString());
        }
    }

    /** camelCase spellings from before kebab-case still load for one release, each with a warning. */
    @Test
    void oldSpellingLoadsWithAWarning() throws Exception {
        Path file = TESTDATA.resolve("old-spelling.yaml");
        LoadedConfig<BalancerConfig> l = ConfigLoader.loadWithWarnings(file);
        assertEquals("s1", l.config().defaultServer());
        assertEquals(1, l.config().redirectPorts().size());
        assertEquals(List.of(
                file + ":6: network.nextHop: deprecated spelling, write next-hop",
                file + ":7: network.nextHopMac: deprecated spelling, write next-hop-mac",
                file + ":13: servers[0].servicePorts: deprecated spelling, write service-ports",
                file + ":14: redirectPorts: deprecated spelling, write redirect-ports",
                file + ":17: defaultServer: deprecated spelling, write default-server",
                file + ":19: policies.icmpEcho: deprecated spelling, write icmp-echo"),
                l.warnings().stream().map(Object::toString).toList());
    }

    @Test
    void bothSpellingsOfOneKeyAreAnError() {
        String yaml = """
                vips: [198.18.0.10]
                network: {interface: net0, mac: auto, next-hop-mac: 02:00:00:00:00:fe, nextHopMac: 02:00:00:00:00:fd}
                servers:
                  - {name: a, interface: sa, mac: 02:00:00:00:00:0a, mode: l2}
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "b.yaml"));
        assertEquals(List.of("b.yaml:2: network.nextHopMac: both next-hop-mac (line 2) and nextHopMac given; keep only next-hop-mac"),
                e.problems());
    }

    @Test
    void primes() {
        assertTrue(TableSection.isPrime(65537));
        assertTrue(TableSection.isPrime(TableSection.MAX_TABLE_SIZE));
        assertTrue(!TableSection.isPrime(65535));
    }
}
