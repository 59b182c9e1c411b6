package io.portredirect.balancer.metrics;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigDigest;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.Rule;
import io.portredirect.protocol.metrics.MetricRegistry;
import io.portredirect.protocol.metrics.MetricsEndpoint;
import io.portredirect.protocol.metrics.HttpGet;
import io.portredirect.protocol.metrics.PrometheusTextParser;
import io.portredirect.protocol.wire.MalformedReason;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The balancer's counters through the shared endpoint: the names and labels scrapers rely on. */
class BalancerMetricsEndpointTest {
    @Test
    void scrapesTheCountersByTheirExistingNames() throws Exception {
        BalancerCounters c = new BalancerCounters();
        MetricRegistry registry = new MetricRegistry();
        c.register(registry);
        ServerCounters s1 = c.server("s1");
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry, () -> true, "redirect-balancer")) {
            c.countDecision(Rule.ICMP_ERROR_SERVICE_PORT.ordinal());
            c.countDrop(DropReason.MALFORMED.ordinal());
            c.countMalformed(MalformedReason.UDP_BAD_OCS);
            c.countNetworkFrame();
            s1.toServer(100);
            s1.toServer(60);
            c.redirectPort(80, "tcp").negotiation();
            String base = "http://127.0.0.1:" + e.address().getPort();
            HttpResponse<String> m = HttpGet.get(URI.create(base + "/metrics"));
            assertEquals(200, m.statusCode());
            PrometheusTextParser.Exposition x = PrometheusTextParser.parse(m.body());
            for (String name : new String[] {"frames_total", "server_packets_total", "server_bytes_total", "redirect_negotiations_total",
                "decisions_total", "drops_total", "malformed_options_total", "parse_errors_total"}) {
                assertEquals("counter", x.types().get("portredirect_balancer_" + name), name);
            }
            assertEquals(1, x.value("portredirect_balancer_decisions_total", "rule", "icmp_error_service_port"));
            assertEquals(0, x.value("portredirect_balancer_decisions_total", "rule", "service_port"));
            assertEquals(1, x.value("portredirect_balancer_drops_total", "reason", "malformed"));
            assertEquals(1, x.value("portredirect_balancer_malformed_options_total", "reason", "udp_bad_ocs"));
            assertEquals(1, x.value("portredirect_balancer_frames_total", "side", "network"));
            assertEquals(2, x.value("portredirect_balancer_server_packets_total", "server", "s1", "direction", "to_server"));
            assertEquals(160, x.value("portredirect_balancer_server_bytes_total", "server", "s1", "direction", "to_server"));
            assertEquals(1, x.value("portredirect_balancer_redirect_negotiations_total", "port", "80", "protocol", "tcp"));
            // lab scripts match these lines literally (label order, integer value)
            assertTrue(m.body().contains("portredirect_balancer_server_packets_total{server=\"s1\",direction=\"to_server\"} 2\n"), m.body());
            assertTrue(m.body().contains("portredirect_balancer_decisions_total{rule=\"icmp_error_service_port\"} 1\n"), m.body());
            assertEquals(Map.of("server", "s1", "direction", "to_network"),
                    x.samples().stream().filter(p -> p.name().equals("portredirect_balancer_server_packets_total")
                            && p.labels().get("direction").equals("to_network")).findFirst().orElseThrow().labels());
            HttpResponse<String> h = HttpGet.get(URI.create(base + "/healthz"));
            assertEquals(200, h.statusCode());
            assertEquals("ok\n", h.body());
        }
    }

    @Test
    void configInfoCarriesTheDigestAndGenerationAndFollowsReloads() throws Exception {
        Path sample = Path.of(System.getProperty("portredirect.root", "..")).resolve("testdata/balancer/sample.yaml");
        BalancerConfig first = ConfigLoader.load(sample);
        AtomicReference<ConfigInfo.Applied> applied = new AtomicReference<>();
        MetricRegistry registry = new MetricRegistry();
        ConfigInfo.register(registry, applied::get);
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry, () -> true, "redirect-balancer")) {
            URI metrics = URI.create("http://127.0.0.1:" + e.address().getPort() + "/metrics");
            assertTrue(!HttpGet.get(metrics).body().contains("portredirect_balancer_config_info{"), "nothing before the first apply");
            applied.set(new ConfigInfo.Applied(first, 1));
            String body = HttpGet.get(metrics).body();
            assertTrue(body.contains("# TYPE portredirect_balancer_config_info gauge\n"), body);
            assertTrue(body.contains("portredirect_balancer_config_info{digest=\"" + ConfigDigest.of(first) + "\",generation=\"1\"} 1\n"), body);
            BalancerConfig reloaded = ConfigLoader.parse(Files.readString(sample).replace("\"10021\"", "\"10022\""), "sample.yaml");
            applied.set(new ConfigInfo.Applied(reloaded, 2));
            body = HttpGet.get(metrics).body();
            assertTrue(body.contains("portredirect_balancer_config_info{digest=\"" + ConfigDigest.of(reloaded) + "\",generation=\"2\"} 1\n"), body);
            assertEquals(1, body.lines().filter(l -> l.startsWith("portredirect_balancer_config_info{")).count(), body);
        }
    }
}
