package io.portredirect.balancer.ops;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

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
    void servesEverySourceAndHealth() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0),
                List.of(out -> out.append("a_total 1\n"), out -> out.append("b_total 2\n")), healthy::get)) {
            String base = "http://127.0.0.1:" + e.address().getPort();
            HttpResponse<String> m = send("GET", URI.create(base + "/metrics"));
            assertEquals(200, m.statusCode());
            assertEquals("a_total 1\nb_total 2\n", m.body());
            assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertEquals(200, send("GET", URI.create(base + "/healthz")).statusCode());
            healthy.set(false);
            assertEquals(503, send("GET", URI.create(base + "/healthz")).statusCode());
            assertEquals(405, send("POST", URI.create(base + "/metrics")).statusCode());
            assertEquals(404, send("GET", URI.create(base + "/other")).statusCode());
        }
    }

    @Test
    void aFailingSourceGives500NotAHang() throws Exception {
        try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0),
                List.of(out -> {
                    throw new IllegalStateException("boom");
                }), () -> true)) {
            HttpResponse<String> m = send("GET", URI.create("http://127.0.0.1:" + e.address().getPort() + "/metrics"));
            assertEquals(500, m.statusCode());
            assertTrue(m.body().contains("boom"));
        }
    }

    @Test
    void parsesListenSpecs() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9100), MetricsEndpoint.parseListen("127.0.0.1:9100"));
        assertEquals(new InetSocketAddress("::1", 9100), MetricsEndpoint.parseListen("[::1]:9100"));
        assertEquals(new InetSocketAddress("0.0.0.0", 80), MetricsEndpoint.parseListen("*:80"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parseListen("9100"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parseListen("host:x"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parseListen("host:70000"));
    }
}
