package io.portredirect.balancer.health;

import io.portredirect.balancer.nft.NftRuleset;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.testing.Fixtures;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.TcpView;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Answers to health probes are not return traffic: neither path sends them to the next hop. */
class ProbeAnswersTest {
    private static byte[] answer(String from, int sport, String to, int dport) {
        return CraftedPacket.builder().ethernet(Fixtures.A_MAC, Fixtures.A_SIDE_MAC).src(Fixtures.ip(from), sport).dst(Fixtures.ip(to), dport)
                .tcp(TcpView.SYN | TcpView.ACK).seq(1).ack(2).build().encode();
    }

    @Test
    void onlyTcpToAProbeSourceAndAProbePortIsAnAnswer() {
        ProbeAnswers a = ProbeAnswers.of(List.of(Fixtures.ip("198.18.13.1"), Fixtures.ip("2001:2:0:13::1")));
        assertTrue(a.isAnswer(answer("198.18.13.2", 80, "198.18.13.1", 61900), 60));
        byte[] v6 = answer("2001:2:0:13::2", 80, "2001:2:0:13::1", 61999);
        assertTrue(a.isAnswer(v6, v6.length));
        assertFalse(a.isAnswer(answer("198.18.13.2", 80, "198.19.1.7", 61900), 60), "a client that happens to use port 61900");
        assertFalse(a.isAnswer(answer("198.18.13.2", 80, "198.18.13.1", 61899), 60));
        byte[] udp = CraftedPacket.builder().ethernet(Fixtures.A_MAC, Fixtures.A_SIDE_MAC).src(Fixtures.ip("198.18.13.2"), 80)
                .dst(Fixtures.ip("198.18.13.1"), 61900).udp().build().encode();
        assertFalse(a.isAnswer(udp, udp.length));
    }

    @Test
    void theRulesetPassesAnswersOnlyWhereServersAreChecked() throws Exception {
        String checked = HealthTablesTest.YAML.replace("ip: 198.18.13.2, weight: 1, service-ports: [\"8003\"]}",
                "ip: 198.18.13.2, weight: 1, service-ports: [\"8003\"], health: {port: 80, source: 198.18.99.1}}");
        String text = NftRuleset.render(ForwardingTables.build(Fixtures.config(checked), i -> Fixtures.NET_MAC.clone(), (i, x) -> null,
                Set.of()), 1);
        assertTrue(text.contains("meta protocol ip meta l4proto tcp th dport 61900-61999 fib daddr type local counter name "
                + "pass_health_answer return"), text);
        assertTrue(text.contains("ip daddr 198.18.99.1 meta l4proto tcp th dport 61900-61999"), text);
        String plain = NftRuleset.render(Fixtures.tables(HealthTablesTest.YAML), 1);
        assertFalse(plain.contains("pass_health_answer"), "s3 (the only l3 server) is not checked: the ruleset is as before");
    }
}
