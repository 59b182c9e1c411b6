package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.Durations;
import io.portredirect.protocol.config.PortRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full configuration binds; every kind of mistake names file, line and key. */
public class ConfigLoaderTest {
    public static final String GOOD = """
            probe:
              interface: prc-c0
              source-ports: 61000-61099
              timeout: 150ms
              retries: 3
            cache:
              ttl: 2m
            fallback: fail
            max-chain: 4
            udp-idle: 30s
            vips:
              - address: 198.18.53.10
                service-ports: 20000-20099
              - address: 2001:2:0:1::10
                service-ports: [20000-20009, 30000]
            listeners:
              - listen: 127.0.0.1:8080
                target: 198.18.53.10:80
              - listen: "[::1]:5353"
                target: "[2001:2:0:1::10]:53"
                protocol: udp
            """;

    static AgentConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(new StringReader(yaml), "agent.yaml");
    }

    @Test
    void bindsEverything() throws Exception {
        AgentConfig c = parse(GOOD);
        assertEquals("prc-c0", c.probe().iface());
        assertEquals(new PortRange(61000, 61099), c.probe().sourcePorts());
        assertEquals(Duration.ofMillis(150), c.probe().timeout());
        assertEquals(3, c.probe().retries());
        assertEquals(0, c.probe().mss());
        assertEquals(Duration.ofMinutes(2), c.cacheTtl());
        assertEquals(FallbackPolicy.FAIL, c.fallback());
        assertEquals(4, c.maxChain());
        assertEquals(Duration.ofSeconds(30), c.udpIdle());
        assertEquals(2, c.vips().size());
        VipConfig v6 = c.vip(InetAddress.getByName("2001:2:0:1::10")).orElseThrow();
        assertTrue(v6.allows(20009));
        assertTrue(v6.allows(30000));
        assertFalse(v6.allows(20010));
        ListenerConfig tcp = c.listeners().get(0);
        assertEquals(TransportProtocol.TCP, tcp.protocol());
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), tcp.listen());
        assertEquals(InetAddress.getByName("198.18.53.10"), tcp.vip());
        assertEquals(80, tcp.redirectPort());
        ListenerConfig udp = c.listeners().get(1);
        assertEquals(TransportProtocol.UDP, udp.protocol());
        assertEquals(53, udp.redirectPort());
    }

    @Test
    void failSafeSettings() throws Exception {
        AgentConfig c = parse(GOOD.replace("retries: 3", "retries: 3\n  retry-new-source-port: false")
                .replace("max-chain: 4", "max-chain: 4\nnegative-cache:\n  initial: 500ms\n  max: 10s\n  size: 64"));
        assertFalse(c.probe().retryNewSourcePort());
        assertEquals(new NegativeCacheConfig(Duration.ofMillis(500), Duration.ofSeconds(10), 64), c.negativeCache());
    }

    @Test
    void defaults() throws Exception {
        AgentConfig c = parse("""
                probe:
                  interface: eth0
                  source-ports: 61000-61009
                vips:
                  - address: 198.18.0.10
                    service-ports: 20000-20999
                listeners:
                  - listen: 127.0.0.1:8080
                    target: 198.18.0.10:80
                """);
        assertEquals(Duration.ofMillis(250), c.probe().timeout());
        assertEquals(2, c.probe().retries());
        assertEquals(Duration.ofSeconds(60), c.cacheTtl());
        assertEquals(FallbackPolicy.PLAIN, c.fallback());
        assertEquals(3, c.maxChain());
        assertTrue(c.probe().retryNewSourcePort());
        assertEquals(NegativeCacheConfig.DEFAULT, c.negativeCache());
    }

    /** A mistake, the line it is on, the key path reported, and a fragment of the explanation. */
    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of(GOOD.replace("retries: 3", "retries: 3\n  timout: 1s"), 6, "probe.timout", "unknown key (did you mean 'timeout'?)"),
                Arguments.of(GOOD.replace("source-ports: 61000-61099", "source-ports: 61099-61000"), 3, "probe.source-ports", "'61099-61000': range start above its end"),
                Arguments.of(GOOD.replace("source-ports: 61000-61099", "source-ports: 100-199"), 3, "probe.source-ports", ">= 1024"),
                Arguments.of(GOOD.replace("source-ports: 61000-61099", "source-ports: lots"), 3, "probe.source-ports", "'lots' is not a port or a port range"),
                Arguments.of(GOOD.replace("timeout: 150ms", "timeout: 150"), 4, "probe.timeout", "'150' has no unit; write a number and a unit: 250ms, 1s, 2m or 1h"),
                Arguments.of(GOOD.replace("timeout: 150ms", "timeout: 0ms"), 4, "probe.timeout", "greater than 0"),
                Arguments.of(GOOD.replace("retries: 3", "retries: many"), 5, "probe.retries", "'many' is not an integer"),
                Arguments.of(GOOD.replace("max-chain: 4", "negative-cache: {initial: 2s, max: 1s}"), 9, "negative-cache.max", "must be at least initial (2s)"),
                Arguments.of(GOOD.replace("max-chain: 4", "negative-cache: {size: 0}"), 9, "negative-cache.size", "0 is out of range"),
                Arguments.of(GOOD.replace("retries: 3", "retry-new-source-port: maybe"), 5, "probe.retry-new-source-port", "maybe"),
                Arguments.of(GOOD.replace("retries: 3", "retries: 99"), 5, "probe.retries", "99 is out of range 0-10"),
                Arguments.of(GOOD.replace("  ttl: 2m", "  ttl: soon"), 7, "cache.ttl", "'soon' is not a duration"),
                Arguments.of(GOOD.replace("fallback: fail", "fallback: retry"), 8, "fallback", "'retry' is not one of plain, fail"),
                Arguments.of(GOOD.replace("max-chain: 4", "max-chain: 0"), 9, "max-chain", "0 is out of range 1-16"),
                Arguments.of(GOOD.replace("address: 198.18.53.10", "address: vip.example"), 12, "vips[0].address", "'vip.example' is not an IPv4 or IPv6 address literal"),
                Arguments.of(GOOD.replace("service-ports: 20000-20099", "service-ports: 61050-61060"), 13, "vips[0].service-ports", "service ports 61050-61060 overlap the probe source ports 61000-61099"),
                Arguments.of(GOOD.replace("[20000-20009, 30000]", "[20000-20009, 70000]"), 15, "vips[1].service-ports[1]", "'70000': ports are 1-65535"),
                Arguments.of(GOOD.replace("address: 2001:2:0:1::10", "address: 198.18.53.10"), 14, "vips[1].address", "declared twice (first at line 12)"),
                Arguments.of(GOOD.replace("target: 198.18.53.10:80", "target: 198.18.53.99:80"), 18, "listeners[0].target", "not declared under 'vips'"),
                Arguments.of(GOOD.replace("target: 198.18.53.10:80", "target: 198.18.53.10"), 18, "listeners[0].target", "'198.18.53.10' is not ADDRESS:PORT"),
                Arguments.of(GOOD.replace("listen: 127.0.0.1:8080", "listen: 127.0.0.1:80800"), 17, "listeners[0].listen", "port 80800 is outside 1-65535"),
                Arguments.of(GOOD.replace("protocol: udp", "protocol: sctp"), 21, "listeners[1].protocol", "'sctp' is not one of tcp, udp"),
                Arguments.of(GOOD.replace("\"[::1]:5353\"", "127.0.0.1:8080").replace("protocol: udp", "protocol: tcp"), 19,
                        "listeners[1].listen", "already a listener at line 17"),
                Arguments.of(GOOD.replace("  interface: prc-c0\n", ""), 2, "probe.interface", "missing"),
                Arguments.of(GOOD.replace("interface: prc-c0", "interface:"), 2, "probe.interface", "empty"),
                Arguments.of(GOOD.replace("interface: prc-c0", "interface: a-very-long-interface-name"), 2, "probe.interface", "1-15 characters"),
                Arguments.of(GOOD.replace("cache:\n  ttl: 2m", "cache: 2m"), 6, "cache", "expected a mapping, found '2m'"),
                Arguments.of(GOOD.replace("fallback: fail", "fallback: [plain]"), 8, "fallback", "is not one of plain, fail"),
                Arguments.of(GOOD.replace("max-chain: 4", "fallback: plain"), 9, "fallback", "duplicate key (first at line 8)"),
                Arguments.of(GOOD.substring(0, GOOD.indexOf("vips:")) + "vips: {address: 198.18.53.10}\n" + GOOD.substring(GOOD.indexOf("listeners:")), 11, "vips", "expected a list"),
                Arguments.of(GOOD + "listeners: []\n", 22, "listeners", "duplicate key (first at line 16)"),
                Arguments.of(GOOD.replace("listeners:\n  - listen: 127", "listeners:\n  - listen: [127"), 18, "(yaml)", "not valid YAML"));
    }

    @ParameterizedTest(name = "{2}: {3}")
    @MethodSource("mistakes")
    void namesFileLineAndKey(String yaml, int line, String key, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals("agent.yaml", e.file());
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("agent.yaml:" + line + ": " + key + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void everyProblemIsReportedWithFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(GOOD.replace("retries: 3", "retries: many")
                .replace("target: 198.18.53.10:80", "target: 198.18.53.99:80")));
        assertEquals(java.util.List.of(
                "agent.yaml:5: probe.retries: 'many' is not an integer",
                "agent.yaml:18: listeners[0].target: VIP 198.18.53.99 is not declared under 'vips'"), e.problems());
    }

    @Test
    void camelCaseSpellingLoadsWithAWarning() throws Exception {
        var loaded = ConfigLoader.read(GOOD.replace("max-chain: 4", "maxChain: 4"), "agent.yaml");
        assertEquals(4, loaded.config().maxChain());
        assertEquals("agent.yaml:9: maxChain: deprecated spelling, write max-chain", loaded.warnings().get(0).toString());
    }

    static final Path ROOT = Path.of(System.getProperty("portredirect.root", ".."));

    @Test
    void twoMistakesInAFileAreBothReported() {
        Path file = ROOT.resolve("testdata/client-agent/two-mistakes.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(java.util.List.of(
                file + ":6: probe.timeout: '250' has no unit; write a number and a unit: 250ms, 1s, 2m or 1h",
                file + ":12: listeners[0].target: VIP 198.18.0.99 is not declared under 'vips'"), e.problems());
    }

    @Test
    void shippedConfigLoadsWithoutWarnings() throws Exception {
        assertEquals(java.util.List.of(), ConfigLoader.loadWithWarnings(ROOT.resolve("tools/src/dist/conf/client-agent.yaml")).warnings());
    }

    @Test
    void emptyListenersAreRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(GOOD.substring(0, GOOD.indexOf("listeners:")) + "listeners: []\n"));
        assertEquals("listeners", e.key());
        assertTrue(e.getMessage().contains("at least one listener"));
    }

    static final String TRANSPARENT = GOOD.substring(0, GOOD.indexOf("listeners:"))
            + "intercept: [198.18.53.10:80, \"[2001:2:0:1::10]:443/tcp\", 198.18.53.10:53/udp]\nintercept-spread: 8\n";

    @Test
    void interceptWithoutListeners() throws Exception {
        AgentConfig c = parse(TRANSPARENT);
        assertEquals(java.util.List.of(io.portredirect.clientagent.intercept.Intercept.parse("198.18.53.10:80"),
                io.portredirect.clientagent.intercept.Intercept.parse("[2001:2:0:1::10]:443"),
                new io.portredirect.clientagent.intercept.Intercept(java.net.InetAddress.getByName("198.18.53.10"), 53, TransportProtocol.UDP)),
                c.intercept().targets());
        assertEquals(8, c.intercept().spread());
        assertEquals(java.util.List.of(), c.listeners());
        assertFalse(parse(GOOD).intercept().enabled());
        assertTrue(ConfigDigest.canonical(c).endsWith("intercept=tcp 198.18.53.10:80\nintercept=tcp [2001:2:0:1:0:0:0:10]:443\nintercept=udp 198.18.53.10:53\nintercept-spread=8\n"),
                ConfigDigest.canonical(c));
        assertFalse(ConfigDigest.canonical(parse(GOOD)).contains("intercept"), "no interception, same digest as before");
    }

    @Test
    void interceptMistakesNameTheLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(TRANSPARENT
                .replace("intercept: [198.18.53.10:80, \"[2001:2:0:1::10]:443/tcp\", 198.18.53.10:53/udp]",
                        "intercept:\n  - 198.18.53.10:80\n  - 198.18.53.10:80\n  - 198.18.53.99:80\n  - 198.18.53.10:53/sctp\n  - nowhere")));
        assertEquals(java.util.List.of(
                "agent.yaml:18: intercept[1]: 198.18.53.10:80 is already intercepted at line 17",
                "agent.yaml:19: intercept[2]: VIP 198.18.53.99 is not declared under 'vips'",
                "agent.yaml:20: intercept[3]: 198.18.53.10:53/sctp is not VIP:PORT, VIP:PORT/tcp or VIP:PORT/udp (protocol 'sctp' is not tcp or udp)"),
                e.problems().subList(0, 3), e.getMessage());
        assertTrue(e.problems().get(3).startsWith("agent.yaml:21: intercept[4]: nowhere is not VIP:PORT"), e.getMessage());
    }

    @Test
    void aZeroTtlInterceptsTcpButRefusesUdpWhichHasNoMissPath() throws Exception {
        String zero = TRANSPARENT.replace("ttl: 2m", "ttl: 0s");
        ConfigException e = assertThrows(ConfigException.class, () -> parse(zero));
        assertEquals(java.util.List.of("agent.yaml:16: intercept[2]: 198.18.53.10:53/udp: UDP interception needs a cache ttl above 0 "
                + "(UDP has no miss path: with ttl 0 nothing would ever be negotiated)"), e.problems(), e.getMessage());
        AgentConfig tcpOnly = parse(zero.replace(", 198.18.53.10:53/udp]", "]"));
        assertEquals(2, tcpOnly.intercept().targets().size());
        assertTrue(tcpOnly.cacheTtl().isZero());
    }

    @Test
    void unreadableFile(@org.junit.jupiter.api.io.TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("missing.yaml")));
        assertTrue(e.getMessage().contains("missing.yaml"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }

    @Test
    void loadsFromAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, GOOD);
        assertEquals(2, ConfigLoader.load(f).listeners().size());
        Files.writeString(f, GOOD.replace("retries: 3", "retries: x"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f));
        assertTrue(e.getMessage().startsWith(f + ":5: probe.retries: "), e.getMessage());
    }

    @Test
    void shippedExampleIsValid() throws Exception {
        try (var in = ConfigLoaderTest.class.getResourceAsStream("/client-agent.example.yaml")) {
            AgentConfig c = ConfigLoader.parse(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8), "example");
            assertEquals(3, c.listeners().size());
            assertEquals(2, c.vips().size());
        }
    }

    @Test
    void durationsAndRanges() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("-1s"));
        assertEquals(PortRange.of(80), PortRange.parse("80"));
        assertEquals(100, PortRange.parse("61000 - 61099").size());
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("0-10"));
    }
}
