package io.portredirect.clientagent.config;

import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.protocol.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client agent's digest follows what the config means, and is exported as an info metric. */
class ConfigDigestTest {
    private static final String A = """
            probe: {interface: eth0, source-ports: 61000-61099}
            vips:
              - {address: 198.18.0.10, service-ports: 8000-8999}
            listeners:
              - {listen: "127.0.0.1:8080", target: "198.18.0.10:80"}
            """;
    private static final String SAME = """
            # the same, spelled otherwise
            listeners:
              - target: 198.18.0.10:80
                listen: 127.0.0.1:8080
                protocol: tcp
            vips:
              - service-ports: [8000-8999]
                address: 198.18.0.10
            probe:
              source-ports: 61000-61099
              interface: eth0
              timeout: 250ms
            """;

    private static String digest(String yaml) throws Exception {
        return ConfigDigest.of(ConfigLoader.read(yaml, "client.yaml").config());
    }

    @Test
    void commentsKeyOrderAndWrittenDefaultsDoNotCount() throws Exception {
        assertTrue(digest(A).matches("[0-9a-f]{12}"));
        assertEquals(digest(A), digest(SAME));
    }

    @Test
    void aChangedPortChangesIt() throws Exception {
        assertNotEquals(digest(A), digest(A.replace("198.18.0.10:80", "198.18.0.10:81")));
    }

    @Test
    void theFailSafeSettingsCount() throws Exception {
        assertEquals(digest(A), digest(A + "negative-cache: {initial: 1s, max: 30s}\n"));
        assertNotEquals(digest(A), digest(A + "negative-cache: {initial: 2s}\n"));
    }

    @Test
    void exportedAsConfigInfo() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        AgentStats.registerConfig(metrics, digest(A));
        assertTrue(metrics.scrapeText().contains("portredirect_client_agent_config_info{digest=\"" + digest(A) + "\"} 1\n"),
                metrics.scrapeText());
    }
}
