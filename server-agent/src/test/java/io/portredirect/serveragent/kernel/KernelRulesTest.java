package io.portredirect.serveragent.kernel;

import io.portredirect.serveragent.config.ConfigLoader;
import io.portredirect.serveragent.config.ServerAgentConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelRulesTest {
    @Test
    void dropsOnlyRedirectSynsAndEmptyRedirectDatagramsToTheVipsRedirectPorts() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(Path.of("t.yaml"),
                "interface: eth0\nvips: [198.18.0.10, 2001:2::10]\nredirect-ports: [8000, 8100]\nservice-ports: [8001]\n");
        String rules = KernelRules.render(c);
        assertTrue(rules.contains("type filter hook input priority filter - 10; policy accept;"), rules);
        assertTrue(rules.contains("set agent_alive {\n    type inet_proto\n    timeout 1000ms\n    elements = { tcp }\n  }"), rules);
        assertTrue(rules.contains("meta l4proto @agent_alive ip daddr { 198.18.0.10 } tcp dport { 8000, 8100 } tcp flags & (fin | syn | rst | ack) == syn "
                + "tcp option @253,8,8 { 5, 7 } tcp option @253,16,16 0x5244 counter drop"), rules);
        assertTrue(rules.contains("meta l4proto @agent_alive ip6 daddr { 2001:2:0:0:0:0:0:10 }"), rules);
        assertTrue(rules.contains("    ip daddr { 198.18.0.10 } ip hdrlength 5 ip length > 28 udp dport { 8000, 8100 } udp length 8 counter drop"), rules);
        assertTrue(rules.contains("    ip6 daddr { 2001:2:0:0:0:0:0:10 } ip6 nexthdr udp ip6 length > 8 udp dport { 8000, 8100 } udp length 8 counter drop"),
                rules);
        ServerAgentConfig tcpOnly = ConfigLoader.parse(Path.of("t.yaml"),
                "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [8000]\nservice-ports: [8001]\nprotocols: [tcp]\n");
        assertFalse(KernelRules.render(tcpOnly).contains("udp"), "UDP off: no UDP rule");
    }

    @Test
    void theLeaseIsRenewedByAddDeleteAddInOneTransaction() {
        assertEquals("add element inet t agent_alive { tcp }\n"
                + "delete element inet t agent_alive { tcp }\n"
                + "add element inet t agent_alive { tcp }\n", KernelRules.refreshScript("t"));
    }

    @Test
    void theTimeoutFollowsTheConfig() throws Exception {
        ServerAgentConfig c = ConfigLoader.parse(Path.of("t.yaml"),
                "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [8000]\nservice-ports: [8001]\nguard-timeout: 2s\n");
        assertTrue(KernelRules.render(c).contains("timeout 2000ms"));
        assertEquals(500, c.guardRefreshMillis());
    }
}
