package io.portredirect.protocol.metrics;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsEndpointTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> send(String method, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheRegistryAndHealth() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        LongAdder hits = new LongAdder();
        metrics.counter("t_hits", "Hits by \"kind\".", List.of("server", "direction"),
                s -> s.sample(hits.sum(), "a\"b\\c\nd", "to_server"));
        metrics.gauge("t_up", "Up.", List.of(), s -> s.sample(1));
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), metrics, healthy::get, "test")) {
            String base = "http://127.0.0.1:" + e.address().getPort();
            hits.add(12_345_678_901L);
            HttpResponse<String> m = send("GET", URI.create(base + "/metrics"));
            assertEquals(200, m.statusCode());
            assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            // declared label order and integral values as integers, as the scripts read them
            assertTrue(m.body().contains("t_hits_total{server=\"a\\\"b\\\\c\\nd\",direction=\"to_server\"} 12345678901\n"), m.body());
            PrometheusTextParser.Exposition x = PrometheusTextParser.parse(m.body());
            assertEquals(Map.of("t_hits_total", "counter", "t_up", "gauge"), x.types());
            assertEquals(12_345_678_901.0, x.value("t_hits_total", "server", "a\"b\\c\nd", "direction", "to_server"));
            assertEquals(1.0, x.value("t_up"));
            assertEquals(200, send("GET", URI.create(base + "/healthz")).statusCode());
            healthy.set(false);
            assertEquals(503, send("GET", URI.create(base + "/healthz")).statusCode());
            assertEquals(405, send("POST", URI.create(base + "/metrics")).statusCode());
            assertEquals(404, send("GET", URI.create(base + "/other")).statusCode());
        }
    }

    @Test
    void infoMetricIsAGaugeOfOneWithTheInfoSuffix() {
        MetricRegistry metrics = new MetricRegistry();
        String[] digest = {"0123456789ab"};
        metrics.info("t_config", "Which config runs.", List.of("digest", "generation"), s -> s.sample(1, digest[0], "3"));
        assertTrue(metrics.scrapeText().contains("# TYPE t_config_info gauge\nt_config_info{digest=\"0123456789ab\",generation=\"3\"} 1\n"),
                metrics.scrapeText());
        digest[0] = "ba9876543210";
        assertTrue(metrics.scrapeText().contains("t_config_info{digest=\"ba9876543210\",generation=\"3\"} 1\n"), metrics.scrapeText());
    }

    @Test
    void aFailingCallbackGives500NotAHang() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        metrics.counter("t_boom", "Fails.", List.of(), s -> {
            throw new IllegalStateException("boom");
        });
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), metrics, () -> true, "test")) {
            HttpResponse<String> m = send("GET", URI.create("http://127.0.0.1:" + e.address().getPort() + "/metrics"));
            assertEquals(500, m.statusCode());
            assertTrue(m.body().contains("boom"));
        }
    }

    @Test
    void metricsComeOutInRegistrationOrderAndValuesAsIntegers() {
        MetricRegistry metrics = new MetricRegistry();
        metrics.gauge("t_zeta", "Last by name, first registered.", List.of(), s -> s.sample(7));
        metrics.counter("t_alpha", "First by name.", List.of("b", "a"), s -> s.sample(2, "x", "y"));
        assertEquals("# HELP t_zeta Last by name, first registered.\n# TYPE t_zeta gauge\nt_zeta 7\n"
                + "# HELP t_alpha_total First by name.\n# TYPE t_alpha_total counter\nt_alpha_total{b=\"x\",a=\"y\"} 2\n",
                metrics.scrapeText());
    }

    @Test
    void nonIntegralValuesKeepTheirFraction() {
        StringBuilder sb = new StringBuilder();
        PrometheusText.value(sb, 0.25);
        sb.append(' ');
        PrometheusText.value(sb, Double.POSITIVE_INFINITY);
        assertEquals("0.25 +Inf", sb.toString());
    }

    @Test
    void parsesListenAddresses() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9100), MetricsEndpoint.parseListen("127.0.0.1:9100"));
        assertEquals(new InetSocketAddress("::1", 9100), MetricsEndpoint.parseListen("[::1]:9100"));
        assertEquals(new InetSocketAddress("0.0.0.0", 80), MetricsEndpoint.parseListen("*:80"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parseListen("9100"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parseListen("host:x"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parseListen("host:70000"));
    }
}
