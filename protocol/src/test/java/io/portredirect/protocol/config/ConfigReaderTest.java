package io.portredirect.protocol.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigReaderTest {
    private static ConfigMapping root(ConfigReader r, String yaml, String... keys) throws ConfigException {
        return r.root(r.parse(yaml), "settings").keys(keys);
    }

    @Test
    void typedGettersReadWhatTheyShould() throws Exception {
        ConfigReader r = new ConfigReader("t.yaml");
        ConfigMapping m = root(r, """
                name: eth0
                count: 7
                on: true
                wait: 250ms
                ip: 2001:2::10
                listen: "[::1]:9100"
                ports: 61000-61099
                mac: 02:00:5e:00:53:01
                one: 198.18.0.1
                many: [198.18.0.1, 198.18.0.2]
                """, "name", "count", "on", "wait", "ip", "listen", "ports", "mac", "one", "many", "absent");
        assertEquals("eth0", m.string("name", null));
        assertEquals(7, m.integer("count", 1, 10, 0));
        assertEquals(true, m.bool("on", false));
        assertEquals(Duration.ofMillis(250), m.duration("wait", null));
        assertEquals(InetAddress.getByName("2001:2::10"), m.get("ip").ip());
        assertEquals(new InetSocketAddress("::1", 9100), m.get("listen").hostPort());
        assertEquals(new PortRange(61000, 61099), m.get("ports").portRange());
        assertArrayEquals(new byte[] {2, 0, 0x5e, 0, 0x53, 1}, m.get("mac").mac(""));
        assertEquals(1, m.get("one").items().size(), "a scalar stands for a list of one");
        assertEquals("many[1]", m.get("many").items().get(1).path());
        assertEquals(5, m.integer("absent", 1, 10, 5));
        r.finish();
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void everyProblemIsCollectedInOneFormat() throws Exception {
        ConfigReader r = new ConfigReader("t.yaml");
        ConfigMapping m = root(r, """
                count: 70
                on: yes please
                wait: 250
                ip: vip.example
                listen: 127.0.0.1
                ports: 9-2
                mac: 02:00:5e
                servers:
                  - weight: x
                """, "count", "on", "wait", "ip", "listen", "ports", "mac", "servers");
        assertEquals(0, m.integer("count", 1, 10, 0));
        assertFalse(m.bool("on", false));
        assertNull(m.get("wait").duration());
        assertNull(m.get("ip").ip());
        assertNull(m.get("listen").hostPort());
        assertNull(m.get("ports").portRange());
        assertNull(m.get("mac").mac(" or auto"));
        ConfigMapping server = m.get("servers").list().get(0).mapping().keys("weight");
        server.integer("weight", 1, 100, 1);
        ConfigException e = assertThrows(ConfigException.class, r::finish);
        assertEquals(List.of(
                "t.yaml:1: count: 70 is out of range 1-10",
                "t.yaml:2: on: 'yes please' is not true or false",
                "t.yaml:3: wait: '250' has no unit; write a number and a unit: 250ms, 1s, 2m or 1h",
                "t.yaml:4: ip: 'vip.example' is not an IPv4 or IPv6 address literal",
                "t.yaml:5: listen: '127.0.0.1' is not ADDRESS:PORT (IPv6 goes in brackets: [2001:2::1]:80)",
                "t.yaml:6: ports: '9-2': range start above its end",
                "t.yaml:7: mac: '02:00:5e' is not a MAC address like 02:00:5e:00:53:01 or auto",
                "t.yaml:9: servers[0].weight: 'x' is not an integer"), e.problems());
        assertEquals("t.yaml:1: count: 70 is out of range 1-10", e.getMessage());
    }

    @Test
    void unknownMissingAndDuplicateKeysAreProblemsToo() throws Exception {
        ConfigReader r = new ConfigReader("t.yaml");
        ConfigMapping m = root(r, "source-port: 1\nmax-chain: 2\nmax-chain: 3\n", "source-ports", "max-chain", "interface");
        m.required("interface", "name the probe interface");
        assertEquals(2, m.integer("max-chain", 1, 9, 1), "the first of duplicate keys is read");
        ConfigException e = assertThrows(ConfigException.class, r::finish);
        assertEquals(List.of(
                "t.yaml:1: source-port: unknown key (did you mean 'source-ports'?); known here: interface, max-chain, source-ports",
                "t.yaml:1: interface: missing: name the probe interface",
                "t.yaml:3: max-chain: duplicate key (first at line 2)"), e.problems());
    }

    @Test
    void camelCaseIsReadWithAWarningAndBothSpellingsAreAnError() throws Exception {
        ConfigReader r = new ConfigReader("t.yaml");
        ConfigMapping m = r.root(r.parse("maxChain: 4\nrefreshMillis: 100\n"), "settings")
                .renamed("refreshMillis", "refresh", ChronoUnit.MILLIS).keys("max-chain", "refresh");
        assertEquals(4, m.integer("max-chain", 1, 9, 1));
        assertEquals(Duration.ofMillis(100), m.duration("refresh", null), "the old key's unit applies to a bare number");
        r.finish();
        assertEquals(List.of("t.yaml:1: maxChain: deprecated spelling, write max-chain",
                "t.yaml:2: refreshMillis: deprecated spelling, write refresh: 100ms"), r.warnings().stream().map(Object::toString).toList());

        ConfigReader both = new ConfigReader("b.yaml");
        root(both, "max-chain: 4\nmaxChain: 5\n", "max-chain");
        ConfigException e = assertThrows(ConfigException.class, both::finish);
        assertEquals(List.of("b.yaml:2: maxChain: both max-chain (line 1) and maxChain given; keep only max-chain"), e.problems());
    }

    @Test
    void syntaxErrorsAndUnreadableFilesAreThrownAtOnce() {
        ConfigException syntax = assertThrows(ConfigException.class, () -> new ConfigReader("s.yaml").parse("a: [1, 2\nb: 3\n"));
        assertEquals("(yaml)", syntax.key());
        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigReader.readFile(java.nio.file.Path.of("/nonexistent/x.yaml")));
        assertEquals("/nonexistent/x.yaml:0: (file): cannot read: java.nio.file.NoSuchFileException: /nonexistent/x.yaml", missing.getMessage());
    }

    @Test
    void durationsAreWrittenOneWay() {
        assertEquals(Duration.ofSeconds(1), Durations.parse("1s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("2m", Durations.format(Duration.ofMinutes(2)));
        assertEquals("'2 weeks' is not a duration; write a number and a unit: 250ms, 1s, 2m or 1h",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("2 weeks")).getMessage());
    }
}
