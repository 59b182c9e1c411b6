package io.portredirect.serveragent.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static final Path FILE = Path.of("/etc/portredirect/server-agent.yaml");

    static final String FULL = """
            interface: eth0
            vips: [198.18.0.10, 2001:2::10]
            redirectPorts:
              - 8000
              - port: 8100
                legacyProxyTo: 127.0.0.1:9100
            servicePorts:
              - 8001
              - port: 8002
                proxyTo: "[::1]:9002"
            policy: queue-aware
            protocols: [tcp]
            refreshMillis: 50
            allFull: drop
            mss: 1400
            nftTable: prs_agent
            reserveLocalPorts: false
            statsSeconds: 5
            absorbUdp: false
            """;

    @Test
    void readsEverySetting() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(FILE, FULL);
        assertEquals("eth0", c.interfaceName());
        assertEquals(List.of(InetAddress.getByName("198.18.0.10"), InetAddress.getByName("2001:2::10")), c.vips());
        assertEquals(List.of(8000, 8100), c.redirectPorts());
        assertEquals(new InetSocketAddress("127.0.0.1", 9100), c.legacyProxies().get(8100));
        assertEquals(8001, c.servicePorts().get(0).port());
        assertNull(c.servicePorts().get(0).proxyTo());
        assertEquals(new InetSocketAddress("::1", 9002), c.servicePorts().get(1).proxyTo());
        assertEquals(SelectionPolicy.QUEUE_AWARE, c.policy());
        assertTrue(c.tcp());
        assertFalse(c.udp());
        assertEquals(50, c.refreshMillis());
        assertEquals(ServerAgentConfig.AllFullAction.DROP, c.allFull());
        assertEquals(1400, c.mss());
        assertEquals("prs_agent", c.nftTable());
        assertFalse(c.reserveLocalPorts());
        assertEquals(5, c.statsSeconds());
        assertFalse(c.absorbUdp());
    }

    @Test
    void defaults() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(FILE, "interface: eth0\nvips: [198.18.0.10]\nredirectPorts: [8000]\nservicePorts: [8001]\n");
        assertEquals(SelectionPolicy.ROUND_ROBIN, c.policy());
        assertTrue(c.tcp() && c.udp());
        assertEquals(100, c.refreshMillis());
        assertEquals(ServerAgentConfig.AllFullAction.RESET, c.allFull());
        assertEquals("portredirect_server", c.nftTable());
        assertTrue(c.reserveLocalPorts());
        assertTrue(c.absorbUdp());
    }

    /** Each bad file: the expected key and line appear in the message, with the file name. */
    static void rejects(String yaml, String key, int line, String words) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, yaml));
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith(FILE + ":" + line + ": key '" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void errorsNameFileKeyAndLine() {
        String base = "interface: eth0\nvips: [198.18.0.10]\nredirectPorts: [8000]\n";
        rejects(base + "servicePorts:\n  - 8001\n  - 70000\n", "servicePorts[1]", 6, "out of range");
        rejects(base + "servicePorts: [8001]\npolicy: fastest\n", "policy", 5, "unknown policy");
        rejects(base + "servicePorts: [8000]\n", "servicePorts[0]", 4, "already a redirect or service port");
        rejects(base + "servicePorts:\n  - port: 8001\n    proxyTo: localhost:9001\n", "servicePorts[0].proxyTo", 6, "no host names");
        rejects(base + "servicePorts:\n  - port: 8001\n    proxyto: 127.0.0.1:9001\n", "servicePorts[0].proxyto", 6, "unknown setting");
        rejects(base + "servicePorts: [8001]\ninterfaces: eth1\n", "interfaces", 5, "unknown setting");
        rejects("interface: eth0\nvips: [not-an-ip]\nredirectPorts: [8000]\nservicePorts: [8001]\n", "vips[0]", 2, "IPv4 or IPv6");
        rejects("interface: eth0\nvips: [198.18.0.10]\nservicePorts: [8001]\n", "redirectPorts", 1, "is required");
        rejects(base + "servicePorts: [8001]\nprotocols: [sctp]\n", "protocols[0]", 5, "unknown protocol");
        rejects(base + "servicePorts: [8001]\nrefreshMillis: 1\n", "refreshMillis", 5, "10-60000");
        rejects(base + "servicePorts: [8001]\nabsorbUdp: maybe\n", "absorbUdp", 5, "true or false");
    }

    @Test
    void yamlSyntaxErrorsCarryTheLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, "interface: eth0\nvips: [198.18.0.10\n"));
        assertTrue(e.line() > 0, e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    }
}
