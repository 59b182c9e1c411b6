package io.portredirect.clientagent.lab;

import io.portredirect.protocol.io.NetNamespace;
import io.portredirect.protocol.io.Nft;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Stands in for the server agent in the lab (test code only): in the server namespace it captures
 * SYNs carrying REDIRECT to the VIP's redirect ports and answers each with a SYN-ACK carrying
 * REDIRECT_CONFIRM + REDIRECT_OPT=Y built with {@link CraftedPacket}; an nft drop keeps the server
 * kernel from answering those SYNs itself. It can forge an out-of-range answer first, black-hole a
 * port (drop, never answer), answer the first UDP datagram of a client with a notice, and inject a
 * mid-connection redirect into an established flow it has watched.
 */
public final class StubResponder implements AutoCloseable {
    /** What the stub knows of one client flow to a watched service port (from the client's segments). */
    private record FlowSeen(InetAddress client, int clientPort, int servicePort, long clientNext, long serverNext,
                            byte[] clientMac, byte[] serverMac) {
    }

    private final String ns;
    private final String iface;
    private final InetAddress vip;
    private final Map<Integer, Integer> tcpAnswers;
    private final Set<Integer> forgeFirst;
    private final Set<Integer> blackHoles;
    private final Map<Integer, Integer> udpAnswers;
    private final Set<Integer> watchedServicePorts;
    private final String probeSourcePorts;
    private final Map<Integer, FlowSeen> flows = new ConcurrentHashMap<>();
    private Nft nft;
    private RawPort port;

    public final AtomicInteger synsWithRedirect = new AtomicInteger();
    public final AtomicInteger answers = new AtomicInteger();
    public final AtomicInteger forged = new AtomicInteger();
    public final AtomicInteger probeRsts = new AtomicInteger();
    public final AtomicInteger udpFirstDatagrams = new AtomicInteger();

    /**
     * @param tcpAnswers         redirect port -> service port to name
     * @param forgeFirst         redirect ports answered first with an out-of-range port, then properly
     * @param blackHoles         redirect ports whose probes are dropped and never answered
     * @param udpAnswers         UDP redirect port -> service port named in the notice
     * @param watchedServicePorts service ports whose flows can receive a mid-connection redirect
     * @param probeSourcePorts   nft range of client probe ports, e.g. "61000-61299"
     */
    public StubResponder(String ns, String iface, InetAddress vip, Map<Integer, Integer> tcpAnswers, Set<Integer> forgeFirst,
                         Set<Integer> blackHoles, Map<Integer, Integer> udpAnswers, Set<Integer> watchedServicePorts,
                         String probeSourcePorts) {
        this.ns = ns;
        this.iface = iface;
        this.vip = vip;
        this.tcpAnswers = Map.copyOf(tcpAnswers);
        this.forgeFirst = Set.copyOf(forgeFirst);
        this.blackHoles = Set.copyOf(blackHoles);
        this.udpAnswers = Map.copyOf(udpAnswers);
        this.watchedServicePorts = Set.copyOf(watchedServicePorts);
        this.probeSourcePorts = probeSourcePorts;
    }

    private static String set(Set<Integer> ports) {
        return ports.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static String anyPort(String dir, Set<Integer> ports) {
        return ports.stream().sorted().map(p -> dir + " port " + p).collect(Collectors.joining(" or ", "(", ")"));
    }

    public StubResponder start() throws IOException {
        String a = vip.getHostAddress();
        Set<Integer> probed = new java.util.TreeSet<>(tcpAnswers.keySet());
        probed.addAll(blackHoles);
        StringBuilder rules = new StringBuilder("  chain input {\n    type filter hook input priority -150; policy accept;\n");
        String family = vip instanceof java.net.Inet4Address ? "ip" : "ip6";
        rules.append("    ").append(family).append(" daddr ").append(a).append(" tcp dport { ").append(set(probed)).append(" } tcp sport ")
                .append(probeSourcePorts).append(" tcp flags & (syn | ack) == syn drop\n");
        if (!udpAnswers.isEmpty()) {
            rules.append("    ").append(family).append(" daddr ").append(a).append(" udp dport { ").append(set(udpAnswers.keySet())).append(" } drop\n");
        }
        rules.append("  }");
        String filter = "dst host " + a + " and ((tcp and " + anyPort("dst", probed) + ")"
                + (udpAnswers.isEmpty() ? "" : " or (udp and " + anyPort("dst", udpAnswers.keySet()) + ")")
                + (watchedServicePorts.isEmpty() ? "" : " or (tcp and " + anyPort("dst", watchedServicePorts) + ")") + ")";
        NetNamespace.call(ns, () -> {
            nft = Nft.install("prc_stub" + (vip instanceof java.net.Inet4Address ? "" : "6"), rules.toString());
            port = RawPort.open(iface, filter, RawPort.Direction.IN);
            port.start(this::onFrame);
            return null;
        });
        return this;
    }

    private void onFrame(byte[] frame, int length) {
        ParsedPacket p = PacketParser.parseFrame(frame, 0, length, new ParsedPacket());
        if (!p.ok()) {
            return;
        }
        try {
            if (p.isTcp()) {
                onTcp(frame, p);
            } else if (p.isUdp()) {
                onUdp(frame, p);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress addr(byte[] b, int off, int len) throws IOException {
        return InetAddress.getByAddress(Arrays.copyOfRange(b, off, off + len));
    }

    private void onTcp(byte[] f, ParsedPacket p) throws IOException {
        int flags = p.tcpFlags();
        InetAddress client = addr(f, p.srcAddrOffset(), p.addrLength());
        byte[] clientMac = Arrays.copyOfRange(f, EthernetView.SRC_OFFSET, EthernetView.SRC_OFFSET + 6);
        byte[] ourMac = Arrays.copyOfRange(f, EthernetView.DST_OFFSET, EthernetView.DST_OFFSET + 6);
        long seq = Bytes.u32(f, p.l4Offset() + TcpView.SEQ_OFFSET);
        if (watchedServicePorts.contains(p.dstPort())) {
            int payload = p.ipEnd() - p.l4Offset() - p.tcpHeaderLength();
            long next = seq + payload + ((flags & (TcpView.SYN | TcpView.FIN)) != 0 ? 1 : 0);
            long ack = Bytes.u32(f, p.l4Offset() + TcpView.ACK_OFFSET);
            flows.put(p.srcPort(), new FlowSeen(client, p.srcPort(), p.dstPort(), next & 0xFFFFFFFFL, ack, clientMac, ourMac));
            return;
        }
        if ((flags & TcpView.RST) != 0) {
            if (p.redirect().isRedirect()) {
                probeRsts.incrementAndGet();
            }
            return;
        }
        if ((flags & (TcpView.SYN | TcpView.ACK)) != TcpView.SYN || !p.redirect().isRedirect()) {
            return;
        }
        synsWithRedirect.incrementAndGet();
        int x = p.dstPort();
        if (blackHoles.contains(x) || !tcpAnswers.containsKey(x)) {
            return;
        }
        long isn = ThreadLocalRandom.current().nextInt() & 0xFFFFFFFFL;
        CraftedPacket.Builder b = CraftedPacket.builder().ethernet(ourMac, clientMac).src(vip, x).dst(client, p.srcPort())
                .tcp(TcpView.SYN | TcpView.ACK).seq(isn).ack(seq + 1).mss(1460);
        if (forgeFirst.contains(x)) {
            port.send(b.redirect(RedirectExtension.confirm(40000)).build().encode());
            forged.incrementAndGet();
        }
        port.send(b.redirect(RedirectExtension.confirm(tcpAnswers.get(x))).build().encode());
        answers.incrementAndGet();
    }

    private void onUdp(byte[] f, ParsedPacket p) throws IOException {
        if (!p.redirect().isRedirect()) {
            return;
        }
        udpFirstDatagrams.incrementAndGet();
        Integer y = udpAnswers.get(p.dstPort());
        int off = p.l4Offset() + 8;
        byte[] data = Arrays.copyOfRange(f, off, p.l4Offset() + p.udpLength());
        byte[] reply = (y + ":" + new String(data, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        port.send(CraftedPacket.builder().udp()
                .ethernet(Arrays.copyOfRange(f, 0, 6), Arrays.copyOfRange(f, 6, 12))
                .src(vip, p.dstPort()).dst(addr(f, p.srcAddrOffset(), p.addrLength()), p.srcPort())
                .payload(reply).redirect(RedirectExtension.confirm(y)).build().encode());
    }

    /**
     * Sends REDIRECT + REDIRECT_OPT={@code newPort} from VIP:servicePort on the flow of client port
     * {@code clientPort}, in sequence (a duplicate ACK as far as the client's kernel is concerned).
     */
    public void injectMidFlowRedirect(int clientPort, int newPort) throws IOException {
        injectMidFlowRedirect(clientPort, newPort, 0);
    }

    /**
     * As {@link #injectMidFlowRedirect(int, int)}, with the sequence number moved by {@code seqOffset}
     * (an off-path forger's guess: far outside the client's receive window).
     */
    public void injectMidFlowRedirect(int clientPort, int newPort, long seqOffset) throws IOException {
        FlowSeen s = flows.get(clientPort);
        if (s == null) {
            throw new IllegalStateException("no segment seen from client port " + clientPort + " (seen: " + flows.keySet() + ")");
        }
        port.send(CraftedPacket.builder().ethernet(s.serverMac(), s.clientMac()).src(vip, s.servicePort()).dst(s.client(), s.clientPort())
                .tcp(TcpView.ACK).seq((s.serverNext() + seqOffset) & 0xFFFFFFFFL).ack(s.clientNext()).window(65535)
                .redirect(RedirectExtension.redirectTo(newPort)).build().encode());
    }

    /** Client ports of flows seen to watched service ports. */
    public List<Integer> watchedClientPorts() {
        return List.copyOf(flows.keySet());
    }

    /** Stops answering and removes the nft drop: the server kernel answers again. */
    @Override
    public void close() {
        if (port != null) {
            port.close();
            port = null;
        }
        if (nft != null) {
            try {
                NetNamespace.call(ns, () -> {
                    nft.close();
                    return null;
                });
            } catch (IOException e) {
                // the namespace is going away anyway
            }
            nft = null;
        }
    }
}
