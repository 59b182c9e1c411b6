package io.portredirect.serveragent.agent;

import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.metrics.MetricsEndpoint;
import io.portredirect.protocol.metrics.HttpGet;
import io.portredirect.protocol.metrics.PrometheusTextParser;
import io.portredirect.serveragent.reply.RedirectResponder.Verdict;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The server agent's counters on {@code /metrics}, and {@code /healthz}. */
class ServerAgentMetricsTest {
    @Test
    void scrapesVerdictsAnswersPerServicePortAndTheAbsentParts() throws Exception {
        Counters counters = new Counters();
        MetricRegistry registry = new MetricRegistry();
        ServerAgentMetrics.register(registry, counters, new int[] {8001, 8002}, () -> null, () -> null);
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry, () -> true,
                "redirect-server-agent")) {
            counters.count(Verdict.SYN_ACK, 8001);
            counters.count(Verdict.SYN_ACK, 8001);
            counters.count(Verdict.SYN_ACK, 8002);
            counters.count(Verdict.NOT_A_SYN, 0);
            counters.sendError();
            String base = "http://127.0.0.1:" + e.address().getPort();
            HttpResponse<String> m = HttpGet.get(URI.create(base + "/metrics"));
            assertEquals(200, m.statusCode());
            PrometheusTextParser.Exposition x = PrometheusTextParser.parse(m.body());
            assertEquals(3, x.value("portredirect_server_agent_packets_total", "verdict", "syn_ack"));
            assertEquals(1, x.value("portredirect_server_agent_packets_total", "verdict", "not_a_syn"));
            assertEquals(0, x.value("portredirect_server_agent_packets_total", "verdict", "drop_all_full"));
            assertEquals(2, x.value("portredirect_server_agent_service_port_answers_total", "port", "8001"));
            assertEquals(1, x.value("portredirect_server_agent_service_port_answers_total", "port", "8002"));
            assertEquals(1, x.value("portredirect_server_agent_send_errors_total"));
            assertEquals(0, x.value("portredirect_server_agent_nft_guard_installed"));
            assertEquals("gauge", x.types().get("portredirect_server_agent_nft_guard_installed"));
            assertEquals(0, x.value("portredirect_server_agent_proxy_connections_total"));
            assertEquals(0, x.value("portredirect_server_agent_proxy_active_connections"));
            assertEquals(0, x.value("portredirect_server_agent_proxy_upstream_failures_total"));
            assertEquals(0, x.value("portredirect_server_agent_udp_absorbed_datagrams_total"));
            assertEquals(200, HttpGet.get(URI.create(base + "/healthz")).statusCode());
        }
    }
}
