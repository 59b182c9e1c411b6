package io.portredirect.serveragent.config;

import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.serveragent.agent.ServerAgentMetrics;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server agent's digest follows what the config means, and is exported as an info metric. */
class ConfigDigestTest {
    private static final String A = """
            # s1
            interface: eth0
            vips: [198.18.0.10, 2001:2::10]
            redirect-ports: [80, {port: 9000, legacy-proxy-to: 127.0.0.1:9100}]
            service-ports: [8001, {port: 8011, proxy-to: 127.0.0.1:8080}]
            protocols: [tcp, udp]
            """;
    private static final String SAME = """
            protocols: [udp, tcp]          # other order, other comment
            service-ports:
              - 8001
              - {proxy-to: 127.0.0.1:8080, port: 8011}
            redirect-ports: [80, {legacy-proxy-to: 127.0.0.1:9100, port: 9000}]
            vips: [198.18.0.10, 2001:2::10]
            interface: eth0
            policy: round-robin            # the default, written out
            """;

    private static String digest(String yaml) throws Exception {
        return ConfigDigest.of(ConfigLoader.parse(Path.of("s1.yaml"), yaml));
    }

    @Test
    void commentsKeyOrderAndWrittenDefaultsDoNotCount() throws Exception {
        assertTrue(digest(A).matches("[0-9a-f]{12}"));
        assertEquals(digest(A), digest(SAME));
    }

    @Test
    void aChangedPortChangesIt() throws Exception {
        assertNotEquals(digest(A), digest(A.replace("8001", "8002")));
    }

    @Test
    void theGuardTimeoutCounts() throws Exception {
        assertEquals(digest(A), digest(A + "guard-timeout: 1s\n"));
        assertNotEquals(digest(A), digest(A + "guard-timeout: 2s\n"));
    }

    @Test
    void exportedAsConfigInfo() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        ServerAgentMetrics.registerConfig(metrics, digest(A));
        assertTrue(metrics.scrapeText().contains("portredirect_server_agent_config_info{digest=\"" + digest(A) + "\"} 1\n"),
                metrics.scrapeText());
    }
}
