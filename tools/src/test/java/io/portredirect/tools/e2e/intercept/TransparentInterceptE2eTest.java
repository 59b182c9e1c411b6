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
 * VIP:80 as if there were no agent (its legacy owner s1 serves them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@LabTest
class TransparentInterceptE2eTest {
    @RegisterExtension
    static final LabExtension<E2eLab> LAB = LabExtension.of(() -> E2eLab.up("prti", E2eLab.options(), "curl"));

    static final String VIP = E2eLab.VIP4;
    static final int SPREAD = 16;
    static final int CONNECTIONS = 120;
    /** Short, so the killed agent's negotiated ports run out within the test. */
    static final Duration TTL = Duration.ofSeconds(8);
    static final Pattern ELEMENT = Pattern.compile("198\\.18\\.0\\.10 \\. 80 \\. (\\d+) timeout \\S+ expires \\S+ : 198\\.18\\.0\\.10 \\. (\\d+)");

    static E2eLab lab;
    static ClientAgentProcess agent;

    @BeforeAll
    static void up(E2eLab fixture) throws Exception {
        lab = fixture;
        AgentStack stack = AgentStack.on(lab)
                .clientAgent("transparent", ClientAgentYaml.builder().vip(VIP, "8000-8999").intercept(VIP + ":80")
                        .interceptSpread(SPREAD).cacheTtl(TTL.toSeconds() + "s").build())
                .start();
        agent = stack.client("transparent");
    }

    /** slot -> service port, as the kernel holds them now. */
    static Map<Integer, Integer> negotiated() {
        String map = lab.run("client", 5, "nft", "list", "map", "inet", "portredirect_intercept", "negotiated_v4").output();
        Map<Integer, Integer> out = new TreeMap<>();
        Matcher m = ELEMENT.matcher(map);
        while (m.find()) {
            out.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
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
        assertEquals(CONNECTIONS, appSyns.stream().filter(s -> s.dstPort() >= 8001 && s.dstPort() <= 8003).count(), cap.dump());
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

    @Test
    @Order(2)
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
