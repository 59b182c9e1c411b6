package io.portredirect.tools.e2e.intercept;

import io.portredirect.protocol.lab.Await;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.tools.e2e.support.AgentStack;
import io.portredirect.tools.e2e.support.Capture;
import io.portredirect.tools.e2e.support.ClientAgentProcess;
import io.portredirect.tools.e2e.support.ClientAgentYaml;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Segment;
import io.portredirect.tools.e2e.support.ServerAgentYaml;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transparent interception through the real balancer and server agents (prefix "prti"): a client
 * agent with {@code intercept: [VIP:80]} and no listener, and unmodified curl to the VIP. The
 * kernel DNATs each new connection to a negotiated service port itself; the agent probes only to
 * keep its {@value #SPREAD} slots filled. Killed, the agent leaves nothing that hangs: the miss
 * path switches off within a second and, once the negotiated ports time out, connections go to
 * VIP:80 as if there were no agent (its legacy owner s1 serves them). UDP ({@code VIP:9000/udp}):
 * the agent negotiates with empty datagrams of its own, and the kernel DNATs each new flow of an
 * unmodified UDP client to a negotiated port.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class TransparentInterceptE2eTest {
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up("prti", E2eLab.options(), "curl"));

    static final String VIP = E2eLab.VIP4;
    static final int SPREAD = 16;
    static final int CONNECTIONS = 120;
    /**
     * Short, so the killed agent's negotiated ports run out within the test; long enough that a
     * slot's refresh (in the last third) survives a few slow probes on a loaded machine.
     */
    static final Duration TTL = Duration.ofSeconds(15);
    /** One element of a negotiated map as nft lists it: VIP . port . slot ... : VIP . service port. */
    static final Pattern ELEMENT = Pattern.compile("(\\S+) \\. (\\d+) \\. (\\d+) timeout \\S+ expires \\S+ : \\S+ \\. (\\d+)");
    /** UDP flows (one socket each) of the unmodified UDP client. */
    static final int FLOWS = 60;

    static E2eLab lab;
    static ClientAgentProcess agent;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        AgentStack stack = AgentStack.on(lab)
                .serverAgents(n -> ServerAgentYaml.builderFor(n)
                        .vips(n == 3 ? List.of(E2eLab.serverAddress(3), "2001:2:0:13::2") : List.of(VIP, E2eLab.VIP6))
                        .redirectPorts(List.of(80, 9000)).servicePorts(List.of(8000 + n)).udpServicePorts(List.of(9000 + n))
                        .protocols(List.of("tcp", "udp")).build())
                .clientAgent("transparent", ClientAgentYaml.builder().vip(VIP, "8000-8999", "9001-9003").vip(E2eLab.VIP6, "8000-8999")
                        .intercept(VIP + ":80").intercept(VIP + ":9000/udp").intercept("[" + E2eLab.VIP6 + "]:80")
                        .interceptSpread(SPREAD).cacheTtl(TTL.toSeconds() + "s").build())
                .start();
        agent = stack.client("transparent");
    }

    /** slot -> service port of VIP:80 (TCP), as the kernel holds them now. */
    static Map<Integer, Integer> negotiated() {
        return negotiated("tcp", true, 80);
    }

    /** slot -> service port of the IPv4 or IPv6 VIP's {@code port} over {@code l4}, as the kernel holds them now. */
    static Map<Integer, Integer> negotiated(String l4, boolean v4, int port) {
        String map = lab.run("client", 5, "nft", "list", "map", "inet", "portredirect_intercept",
                "negotiated_" + l4 + (v4 ? "_v4" : "_v6")).output();
        Map<Integer, Integer> out = new TreeMap<>();
        Matcher m = ELEMENT.matcher(map);
        while (m.find()) {
            if (m.group(1).equals(v4 ? VIP : E2eLab.VIP6) && Integer.parseInt(m.group(2)) == port) {
                out.put(Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
            }
        }
        return out;
    }

    static String curl(String url) {
        CommandResult r = lab.run("client", 15, "curl", "-s", "-S", "-m", "5", url);
        assertEquals(0, r.exit(), url + ": " + r + "\n" + lab.diagnostics());
        return r.text().trim();
    }

    @Test
    @Order(1)
    void unmodifiedClientsSpreadOverTheGroupAndTheKernelConnectsThemItself() throws Exception {
        Await.until(Duration.ofSeconds(20), Duration.ofMillis(200), () -> negotiated().size() == SPREAD,
                () -> "slots filled: " + negotiated() + "\n" + agent.logTail());
        Map<Integer, Integer> slots = negotiated();
        Map<String, Integer> slotShare = new TreeMap<>();
        slots.values().forEach(p -> slotShare.merge("s" + (p - 8000), 1, Integer::sum));
        long accepted = agent.freshStat("connections");

        Capture cap = lab.capture("client", "eth0", "tcp and host " + VIP + " and tcp[tcpflags] & tcp-syn != 0");
        Map<String, Integer> tally = new TreeMap<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            tally.merge(curl("http://" + VIP + "/"), 1, Integer::sum);
        }
        List<Segment> syns = cap.stop();
        System.out.printf("intercept: %d unmodified connections to %s:80 -> %s; %d slots -> %s (weights s1:1 s2:2 s3:1)%n",
                CONNECTIONS, VIP, tally, SPREAD, slotShare);

        // on the wire: every application SYN went to a service port; VIP:80 saw only the agent's probes
        List<Segment> appSyns = syns.stream().filter(s -> s.isSyn() && !s.isSynAck() && (s.srcPort() < 61000 || s.srcPort() > 61099)).toList();
        // a connection is its port and initial sequence number (a lost SYN's retransmission repeats both)
        assertEquals(CONNECTIONS, appSyns.stream().filter(s -> s.dstPort() >= 8001 && s.dstPort() <= 8003).map(s -> s.srcPort() + "/" + s.seq())
                .distinct().count(), cap.dump());
        assertTrue(appSyns.stream().noneMatch(s -> s.dstPort() == 80), "no application SYN to VIP:80\n" + cap.dump());
        assertTrue(appSyns.stream().noneMatch(Segment::hasRedirectOption), "the kernel's SYNs are plain");
        // the agent relayed none of them: the kernel's map answered every one
        assertEquals(accepted, agent.freshStat("connections"), "connections through the agent");
        // spread: more than one server, each taking about its share of the slots
        assertTrue(tally.size() >= 2, "spread over the group: " + tally);
        for (Map.Entry<String, Integer> e : tally.entrySet()) {
            double expected = CONNECTIONS * slotShare.getOrDefault(e.getKey(), 0) / (double) SPREAD;
            assertTrue(Math.abs(e.getValue() - expected) <= 30, e.getKey() + ": " + e.getValue() + " connections, " + expected
                    + " expected from its slots " + slotShare);
        }
    }

    /**
     * An unmodified UDP client: {@value #FLOWS} sockets, each sends one datagram to VIP:9000 and
     * waits for the echo (sending again after 1 s, at most 3 times); prints "ok N" and each reply's
     * source.
     */
    static final String UDP_CLIENT = String.join("\n",
            "import socket, sys",
            "ok = 0",
            "for i in range(" + FLOWS + "):",
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "    s.settimeout(1)",
            "    msg = b'flow %d' % i",
            "    for attempt in range(3):",  // as a DNS client would: a lost datagram is sent again
            "        s.sendto(msg, ('" + VIP + "', 9000))",
            "        try:",
            "            data, peer = s.recvfrom(2048)",
            "            if data == msg:",
            "                ok += 1",
            "                print('from %s:%d' % peer)",
            "            break",
            "        except socket.timeout:",
            "            print('timeout', i, attempt)",
            "    s.close()",
            "print('ok', ok)");

    @Test
    @Order(2)
    void unmodifiedUdpFlowsGoToNegotiatedPortsWithoutADatagramSpentOnNegotiating() throws Exception {
        Await.until(Duration.ofSeconds(20), Duration.ofMillis(200), () -> negotiated("udp", true, 9000).size() == SPREAD,
                () -> "udp slots filled: " + negotiated("udp", true, 9000) + "\n" + agent.logTail());
        Map<String, Integer> slotShare = new TreeMap<>();
        negotiated("udp", true, 9000).values().forEach(p -> slotShare.merge("s" + (p - 9000), 1, Integer::sum));

        Capture cap = lab.capture("client", "eth0", "udp and host " + VIP);
        CommandResult r = lab.run("client", 60, "python3", "-c", UDP_CLIENT);
        List<Segment> datagrams = cap.stop();
        assertEquals(0, r.exit(), r.toString());
        System.out.printf("intercept udp: %s; %d slots -> %s%n", r.text().lines().filter(l -> l.startsWith("ok")).findFirst().orElse("?"),
                SPREAD, slotShare);
        assertTrue(r.text().lines().anyMatch(l -> l.equals("ok " + FLOWS)), "every flow answered:\n" + r.text()
                + "\nslots " + negotiated("udp", true, 9000) + "\n" + cap.dump() + "\n" + lab.diagnostics());
        // the application sees its peer as it addressed it, VIP:9000
        assertEquals(FLOWS, r.text().lines().filter(l -> l.equals("from " + VIP + ":9000")).count(), r.text());

        List<Segment> up = datagrams.stream().filter(d -> d.isUdp() && d.dst().equals(VIP)).toList();
        List<Segment> appUp = up.stream().filter(d -> d.payloadLength() > 0).toList();
        // every application datagram went to a service port, plain; none was spent on VIP:9000
        // at least one datagram a flow (a flow sends again when its answer is lost)
        assertTrue(appUp.size() >= FLOWS, appUp.size() + " datagrams\n" + cap.dump());
        assertTrue(appUp.stream().allMatch(d -> d.dstPort() >= 9001 && d.dstPort() <= 9003 && !d.hasRedirectOption()), cap.dump());
        // spread over the group by the slots
        Map<Integer, Long> byPort = new TreeMap<>();
        appUp.forEach(d -> byPort.merge(d.dstPort(), 1L, Long::sum));
        assertTrue(byPort.size() >= 2, "spread over the group: " + byPort);
        // what went to VIP:9000 were the agent's own empty REDIRECT datagrams (refreshes)
        assertTrue(up.stream().filter(d -> d.dstPort() == 9000).allMatch(d -> d.payloadLength() == 0 && d.redirect()), cap.dump());
        // ... which the server agents answered and their kernels kept from the applications on 9000
        long kept = 0;
        for (int n = 1; n <= 3; n++) {
            Matcher m = Pattern.compile("udp length 8 counter packets (\\d+)")
                    .matcher(lab.run("s" + n, 5, "nft", "list", "chain", "inet", "portredirect_server", "input").output());
            kept += m.find() ? Long.parseLong(m.group(1)) : 0;
        }
        assertTrue(kept >= SPREAD, "empty REDIRECT datagrams dropped before the applications: " + kept);
    }

    @Test
    @Order(3)
    void ipv6ClientsToo() throws Exception {
        Await.until(Duration.ofSeconds(20), Duration.ofMillis(200), () -> negotiated("tcp", false, 80).size() == SPREAD,
                () -> "v6 slots filled: " + negotiated("tcp", false, 80) + "\n" + agent.logTail());
        long accepted = agent.freshStat("connections");
        // libpcap cannot index TCP flags behind IPv6: every segment, SYNs picked out here
        Capture cap = lab.capture("client", "eth0", "ip6 and tcp and host " + E2eLab.VIP6);
        Map<String, Integer> tally = new TreeMap<>();
        int n = 40;
        for (int i = 0; i < n; i++) {
            tally.merge(curl("http://[" + E2eLab.VIP6 + "]/"), 1, Integer::sum);
        }
        List<Segment> appSyns = cap.stop().stream()
                .filter(x -> x.isSyn() && !x.isSynAck() && (x.srcPort() < 61000 || x.srcPort() > 61099)).toList();
        System.out.printf("intercept v6: %d unmodified connections to [%s]:80 -> %s%n", n, E2eLab.VIP6, tally);
        assertEquals(n, appSyns.stream().filter(x -> x.dstPort() >= 8001 && x.dstPort() <= 8003).map(x -> x.srcPort() + "/" + x.seq())
                .distinct().count(), cap.dump());
        assertTrue(appSyns.stream().noneMatch(x -> x.dstPort() == 80), "no application SYN to [VIP6]:80\n" + cap.dump());
        assertEquals(accepted, agent.freshStat("connections"), "connections through the agent");
        assertTrue(tally.size() >= 2, "spread over the group: " + tally);
    }

    @Test
    @Order(4)
    void aKilledAgentLeavesNothingThatHangs() throws Exception {
        int exit = agent.kill();
        assertTrue(exit != 0, "SIGKILL");
        long killedAt = System.nanoTime();
        // at once: the kernel's negotiated ports still serve, the miss path switches off within a second
        for (int i = 0; i < 10; i++) {
            assertTrue(curl("http://" + VIP + "/").matches("s[123]"));
        }
        // once they run out: plain VIP:80, the legacy owner s1, without the agent
        Await.until(TTL.plusSeconds(5), Duration.ofMillis(250), () -> negotiated().isEmpty(), () -> "negotiated ports left: " + negotiated());
        System.out.printf("intercept: negotiated ports gone %d ms after SIGKILL%n", (System.nanoTime() - killedAt) / 1_000_000);
        for (int i = 0; i < 10; i++) {
            assertEquals("s1", curl("http://" + VIP + "/"), "plain VIP:80 goes to its legacy owner");
        }
        // a new agent replaces the table the killed one left and intercepts again
        agent.restart();
        agent.awaitReady();
        Await.until(Duration.ofSeconds(20), Duration.ofMillis(200), () -> negotiated().size() == SPREAD, () -> agent.logTail());
        assertTrue(agent.log().contains("event=intercept_installed"), agent.logTail());
        assertTrue(curl("http://" + VIP + "/").matches("s[123]"));
    }
}
