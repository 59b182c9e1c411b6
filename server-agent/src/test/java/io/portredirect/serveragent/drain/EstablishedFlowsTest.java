package io.portredirect.serveragent.drain;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EstablishedFlowsTest {
    @Test
    void parsesConnectionLinesWithTheirTcpInfo() throws Exception {
        String out = "0      0      198.18.0.10:8001 198.18.1.2:43300\n"
                + "\t cubic wscale:7,10 rto:204 rcv_space:14480 rcv_ssthresh:64088 minrtt:0.019\n"
                + "0      0      [::ffff:198.18.0.10]:8002 [::ffff:198.18.1.2]:43301\n"
                + "0      0      198.18.0.99:8001 198.18.1.2:43302\n"
                + "\t cubic wscale:7,7\n"
                + "0      0      198.18.0.10:22 198.18.1.2:43303\n";
        List<Flow> flows = EstablishedFlows.parse(out, List.of(8001, 8002), List.of(InetAddress.getByName("198.18.0.10")));
        assertEquals(2, flows.size());
        Flow a = flows.get(0);
        assertEquals(new InetSocketAddress("198.18.0.10", 8001), a.server());
        assertEquals(new InetSocketAddress("198.18.1.2", 43300), a.client());
        assertEquals(64088 >> 10, a.windowField());
        Flow mapped = flows.get(1);
        assertEquals(new InetSocketAddress("198.18.0.10", 8002), mapped.server(), "v4-mapped addresses are IPv4");
        assertEquals(0xFFFF, mapped.windowField(), "no TCP info: largest unscaled window");
        assertEquals(3, EstablishedFlows.parse(out, List.of(8001, 8002), List.of()).size(), "no VIP filter");
    }
}
