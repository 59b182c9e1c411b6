package io.portredirect.balancer.health;

import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where each server's probe goes and comes from, without a network. */
class ProbeTargetTest {
    private static ForwardingTables tables() throws Exception {
        return ForwardingTables.build(Fixtures.config(HealthTablesTest.YAML), iface -> Fixtures.NET_MAC.clone(), (i, a) -> null, Set.of());
    }

    @Test
    void anL2ServerIsProbedAtTheVipFromTheInterfacesOwnAddress() throws Exception {
        ForwardingTables t = tables();
        ProbeTarget p = ProbeTarget.resolve(t, 0, List.of(Fixtures.ip("fe80::1"), Fixtures.ip("198.18.11.1"))).target();
        assertEquals(Fixtures.ip("198.18.0.10"), p.dst());
        assertEquals(Fixtures.ip("198.18.11.1"), p.src());
        assertEquals(80, p.port());
        assertEquals("srv1", p.iface());
        assertEquals("02:00:00:00:11:02", io.portredirect.protocol.packet.Bytes.mac(p.dstMac(), 0));
    }

    @Test
    void withoutAnIpv4AddressTheIpv6VipIsProbedFromAGlobalIpv6Address() throws Exception {
        ProbeTarget p = ProbeTarget.resolve(tables(), 0, List.of(Fixtures.ip("fe80::1"), Fixtures.ip("2001:2:0:11::1"))).target();
        assertEquals(Fixtures.ip("2001:2::10"), p.dst());
        assertEquals(Fixtures.ip("2001:2:0:11::1"), p.src());
    }

    @Test
    void aConfiguredSourceNeedsNoAddressOnTheInterface() throws Exception {
        ProbeTarget p = ProbeTarget.resolve(tables(), 1, List.of()).target();
        assertEquals(Fixtures.ip("198.18.99.1"), p.src());
        assertEquals(Fixtures.ip("198.18.0.10"), p.dst());
    }

    @Test
    void anL3ServerIsProbedAtItsOwnAddress() throws Exception {
        String yaml = HealthTablesTest.YAML.replace("ip: 198.18.13.2, weight: 1, service-ports: [\"8003\"]}",
                "ip: 198.18.13.2, weight: 1, service-ports: [\"8003\"], health: {port: 8003}}");
        ForwardingTables t = ForwardingTables.build(Fixtures.config(yaml), iface -> Fixtures.NET_MAC.clone(), (i, a) -> null, Set.of());
        ProbeTarget p = ProbeTarget.resolve(t, 2, List.of(Fixtures.ip("198.18.13.1"))).target();
        assertEquals(Fixtures.ip("198.18.13.2"), p.dst());
        assertEquals(8003, p.port());
    }

    @Test
    void noAddressAndNoSourceIsAProblemNamingTheKey() throws Exception {
        ProbeTarget.Resolved r = ProbeTarget.resolve(tables(), 0, List.of(Fixtures.ip("fe80::1")));
        assertNull(r.target());
        assertTrue(r.problem().contains("health.source"), r.problem());
    }
}
