package io.portredirect.balancer.lab;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel dataplane's life cycle as an operator meets it: {@code run --dataplane nft} loads
 * {@code table netdev portredirect} and the Java path's veth pair; the kernel carries IPv4 and
 * IPv6 to l2 and l3 servers while the Java path answers ARP/ND; the nft counters show in
 * {@code /metrics} within a scrape; a reload with a bad file keeps the running ruleset; a reload
 * with a good one replaces it in one transaction; after SIGKILL the stale ruleset keeps forwarding
 * and the next start replaces it; SIGTERM removes table and veth pair.
 */
@LabTest
class NftDataplaneLabTest {
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prnd", false));
    private static BalancerLab lab;

    @BeforeAll
    static void up(BalancerLab fixture) {
        lab = fixture;
    }

    @Test
    void startForwardReloadKillRestartStop() throws Exception {
        Path config = lab.work.resolve("balancer.yaml");
        Files.copy(lab.labConfig(), config);
        LabProcess b = lab.startBalancer(config, "--dataplane", "nft");
        assertTrue(b.log().contains("event=nft_loaded generation=1"), b.log());
        assertTrue(table().contains("chain from_network"), "table netdev portredirect loaded: " + table());
        assertTrue(lab.exec("gw", "ip", "-br", "link").contains("pr-java-rx"), "the Java path's veth pair exists");
        // the interfaces the kernel forwards through carry no packet tap of ours (one costs every frame)
        String packetSockets = lab.exec("gw", "cat", "/proc/net/packet");
        for (String iface : new String[] {"net0", "srv1", "srv2", "srv3"}) {
            String index = lab.exec("gw", "cat", "/sys/class/net/" + iface + "/ifindex").trim();
            assertEquals(0, tapsOn(packetSockets, index), iface + " (ifindex " + index + ") is tapped: " + packetSockets);
        }
        assertEquals(1, tapsOn(packetSockets, lab.exec("gw", "cat", "/sys/class/net/pr-java-rx/ifindex").trim()),
                "the Java path is read: " + packetSockets);

        // the kernel forwards: l2 and l3 servers, both families (the client resolves the VIP through the Java path)
        assertEquals("s1", curl("198.18.0.10:8001"));
        assertEquals("s3", curl("198.18.0.10:8003"));
        assertEquals("s2", curl("[2001:2::10]:8002"));
        assertEquals("s3", curl("[2001:2::10]:8003"));
        String m = lab.metrics();
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_nft_packets_total{counter=\"service_s3\"") >= 2, m);
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_server_packets_total{server=\"s3\",direction=\"to_server\"") >= 2, m);
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_decisions_total{rule=\"service_port\"") >= 4, m);
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_nft_packets_total{counter=\"java_arp\"")
                + BalancerLab.metric(m, "portredirect_balancer_nft_packets_total{counter=\"java_nd\"") >= 1, "ARP/ND went to Java: " + m);
        long forwardedBefore = BalancerLab.metric(m, "portredirect_balancer_server_packets_total{server=\"s1\",direction=\"to_server\"");

        // a bad file: logged with file, line and key; the ruleset of generation 1 keeps running
        String good = Files.readString(config);
        Files.writeString(config, good.replace("weight: 2", "weight: two"));
        b.signal("HUP");
        b.awaitLog("event=reload_failed", Duration.ofSeconds(20));
        assertTrue(table().contains("# generation: 1") || !table().isEmpty());
        assertEquals("s1", curl("198.18.0.10:8001"));
        // a good change: one transaction, generation 2, counters keep counting up
        Files.writeString(config, good.replace("owner: s1                    # legacy", "owner: s2                    # legacy"));
        b.signal("HUP");
        b.awaitLog(l -> l.contains("event=reload result=ok"), "reload ok", Duration.ofSeconds(20));
        assertTrue(b.log().contains("event=nft_loaded generation=2"), b.log());
        assertEquals("s2", curl("198.18.0.10:80"), "legacy client now owned by s2");
        m = lab.metrics();
        assertTrue(BalancerLab.metric(m, "portredirect_balancer_server_packets_total{server=\"s1\",direction=\"to_server\"") >= forwardedBefore,
                "counters do not go down across a reload: " + m);

        // SIGKILL: nothing removes the ruleset, the kernel keeps forwarding (stateless); a new start replaces it
        b.signal("KILL");
        assertTrue(b.awaitExit(Duration.ofSeconds(10)));
        assertEquals("s3", curl("198.18.0.10:8003"), "the stale ruleset still forwards");
        LabProcess again = lab.startBalancer(config, "--dataplane", "nft");
        assertTrue(again.log().contains("event=nft_stale_java_path"), again.log());
        assertEquals("s3", curl("198.18.0.10:8003"));

        // SIGTERM: table and veth pair removed
        assertEquals(0, BalancerLab.stop(again));
        assertTrue(again.log().contains("event=nft_removed"), again.log());
        assertEquals("", table());
        assertFalse(lab.exec("gw", "ip", "-br", "link").contains("pr-java"), "the veth pair is gone");
    }

    /** Packet sockets that receive (protocol not 0) on interface {@code ifIndex}, from /proc/net/packet. */
    private static long tapsOn(String procNetPacket, String ifIndex) {
        // sk RefCnt Type Proto Iface R Rmem User Inode
        return procNetPacket.lines().skip(1).map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length > 4 && !f[3].equals("0000") && f[4].equals(ifIndex)).count();
    }

    private static String table() {
        BalancerLab.Result r = lab.tryExec("gw", 20, "nft", "list", "table", "netdev", "portredirect");
        return r.exit() == 0 ? r.output() : "";
    }

    private static String curl(String hostPort) {
        BalancerLab.Result r = lab.tryExec("client", 15, "curl", "-s", "-m", "5", "http://" + hostPort + "/");
        return r.output().trim();
    }
}
