package io.portredirect.balancer.lab;

import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.replay.PcapReplay;
import io.portredirect.balancer.replay.ReplaySummary;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.EOFException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live dataplane against {@code replay}: {@value #FLOWS} random flows (IPv4 and IPv6; TCP with
 * and without REDIRECT on the redirect port, TCP and UDP service ports, UDP REDIRECT datagrams,
 * ICMP errors quoting flows on service and redirect ports) are injected at the balancer, captured
 * leaving each server interface of the gateway, and must land exactly where {@link PcapReplay}
 * (the Java decision, offline) puts them: 100%, frame by frame. On the nft dataplane this is the
 * kernel's jhash and maps against the Java port of it; each frame is named by its unique source
 * address. Runs on whatever dataplane the lab run uses (default nft; see LabSupport).
 */
@LabTest
class DataplaneDifferentialLabTest {
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prdf", false));
    static final int FLOWS = 2400;
    private static final String[] SERVER_IFS = {"srv1", "srv2", "srv3"};
    private static BalancerLab lab;
    private static LabProcess balancer;

    @BeforeAll
    static void up(BalancerLab fixture) throws Exception {
        lab = fixture;
        balancer = lab.startBalancer(lab.labConfig());
    }

    @Test
    void everyFlowLandsWhereReplaySays() throws Exception {
        List<byte[]> frames = randomFrames(new Random(20261204));
        Path sent = lab.work.resolve("differential-in.pcap");
        try (PcapHandle h = Pcaps.openDead(DataLinkType.EN10MB, 65536); PcapDumper d = h.dumpOpen(sent.toString())) {
            long t = 1_700_000_000_000L;
            for (byte[] f : frames) {
                d.dumpRaw(f, new Timestamp(t += 1));
            }
        }
        // what the Java decision says, offline
        ForwardingTables tables = ForwardingTables.build(ConfigLoader.load(lab.labConfig()), InterfaceMacs.placeholder());
        Path replayDir = lab.work.resolve("replay");
        ReplaySummary summary = new PcapReplay(tables).run(sent, replayDir);
        Map<String, TreeSet<String>> expected = new TreeMap<>();
        for (int s = 0; s < tables.serverCount(); s++) {
            expected.put(tables.serverInterface(s), keys(replayDir.resolve(tables.serverName(s) + ".pcap")));
        }
        int placed = expected.values().stream().mapToInt(TreeSet::size).sum();
        assertEquals(FLOWS, placed, "replay places every frame (none is dropped): " + summary);

        // what the live dataplane does
        List<Process> captures = new ArrayList<>();
        for (String iface : SERVER_IFS) {
            captures.add(lab.start("gw", List.of("tcpdump", "-i", iface, "-Q", "out", "-U", "-B", "16384", "-s", "256",
                    "-w", lab.work.resolve(iface + ".pcap").toString(),
                    "src net 198.19.0.0/16 or src net 2001:2:0:ff00::/64"), lab.work.resolve("tcpdump-" + iface + ".log").toFile()));
        }
        Thread.sleep(1500); // tcpdump attaches
        Path bin = lab.work.resolve("differential.bin");
        LabProbe.writeFrames(bin, frames);
        BalancerLab.Result inject = lab.probe("client", 120, "inject", "eth0", bin.toString(), "200");
        assertEquals(0, inject.exit(), inject.output());
        Thread.sleep(2000);
        for (Process p : captures) {
            p.toHandle().destroy(); // SIGTERM: tcpdump flushes and closes the file
        }
        for (Process p : captures) {
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "tcpdump stopped");
        }
        Map<String, TreeSet<String>> actual = new TreeMap<>();
        for (String iface : SERVER_IFS) {
            actual.put(iface, keys(lab.work.resolve(iface + ".pcap")));
        }
        int mismatches = 0;
        StringBuilder report = new StringBuilder();
        for (String iface : SERVER_IFS) {
            TreeSet<String> missing = new TreeSet<>(expected.get(iface));
            missing.removeAll(actual.get(iface));
            TreeSet<String> extra = new TreeSet<>(actual.get(iface));
            extra.removeAll(expected.get(iface));
            mismatches += missing.size() + extra.size();
            report.append(iface).append(": replay ").append(expected.get(iface).size()).append(", live ").append(actual.get(iface).size())
                    .append(", missing ").append(first(missing)).append(", unexpected ").append(first(extra)).append('\n');
        }
        String dataplane = lab.balancerLog(1).contains("dataplane=nft") ? "nft" : "pcap";
        System.out.println("differential (" + dataplane + " dataplane): " + FLOWS + " frames, " + mismatches + " mismatches\n" + report);
        assertEquals(0, mismatches, report.toString());
        assertTrue(balancer.isAlive());
    }

    private static String first(TreeSet<String> s) {
        return s.size() + (s.isEmpty() ? "" : " e.g. " + s.stream().limit(5).toList());
    }

    /** Frames named by their source address (unique per frame), in a random mix of kinds. */
    static List<byte[]> randomFrames(Random r) throws Exception {
        byte[] cm = LegacyAndRedirectLabTest.macBytes(BalancerLab.CLIENT_MAC);
        byte[] gm = LegacyAndRedirectLabTest.macBytes(BalancerLab.GW_NET_MAC);
        InetAddress vip4 = InetAddress.getByName(BalancerLab.VIP4);
        InetAddress vip6 = InetAddress.getByName(BalancerLab.VIP6);
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= FLOWS; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, r);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < FLOWS; i++) {
            int id = ids.get(i);
            boolean v6 = r.nextBoolean();
            InetAddress src = v6 ? InetAddress.getByName("2001:2:0:ff00::" + Integer.toHexString(id))
                    : InetAddress.getByName("198.19." + (id >> 8) + "." + (id & 0xFF));
            InetAddress vip = v6 ? vip6 : vip4;
            int cport = 1024 + r.nextInt(64512);
            int kind = r.nextInt(100);
            CraftedPacket.Builder b = CraftedPacket.builder().ethernet(cm, gm).src(src, cport);
            if (kind < 40) {
                b.dst(vip, 80).tcp(TcpView.SYN).redirect(RedirectExtension.redirect());
            } else if (kind < 50) {
                b.dst(vip, 80).tcp(TcpView.SYN);
            } else if (kind < 62) {
                b.dst(vip, (r.nextBoolean() ? 8000 : 5200) + 1 + r.nextInt(3)).tcp(r.nextBoolean() ? TcpView.SYN : TcpView.ACK);
            } else if (kind < 72) {
                b.dst(vip, 9000).udp().redirect(RedirectExtension.redirect()).payload(new byte[1 + r.nextInt(40)]);
            } else if (kind < 80) {
                b.dst(vip, 9001 + r.nextInt(3)).udp().payload(new byte[1 + r.nextInt(40)]);
            } else {
                // an ICMP error from a router on the path, quoting what a server sent the client from VIP:port
                boolean redirectPort = r.nextBoolean();
                int port = redirectPort ? 80 : 8001 + r.nextInt(3);
                InetAddress client = v6 ? InetAddress.getByName("2001:2:0:2::" + Integer.toHexString(1 + r.nextInt(4000)))
                        : InetAddress.getByName("198.18.2." + (1 + r.nextInt(250)));
                byte[] quote = CraftedPacket.builder().src(vip, port).dst(client, 1024 + r.nextInt(64512))
                        .tcp(TcpView.SYN | TcpView.ACK).build().encode();
                b.src(src, 0).dst(vip, 0)
                        .icmp(v6 ? 1 : IcmpView.V4_DEST_UNREACHABLE, v6 ? 4 : IcmpView.V4_CODE_PORT_UNREACHABLE, 0)
                        .payload(Arrays.copyOf(quote, Math.min(quote.length, v6 ? 48 + 8 : 28 + 8)));
            }
            frames.add(b.build().encode());
        }
        return frames;
    }

    /** Source addresses of the frames of an Ethernet pcap. */
    static TreeSet<String> keys(Path pcap) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        if (!Files.exists(pcap)) {
            return out;
        }
        try (PcapHandle h = Pcaps.openOffline(pcap.toString())) {
            while (true) {
                byte[] f;
                try {
                    f = h.getNextRawPacketEx();
                } catch (EOFException e) {
                    return out;
                }
                int type = (f[12] & 0xFF) << 8 | (f[13] & 0xFF);
                if (type == 0x0800) {
                    out.add(InetAddress.getByAddress(Arrays.copyOfRange(f, 26, 30)).getHostAddress());
                } else if (type == 0x86DD) {
                    out.add(InetAddress.getByAddress(Arrays.copyOfRange(f, 22, 38)).getHostAddress());
                }
            }
        }
    }
}
