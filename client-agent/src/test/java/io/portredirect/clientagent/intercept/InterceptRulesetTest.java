package io.portredirect.clientagent.intercept;

import io.portredirect.protocol.io.NftBatch;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterceptRulesetTest {
    static final Intercept WEB = Intercept.parse("198.18.0.10:80");
    static final Intercept WEB6 = Intercept.parse("[2001:2::10]:80");
    static final Intercept DNS = Intercept.parse("198.18.0.10:53/udp");

    @Test
    void bodyHasTheHitTheMissAndTheAgentsOwnExemption() {
        Map<Intercept, Integer> listeners = new LinkedHashMap<>();
        listeners.put(WEB, 41001);
        listeners.put(WEB6, 41002);
        String body = InterceptRuleset.body(listeners, 8);
        // the agent's own upstream connections first, by their DSCP
        assertTrue(body.contains("\t\ttype nat hook output priority -100; policy accept;\n\t\tip dscp 43 accept\n\t\tip6 dscp 43 accept\n"), body);
        // hit: the kernel DNATs by VIP . port . a random slot
        assertTrue(body.contains("meta nfproto ipv4 meta l4proto tcp dnat ip to ip daddr . tcp dport . numgen random mod 8 map @negotiated_tcp_v4\n"), body);
        assertTrue(body.contains("meta nfproto ipv6 meta l4proto udp dnat ip6 to ip6 daddr . udp dport . numgen random mod 8 map @negotiated_udp_v6\n"), body);
        // UDP has no miss path: no redirect for it
        assertFalse(body.contains("udp meta l4proto @agent_alive"), body);
        // miss: to the listener, only while the agent renews its element
        assertTrue(body.contains("meta nfproto ipv4 meta l4proto tcp meta l4proto @agent_alive redirect to : ip daddr . tcp dport map @listeners_v4\n"),
                body);
        assertTrue(body.contains("elements = { 198.18.0.10 . 80 : 41001 }"), body);
        assertTrue(body.contains("elements = { 2001:2:0:0:0:0:0:10 . 80 : 41002 }"), body);
        assertTrue(body.contains("map negotiated_tcp_v6 {\n\t\ttypeof ip6 daddr . tcp dport . numgen random mod 8 : ip6 daddr . tcp dport\n\t\tflags timeout\n"), body);
        assertTrue(body.contains("map negotiated_udp_v4 {\n\t\ttypeof ip daddr . udp dport . numgen random mod 8 : ip daddr . udp dport\n\t\tflags timeout\n"), body);
        assertTrue(body.contains("set agent_alive {\n\t\ttype inet_proto\n\t\tflags timeout\n\t\ttimeout 1000ms\n\t}"), body);
        assertEquals(InterceptRuleset.DSCP << 2, InterceptRuleset.TRAFFIC_CLASS);
    }

    @Test
    void negotiatedUpdateReplacesEveryElementWithItsTimeLeft() {
        String t = InterceptRuleset.negotiatedUpdate(List.of(
                new InterceptRuleset.Element(WEB, 0, 8001, Duration.ofMillis(5500)),
                new InterceptRuleset.Element(WEB, 3, 8002, Duration.ofSeconds(60)),
                new InterceptRuleset.Element(WEB6, 1, 8003, Duration.ofSeconds(2)),
                new InterceptRuleset.Element(DNS, 1, 5301, Duration.ofSeconds(3)),
                new InterceptRuleset.Element(WEB, 2, 8003, Duration.ZERO)));
        assertEquals("flush map inet portredirect_intercept negotiated_tcp_v4\n"
                + "add element inet portredirect_intercept negotiated_tcp_v4 { 198.18.0.10 . 80 . 0 timeout 5500ms : 198.18.0.10 . 8001, "
                + "198.18.0.10 . 80 . 3 timeout 60000ms : 198.18.0.10 . 8002 }\n"
                + "flush map inet portredirect_intercept negotiated_udp_v4\n"
                + "add element inet portredirect_intercept negotiated_udp_v4 { 198.18.0.10 . 53 . 1 timeout 3000ms : 198.18.0.10 . 5301 }\n"
                + "flush map inet portredirect_intercept negotiated_tcp_v6\n"
                + "add element inet portredirect_intercept negotiated_tcp_v6 { 2001:2:0:0:0:0:0:10 . 80 . 1 timeout 2000ms : 2001:2:0:0:0:0:0:10 . 8003 }\n"
                + "flush map inet portredirect_intercept negotiated_udp_v6\n", t);
        assertFalse(InterceptRuleset.negotiatedUpdate(List.of()).contains("add element"));
    }

    @Test
    void theNetlinkUpdateIsTheSameTransactionAsTheText() {
        List<InterceptRuleset.Element> elements = List.of(
                new InterceptRuleset.Element(WEB, 0, 8001, Duration.ofMillis(5500)),
                new InterceptRuleset.Element(WEB, 3, 8002, Duration.ofSeconds(60)),
                new InterceptRuleset.Element(WEB6, 1, 8003, Duration.ofSeconds(2)),
                new InterceptRuleset.Element(DNS, 1, 5301, Duration.ofSeconds(3)),
                new InterceptRuleset.Element(WEB, 2, 8003, Duration.ZERO));
        NftBatch b = new NftBatch().begin(1);
        InterceptRuleset.negotiatedUpdate(b, elements);
        String t = "inet portredirect_intercept negotiated_";
        assertEquals("flush set " + t + "tcp_v4; add element " + t + "tcp_v4 (2 elements); "
                + "flush set " + t + "udp_v4; add element " + t + "udp_v4 (1 element); "
                + "flush set " + t + "tcp_v6; add element " + t + "tcp_v6 (1 element); "
                + "flush set " + t + "udp_v6", b.toString());
        // key 198.18.0.10 . 80 . slot 3 (host order) and value 198.18.0.10 . 8002, each field in a 4-byte slot
        byte[] slot3 = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(3).array();
        assertTrue(contains(b.end().buffer(), new byte[] {(byte) 198, 18, 0, 10, 0, 80, 0, 0, slot3[0], slot3[1], slot3[2], slot3[3]}));
        assertTrue(contains(b.buffer(), new byte[] {(byte) 198, 18, 0, 10, 0x1f, 0x42, 0, 0}));
    }

    private static boolean contains(ByteBuffer buf, byte[] want) {
        byte[] all = new byte[buf.remaining()];
        buf.get(all);
        for (int i = 0; i + want.length <= all.length; i++) {
            if (Arrays.equals(all, i, i + want.length, want, 0, want.length)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aliveRenewalRestartsTheElementsTimeout() {
        assertEquals("add element inet portredirect_intercept agent_alive { tcp }\n"
                + "delete element inet portredirect_intercept agent_alive { tcp }\n"
                + "add element inet portredirect_intercept agent_alive { tcp }\n", InterceptRuleset.aliveRenewal());
    }

    @Test
    void parsesBothFamilies() throws Exception {
        assertEquals(InetAddress.getByName("2001:2::10"), WEB6.vip());
        assertEquals(80, WEB6.port());
        assertTrue(WEB.ipv4());
        assertFalse(WEB6.ipv4());
        assertEquals("198.18.0.10:80", WEB.toString());
        assertEquals("198.18.0.10:53/udp", DNS.toString());
        assertTrue(DNS.udp());
        assertEquals(WEB, Intercept.parse("198.18.0.10:80/tcp"));
        assertEquals("[2001:2:0:0:0:0:0:10]:53/udp", Intercept.parse("[2001:2::10]:53/udp").toString());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Intercept.parse("198.18.0.10:80/sctp"));
    }
}
