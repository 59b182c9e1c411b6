package io.portredirect.balancer.crosscheck;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.protocol.config.ConfigProblem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each disagreement on its own, from YAML text: the lines an operator reads. */
class ConfigCrossCheckTest {
    /** Two l2 servers and an l3 one; 80/tcp and 53/udp spread over all three. */
    static final String BALANCER = """
            vips: [198.18.0.10]
            network: {interface: net0, mac: auto, next-hop: [198.18.0.2], next-hop-mac: auto}
            servers:
              - {name: s1, interface: srv1, mac: 02:00:00:00:11:02, mode: l2, service-ports: ["8001", "9001/udp"]}
              - {name: s2, interface: srv2, mac: 02:00:00:00:12:02, mode: l2, service-ports: ["8002"]}
              - {name: s3, interface: srv3, mac: 02:00:00:00:13:02, mode: l3, ip: [198.18.13.2], service-ports: ["8003-8005"]}
            redirect-ports:
              - {port: 80, protocols: [tcp], group: [s1, s2, s3]}
              - {port: 53, protocols: [udp], group: [s1, s2, s3]}
            """;

    static String serverAgent(String vips, String redirectPorts, String servicePorts) {
        return "interface: eth0\n"
                + "vips: [" + vips + "]\n"
                + "redirect-ports: [" + redirectPorts + "]\n"
                + "service-ports: [" + servicePorts + "]\n";
    }

    static String clientAgent(String vip, String servicePorts, String target) {
        return """
                probe: {interface: eth0, source-ports: 61000-61099}
                vips:
                  - address: %s
                    service-ports: %s
                listeners:
                  - {listen: "127.0.0.1:8080", target: "%s"}
                """.formatted(vip, servicePorts, target);
    }

    /** Per-VIP ports: 8001 and redirect port 80 lead to a on one VIP and to x on the other. */
    static final String PER_VIP_BALANCER = """
            vips: [198.18.0.10, 198.18.0.20]
            network: {interface: net0, mac: auto, next-hop: [198.18.0.2], next-hop-mac: auto}
            servers:
              - {name: a, interface: srv1, mac: 02:00:00:00:11:02, mode: l2, service-ports: ["8001"], service-vips: [198.18.0.10]}
              - {name: x, interface: srv2, mac: 02:00:00:00:12:02, mode: l2, service-ports: ["8001"], service-vips: [198.18.0.20]}
            redirect-ports:
              - {port: 80, protocols: [tcp], group: [a], vips: [198.18.0.10]}
              - {port: 80, protocols: [tcp], group: [x], vips: [198.18.0.20]}
            """;

    private static List<String> check(String... agentFilesAndTexts) throws Exception {
        return checkAgainst(BALANCER, agentFilesAndTexts);
    }

    private static List<String> checkAgainst(String balancer, String... agentFilesAndTexts) throws Exception {
        BalancerConfig b = ConfigLoader.parse(balancer, "balancer.yaml");
        List<AgentFile> agents = new ArrayList<>();
        for (int i = 0; i < agentFilesAndTexts.length; i += 2) {
            agents.add(AgentFiles.parse(agentFilesAndTexts[i + 1], agentFilesAndTexts[i]));
        }
        return ConfigCrossCheck.check(b, agents).stream().map(ConfigProblem::toString).toList();
    }

    private static final String S1 = serverAgent("198.18.0.10", "80, 53", "8001");
    private static final String S2 = serverAgent("198.18.0.10", "80, 53", "8002");
    private static final String S3 = serverAgent("198.18.13.2", "80, 53", "8003, 8004, 8005");

    @Test
    void agreeingConfigsGiveNoFinding() throws Exception {
        assertEquals(List.of(), check("s1.yaml", S1, "s2.yaml", S2, "s3.yaml", S3,
                "client.yaml", clientAgent("198.18.0.10", "8000-8999", "198.18.0.10:80")));
    }

    @Test
    void perVipAgentsEachHoldingTheirVipAgree() throws Exception {
        assertEquals(List.of(), checkAgainst(PER_VIP_BALANCER,
                "a.yaml", serverAgent("198.18.0.10", "80", "8001"),
                "x.yaml", serverAgent("198.18.0.20", "80", "8001"),
                "client.yaml", clientAgent("198.18.0.10", "8001", "198.18.0.10:80")));
    }

    @Test
    void perVipAgentHoldingBothVipsLeadsToTwoServers() throws Exception {
        assertEquals(List.of("a.yaml:4: service-ports: lead to different balancer servers: a (8001), x (8001) (balancer.yaml); "
                        + "one agent answers for one server"),
                checkAgainst(PER_VIP_BALANCER, "a.yaml", serverAgent("198.18.0.10, 198.18.0.20", "80", "8001")));
    }

    @Test
    void perVipListenerTargetIsJudgedOnItsVip() throws Exception {
        String narrowed = PER_VIP_BALANCER.replace("group: [x], vips: [198.18.0.20]}", "group: [x], vips: [198.18.0.20]}\n"
                + "  - {port: 81, protocols: [tcp], group: [a], vips: [198.18.0.10]}");
        assertEquals(List.of("client.yaml:6: listeners[0].target: 198.18.0.20:81/tcp is neither a redirect port nor a service port "
                        + "of the balancer (balancer.yaml)"),
                checkAgainst(narrowed, "client.yaml", clientAgent("198.18.0.20", "8001", "198.18.0.20:81")));
    }

    @Test
    void serverAgentServicePortTheBalancerDoesNotRoute() throws Exception {
        assertEquals(List.of("s2.yaml:4: service-ports[1]: 8012 is not a service port of any balancer server (balancer.yaml)"),
                check("s2.yaml", serverAgent("198.18.0.10", "80, 53", "8002, 8012")));
    }

    @Test
    void onlyOneProtocolRoutedIsNamed() throws Exception {
        // s1's 9001 is UDP only in the balancer; an agent answering both would confirm 9001 over TCP too
        assertEquals(List.of("s1.yaml:4: service-ports[1]: 9001/tcp is not a service port of any balancer server (balancer.yaml)"),
                check("s1.yaml", serverAgent("198.18.0.10", "80, 53", "8001, 9001")));
    }

    @Test
    void servicePortsOfTwoServersInOneAgent() throws Exception {
        assertEquals(List.of("s1.yaml:4: service-ports: lead to different balancer servers: s1 (8001), s2 (8002) (balancer.yaml); "
                + "one agent answers for one server"), check("s1.yaml", serverAgent("198.18.0.10", "80, 53", "8001, 8002")));
    }

    @Test
    void addressTheBalancerDeliversThatTheAgentDoesNotHold() throws Exception {
        assertEquals(List.of("s3.yaml:2: vips: lacks 198.18.13.2: server s3 is l3, the balancer sends it packets to its own address "
                + "(balancer.yaml:6)"), check("s3.yaml", serverAgent("198.18.0.10", "80, 53", "8003")));
        assertEquals(List.of("s1.yaml:2: vips: lacks 198.18.0.10: server s1 is l2, the balancer sends it packets to the VIP "
                + "(balancer.yaml:1)"), check("s1.yaml", serverAgent("198.18.13.2", "80, 53", "8001")));
    }

    @Test
    void redirectPortsOnBothSides() throws Exception {
        // the agent answers 81 (no redirect port) and not 53/udp, which the balancer spreads over s2
        assertEquals(List.of(
                "s2.yaml:3: redirect-ports[1]: 81 is not a redirect port of the balancer (balancer.yaml)",
                "balancer.yaml:9: redirect-ports[1].group: 53/udp: member s2 has no server agent answering for it (s2.yaml)"),
                check("s2.yaml", serverAgent("198.18.0.10", "80, 81", "8002")));
        // s1 and s3 agents were not given: their servers are not judged
        assertEquals(List.of(), check("s2.yaml", S2));
    }

    @Test
    void redirectPortForTheOtherProtocolOnly() throws Exception {
        String udpOnly = "interface: eth0\nvips: [198.18.0.10]\nredirect-ports: [80, 53]\nservice-ports: [8002]\nprotocols: [udp]\n";
        assertEquals(List.of(
                "s2.yaml:3: redirect-ports[0]: 80/udp is not a redirect port of the balancer (balancer.yaml: only 80/tcp)",
                "balancer.yaml:8: redirect-ports[0].group: 80/tcp: member s2 has no server agent answering for it (s2.yaml)"),
                check("s2.yaml", udpOnly));
    }

    @Test
    void clientAgentVipRangeAndListener() throws Exception {
        String client = """
                probe: {interface: eth0, source-ports: 61000-61099}
                vips:
                  - address: 198.18.0.11
                    service-ports: 8000-8999
                  - address: 198.18.0.10
                    service-ports: [8001, 8003]
                listeners:
                  - {listen: "127.0.0.1:8080", target: "198.18.0.10:80"}
                  - {listen: "127.0.0.1:8443", target: "198.18.0.10:443"}
                  - {listen: "127.0.0.1:5353", target: "198.18.0.10:80", protocol: udp}
                  - {listen: "127.0.0.1:9001", target: "198.18.0.10:9001", protocol: udp}
                """;
        // no server agent given: any service port of a redirect group member may come back confirmed
        assertEquals(List.of(
                "client.yaml:3: vips[0].address: 198.18.0.11 is not a VIP of the balancer (balancer.yaml:1)",
                "client.yaml:6: vips[1].service-ports: misses 8002, 8004-8005, 9001, service ports of s1, s2, s3 (balancer.yaml): "
                        + "the agent would refuse a redirect to them",
                "client.yaml:9: listeners[1].target: 198.18.0.10:443/tcp is neither a redirect port nor a service port of the balancer "
                        + "(balancer.yaml)",
                "client.yaml:10: listeners[2].target: 198.18.0.10:80/udp is neither a redirect port nor a service port of the balancer "
                        + "(balancer.yaml)"),
                check("client.yaml", client));
    }

    @Test
    void interceptTargetsAreCheckedLikeListeners() throws Exception {
        String client = """
                probe: {interface: eth0, source-ports: 61000-61099}
                vips:
                  - address: 198.18.0.10
                    service-ports: 8000-9999
                intercept:
                  - 198.18.0.10:80
                  - 198.18.0.10:80/udp
                  - 198.18.0.10:443
                """;
        assertEquals(List.of(
                "client.yaml:7: intercept[1]: 198.18.0.10:80/udp is neither a redirect port nor a service port of the balancer (balancer.yaml)",
                "client.yaml:8: intercept[2]: 198.18.0.10:443/tcp is neither a redirect port nor a service port of the balancer (balancer.yaml)"),
                check("client.yaml", client).stream().filter(f -> f.contains("intercept")).toList());
    }

    @Test
    void givenServerAgentsNarrowWhatAClientMustAccept() throws Exception {
        // s1's agent confirms only 8001, so the client need not accept s1's 9001; s2 and s3 fall back to the balancer
        assertEquals(List.of("client.yaml:4: vips[0].service-ports: misses 8003-8005, service ports of s3 (balancer.yaml): "
                        + "the agent would refuse a redirect to them"),
                check("s1.yaml", S1, "s2.yaml", S2, "client.yaml", clientAgent("198.18.0.10", "8001-8002", "198.18.0.10:80")));
    }
}
