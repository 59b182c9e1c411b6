package io.portredirect.balancer.config;

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
        assertEquals(65537, c.tableSize());
        assertEquals("127.0.0.1:9100", c.metricsListen());
        assertTrue(c.lineOf("servers[1].ip") > c.lineOf("servers[1].mode"));
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
                network: {interface: net0, mac: auto, nextHopMac: 02:00:00:00:00:fe}
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
                network: {interface: net0, mac: auto, nextHopMac: 12:34:56:00:00:01}
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
    void emptyDocumentIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("", "e.yaml"));
        assertEquals("e.yaml:1: (document): expected a mapping with vips, network, servers, ... but found empty", e.getMessage());
    }

    @Test
    void primes() {
        assertTrue(ConfigValidator.isPrime(65537));
        assertTrue(ConfigValidator.isPrime(ConfigValidator.MAX_TABLE_SIZE));
        assertTrue(!ConfigValidator.isPrime(65535));
    }
}
