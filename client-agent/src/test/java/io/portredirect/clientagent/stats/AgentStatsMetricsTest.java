package io.portredirect.clientagent.stats;

import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.metrics.MetricsEndpoint;
import io.portredirect.protocol.metrics.HttpGet;
import io.portredirect.protocol.metrics.PrometheusTextParser;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The client agent's counters on {@code /metrics}, one per JSON stats key, and {@code /healthz}. */
class AgentStatsMetricsTest {
    @Test
    void everyCounterAndGaugeIsScraped() throws Exception {
        AgentStats stats = new AgentStats();
        MetricRegistry registry = new MetricRegistry();
        stats.register(registry);
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry, () -> true,
                "redirect-client-agent")) {
            stats.inc(Counter.PROBES);
            stats.inc(Counter.PROBE_REDIRECTED);
            stats.inc(Counter.CACHE_HITS);
            stats.inc(Counter.CACHE_HITS);
            stats.inc(Counter.FALLBACKS);
            stats.inc(Counter.PROBE_TIMED_OUT);
            stats.add(Counter.BYTES_UP, 1500);
            stats.activeConnections().set(3);
            String base = "http://127.0.0.1:" + e.address().getPort();
            HttpResponse<String> m = HttpGet.get(URI.create(base + "/metrics"));
            assertEquals(200, m.statusCode());
            PrometheusTextParser.Exposition x = PrometheusTextParser.parse(m.body());
            assertEquals(1, x.value("portredirect_client_agent_probes_total"));
            assertEquals(1, x.value("portredirect_client_agent_probe_redirected_total"));
            assertEquals(2, x.value("portredirect_client_agent_cache_hits_total"));
            assertEquals(1, x.value("portredirect_client_agent_fallbacks_total"));
            assertEquals(1, x.value("portredirect_client_agent_probe_timed_out_total"));
            assertEquals(1500, x.value("portredirect_client_agent_bytes_up_total"));
            assertEquals(0, x.value("portredirect_client_agent_udp_dropped_total"));
            assertEquals(3, x.value("portredirect_client_agent_active_connections"));
            assertEquals("gauge", x.types().get("portredirect_client_agent_pending_probes"));
            for (Counter c : Counter.values()) {
                assertEquals("counter", x.types().get("portredirect_client_agent_" + c.key() + "_total"), c.key());
            }
            assertEquals(Counter.values().length + 2, x.types().size());
            assertEquals(200, HttpGet.get(URI.create(base + "/healthz")).statusCode());
        }
    }
}
