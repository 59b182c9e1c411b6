package io.portredirect.tools.e2e.agents;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.metrics.PrometheusTextParser;
import io.portredirect.protocol.metrics.PrometheusTextParser.Exposition;
import io.portredirect.protocol.metrics.PrometheusTextParser.Sample;
import io.portredirect.tools.e2e.support.BalancerYaml;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.ClientAgentYaml;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.ServerAgentProcess;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator's scraper sees (prefix "prim"): the balancer, the server agents of s1..s3 and
 * a client agent, each started with {@code --metrics 127.0.0.1:PORT} in its own namespace, are
 * fetched with curl there after 30 negotiated connections, and each text is parsed by a strict
 * Prometheus text-format parser: the counters agree with the traffic sent, and every program
 * exports the digest of the config it runs.
 */
@LabTest
class ProgramMetricsE2eTest {
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up("prim", E2eLab.options(), "curl"));

    static final int LISTEN = 8080;
    static final int CONNECTIONS = 30;
    static final String AGENT_METRICS = "127.0.0.1:9200";

    @Test
    void everyProgramServesItsCountersOnMetrics() throws Exception {
        E2eLab lab = LAB.get();
        lab.startBalancer(BalancerYaml.lab());
        List<ServerAgentProcess> servers = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            servers.add(lab.launchServerAgent(n, ServerAgentYaml.forServer(n), "--metrics", AGENT_METRICS));
        }
        for (ServerAgentProcess s : servers) {
            s.awaitReady();
        }
        ClientAgentProcess client = lab.launchClientAgent("nocache", "client",
                ClientAgentYaml.builderForLab(LISTEN).sourcePorts("61000-61999").cacheTtl("0s").build(), "--metrics", AGENT_METRICS);
        client.awaitReady();

        for (int i = 0; i < CONNECTIONS; i++) {
            CommandResult r = lab.run("client", 15, "curl", "-s", "-S", "-m", "5", "http://127.0.0.1:" + LISTEN + "/");
            assertEquals(0, r.exit(), r + "\n" + lab.diagnostics());
        }

        Exposition balancer = scrape(lab, "gw", "127.0.0.1:9100");
        // every negotiation is a probe SYN and its RST, both carrying REDIRECT to port 80
        assertTrue(balancer.value("portredirect_balancer_redirect_negotiations_total", "port", "80", "protocol", "tcp") >= 2 * CONNECTIONS,
                balancer.samples().toString());
        String balancerDigest = digest(balancer, "portredirect_balancer_config_info");

        double answered = 0;
        for (int n = 1; n <= 3; n++) {
            Exposition s = scrape(lab, "s" + n, AGENT_METRICS);
            double port = s.value("portredirect_server_agent_service_port_answers_total", "port", "800" + n);
            assertEquals(port, s.value("portredirect_server_agent_packets_total", "verdict", "syn_ack"),
                    "s" + n + ": every SYN-ACK named its one service port");
            assertEquals(1, s.value("portredirect_server_agent_nft_guard_installed"), "s" + n + "'s guard is in place");
            digest(s, "portredirect_server_agent_config_info");
            answered += port;
        }
        assertTrue(answered >= CONNECTIONS, "the three server agents answered every probe (a retransmitted probe SYN is answered again): " + answered);

        Exposition c = scrape(lab, "client", AGENT_METRICS);
        assertTrue(c.value("portredirect_client_agent_probes_total") >= CONNECTIONS, c.samples().toString());
        assertEquals(CONNECTIONS, c.value("portredirect_client_agent_probe_redirected_total"));
        digest(c, "portredirect_client_agent_config_info");
        assertEquals(12, balancerDigest.length(), balancerDigest);
    }

    /** curl inside the program's namespace, as an operator on that host would, then the strict parser. */
    private static Exposition scrape(E2eLab lab, String shortNs, String address) {
        CommandResult r = lab.run(shortNs, 10, "curl", "-s", "-S", "-m", "5", "http://" + address + "/metrics");
        assertEquals(0, r.exit(), shortNs + ": " + r);
        return PrometheusTextParser.parse(r.output());
    }

    private static String digest(Exposition e, String name) {
        List<Sample> info = e.samples().stream().filter(s -> s.name().equals(name)).toList();
        assertEquals(1, info.size(), name + " in " + e.samples());
        assertEquals(1.0, info.get(0).value(), name);
        String d = info.get(0).labels().get("digest");
        assertTrue(d != null && d.matches("[0-9a-f]{12}"), name + ": " + info.get(0));
        return d;
    }
}
