package io.portredirect.balancer.health;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ConfigDigest;
import io.portredirect.balancer.config.HealthCheck;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The effective tables for a set of down servers: what leaves, what stays, what falls to the default server. */
class HealthTablesTest {
    static final String YAML = """
            vips: [198.18.0.10, 2001:2::10]
            network: {interface: net0, mac: 02:00:00:00:00:01, next-hop: 198.18.0.2, next-hop-mac: 02:00:00:00:00:02}
            servers:
              - {name: s1, interface: srv1, mac: 02:00:00:00:11:02, mode: l2, weight: 1, service-ports: ["8001"],
                 health: {port: 80}}
              - {name: s2, interface: srv2, mac: 02:00:00:00:12:02, mode: l2, weight: 2, service-ports: ["8002"],
                 health: {port: 80, interval: 500ms, timeout: 200ms, rise: 3, fall: 2, source: 198.18.99.1}}
              - {name: s3, interface: srv3, mac: 02:00:00:00:13:02, mode: l3, ip: 198.18.13.2, weight: 1, service-ports: ["8003"]}
              - {name: d, interface: srvd, mac: 02:00:00:00:14:02, mode: l2, service-ports: ["8004"]}
            redirect-ports:
              - {port: 80, protocols: [tcp], group: [s1, s2, s3], owner: s2}
              - {port: 443, protocols: [tcp], group: [s2], owner: s2}
            default-server: d
            table: {size: 65537}
            """;

    private static ForwardingTables tables(String yaml, Set<String> down) throws Exception {
        return ForwardingTables.build(Fixtures.config(yaml), iface -> Fixtures.NET_MAC.clone(), (i, a) -> null, down);
    }

    @Test
    void healthBlockIsReadWithDefaults() {
        BalancerConfig c = Fixtures.config(YAML);
        HealthCheck h1 = c.servers().get(0).health();
        assertEquals(new HealthCheck(80, Duration.ofSeconds(1), Duration.ofMillis(500), 2, 3, null), h1);
        HealthCheck h2 = c.servers().get(1).health();
        assertEquals(new HealthCheck(80, Duration.ofMillis(500), Duration.ofMillis(200), 3, 2, Fixtures.ip("198.18.99.1")), h2);
        assertNull(c.servers().get(2).health());
    }

    @Test
    void aDownServerLeavesItsGroupAndOnlyItsSlotsMove() throws Exception {
        ForwardingTables all = tables(YAML, Set.of());
        ForwardingTables without = tables(YAML, Set.of("s2"));
        short[] before = all.redirectTable(slotOf(all, 80));
        short[] after = without.redirectTable(slotOf(without, 80));
        int s2 = all.serverIndex("s2");
        int moved = 0;
        int[] gained = new int[all.serverCount()];
        for (int i = 0; i < before.length; i++) {
            if (before[i] == s2) {
                moved++;
                assertNotEquals(s2, after[i], "slot " + i + " still on the down server");
                gained[after[i]]++;
            } else {
                assertEquals(before[i], after[i], "slot " + i + " was not s2's and must keep its owner");
            }
        }
        // s2 had weight 2 of 4: about half the table moves, split about evenly between s1 and s3 (weight 1 each)
        assertTrue(Math.abs(moved - before.length / 2) < before.length / 20, "moved " + moved);
        int s1 = all.serverIndex("s1");
        int s3 = all.serverIndex("s3");
        assertTrue(Math.abs(gained[s1] - gained[s3]) < moved / 10, "s1 got " + gained[s1] + ", s3 " + gained[s3]);
        assertEquals(List.of("s2"), without.downServers());
    }

    @Test
    void theTableComesBackExactlyWhenTheServerReturns() throws Exception {
        ForwardingTables all = tables(YAML, Set.of());
        ForwardingTables back = tables(YAML, Set.of());
        tables(YAML, Set.of("s2"));
        assertArrayEquals(all.redirectTable(slotOf(all, 80)), back.redirectTable(slotOf(back, 80)));
    }

    @Test
    void legacyOwnershipFallsToTheDefaultServerButServicePortsStay() throws Exception {
        ForwardingTables without = tables(YAML, Set.of("s2"));
        int slot = slotOf(without, 80);
        assertEquals(without.serverIndex("d"), without.redirectOwner(slot));
        assertEquals(without.serverIndex("s2"), without.serviceOwner(0, 6, 8002), "a service port names its server");
        int s2 = without.serverIndex("s2");
        assertTrue(without.servesPort(s2, 0, 6, 80), "the configured owner's return traffic on 80 is still its own");
    }

    @Test
    void withoutADefaultServerOrWithItDownTheOwnerStays() throws Exception {
        String noDefault = YAML.replace("default-server: d\n", "");
        ForwardingTables t = tables(noDefault, Set.of("s2"));
        assertEquals(t.serverIndex("s2"), t.redirectOwner(slotOf(t, 80)));
        ForwardingTables bothDown = tables(YAML, Set.of("s2", "d"));
        assertEquals(bothDown.serverIndex("s2"), bothDown.redirectOwner(slotOf(bothDown, 80)));
    }

    @Test
    void aGroupWhoseMembersAreAllDownStaysAsConfigured() throws Exception {
        ForwardingTables all = tables(YAML, Set.of());
        ForwardingTables without = tables(YAML, Set.of("s2"));
        assertArrayEquals(all.redirectTable(slotOf(all, 443)), without.redirectTable(slotOf(without, 443)),
                "443's only member is down: nowhere better to send REDIRECT SYNs, clients fall back");
        ForwardingTables none = tables(YAML, Set.of("s1", "s2", "s3"));
        assertArrayEquals(all.redirectTable(slotOf(all, 80)), none.redirectTable(slotOf(none, 80)));
    }

    @Test
    void unknownNamesAreIgnored() throws Exception {
        ForwardingTables all = tables(YAML, Set.of());
        ForwardingTables t = tables(YAML, Set.of("gone"));
        assertArrayEquals(all.redirectTable(0), t.redirectTable(0));
    }

    @Test
    void digestChangesOnlyWhenAHealthBlockIsPresent() {
        String plain = YAML.replace(",\n     health: {port: 80}", "")
                .replace(",\n     health: {port: 80, interval: 500ms, timeout: 200ms, rise: 3, fall: 2, source: 198.18.99.1}", "");
        BalancerConfig c = Fixtures.config(plain);
        assertNull(c.servers().get(0).health());
        assertTrue(!ConfigDigest.canonical(c).contains("health"), ConfigDigest.canonical(c));
        String canonical = ConfigDigest.canonical(Fixtures.config(YAML));
        assertTrue(canonical.contains("servers[1].health.interval=500ms\n"), canonical);
        assertTrue(canonical.contains("servers[0].health.source=\n"), canonical);
        assertNotEquals(ConfigDigest.of(c), ConfigDigest.of(Fixtures.config(YAML)));
    }

    @Test
    void checkConfigSummaryShowsTheHealthSettings() throws Exception {
        String s = tables(YAML, Set.of("s2")).summary();
        assertTrue(s.contains("health tcp/80 every 1s timeout 500ms rise 2 fall 3\n"), s);
        assertTrue(s.contains("health tcp/80 every 500ms timeout 200ms rise 3 fall 2 from 198.18.99.1 DOWN\n"), s);
    }

    private static int slotOf(ForwardingTables t, int port) {
        return t.redirectSlot(0, 6, port);
    }
}
