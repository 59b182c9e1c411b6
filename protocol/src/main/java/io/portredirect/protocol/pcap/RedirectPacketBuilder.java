package io.portredirect.protocol.pcap;

import io.portredirect.protocol.packet.Checksum;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.UdpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.UdpOptionArea;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV4Rfc791Tos;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.IpV6SimpleFlowLabel;
import org.pcap4j.packet.IpV6SimpleTrafficClass;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.TcpMaximumSegmentSizeOption;
import org.pcap4j.packet.TcpNoOperationOption;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.TcpPacket.TcpOption;
import org.pcap4j.packet.TcpSackPermittedOption;
import org.pcap4j.packet.TcpTimestampsOption;
import org.pcap4j.packet.TcpWindowScaleOption;
import org.pcap4j.packet.UdpPacket;
import org.pcap4j.packet.UnknownPacket;
import org.pcap4j.packet.namednumber.EtherType;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.IpVersion;
import org.pcap4j.packet.namednumber.TcpPort;
import org.pcap4j.packet.namednumber.UdpPort;
import org.pcap4j.util.MacAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Crafts the packets of a redirect negotiation as pcap4j {@link Packet}s: SYN, SYN-ACK, ACK and
 * RST carrying the redirect TCP option, and UDP datagrams carrying the redirect UDP option in the
 * RFC 9868 surplus area, over IPv4 or IPv6, optionally in an Ethernet frame. Lengths and checksums
 * are computed at build ({@code correctLengthAtBuild}, {@code correctChecksumAtBuild}).
 *
 * <p>The TCP option area is laid out as {@link io.portredirect.protocol.packet.CraftedPacket}
 * lays it out (MSS, NOP NOP SACK-permitted, NOP NOP timestamps, NOP window scale, NOPs then the
 * redirect option), so both produce the same bytes for the same fields. For UDP the surplus area
 * sits after the length pcap4j's UDP header covers, so the UDP layer's length and checksum are
 * computed here over header and user data only; the IP layer's are pcap4j's. (pcap4j's own UDP
 * decoder stops at the UDP length, so a parsed pcap4j packet does not show the surplus area; read
 * the UDP option with {@link io.portredirect.protocol.packet.PacketParser}.) Building needs no
 * {@link Pcap4jRedirect#install()}; decoding the TCP option does.
 *
 * <pre>{@code
 * Packet syn = RedirectPacketBuilder.tcp()
 *         .src(client, 40000).dst(vip, 80).syn().seq(1).mss(1460)
 *         .redirect(RedirectExtension.redirect())
 *         .build();
 * }</pre>
 */
public final class RedirectPacketBuilder {
    private MacAddress srcMac;
    private MacAddress dstMac;
    private InetAddress src;
    private InetAddress dst;
    private int srcPort;
    private int dstPort;
    private boolean udp;
    private int tcpFlags;
    private long seq;
    private long ack;
    private int window = 65535;
    private int mss;
    private int windowScale = -1;
    private boolean sackPermitted;
    private boolean timestamps;
    private long tsVal;
    private long tsEcr;
    private RedirectExtension redirect;
    private int ttl = 64;
    private int ipId;
    private boolean dontFragment = true;
    private byte[] payload = new byte[0];

    private RedirectPacketBuilder() {
    }

    /** A TCP segment (no flags until {@link #syn()}, {@link #synAck()}, {@link #ack()}, {@link #rst()} or {@link #flags}). */
    public static RedirectPacketBuilder tcp() {
        return new RedirectPacketBuilder();
    }

    /** A UDP datagram. */
    public static RedirectPacketBuilder udp() {
        RedirectPacketBuilder b = new RedirectPacketBuilder();
        b.udp = true;
        return b;
    }

    /** Wraps the packet in an Ethernet II frame (not padded to 60 bytes). */
    public RedirectPacketBuilder ethernet(MacAddress srcMac, MacAddress dstMac) {
        this.srcMac = Objects.requireNonNull(srcMac);
        this.dstMac = Objects.requireNonNull(dstMac);
        return this;
    }

    /** Wraps the packet in an Ethernet II frame; MACs as 6 bytes. */
    public RedirectPacketBuilder ethernet(byte[] srcMac, byte[] dstMac) {
        return ethernet(MacAddress.getByAddress(srcMac), MacAddress.getByAddress(dstMac));
    }

    public RedirectPacketBuilder src(InetAddress address, int port) {
        this.src = address;
        this.srcPort = checkPort(port);
        return this;
    }

    public RedirectPacketBuilder dst(InetAddress address, int port) {
        this.dst = address;
        this.dstPort = checkPort(port);
        return this;
    }

    /** The client's opening SYN. */
    public RedirectPacketBuilder syn() {
        return flags(TcpView.SYN);
    }

    /** The server's SYN-ACK. */
    public RedirectPacketBuilder synAck() {
        return flags(TcpView.SYN | TcpView.ACK);
    }

    /** A bare ACK. */
    public RedirectPacketBuilder ack() {
        return flags(TcpView.ACK);
    }

    /** A RST (the client closing its probe). */
    public RedirectPacketBuilder rst() {
        return flags(TcpView.RST);
    }

    /** Any TCP flags byte ({@link TcpView#SYN} etc.). */
    public RedirectPacketBuilder flags(int flags) {
        if (udp) {
            throw new IllegalStateException("TCP flags on a UDP datagram");
        }
        this.tcpFlags = flags & 0xFF;
        return this;
    }

    public RedirectPacketBuilder seq(long v) {
        this.seq = v & 0xFFFFFFFFL;
        return this;
    }

    public RedirectPacketBuilder ackNumber(long v) {
        this.ack = v & 0xFFFFFFFFL;
        return this;
    }

    public RedirectPacketBuilder window(int v) {
        this.window = v & 0xFFFF;
        return this;
    }

    public RedirectPacketBuilder mss(int v) {
        this.mss = v;
        return this;
    }

    public RedirectPacketBuilder windowScale(int shift) {
        this.windowScale = shift;
        return this;
    }

    public RedirectPacketBuilder sackPermitted(boolean v) {
        this.sackPermitted = v;
        return this;
    }

    public RedirectPacketBuilder timestamps(long val, long ecr) {
        this.timestamps = true;
        this.tsVal = val;
        this.tsEcr = ecr;
        return this;
    }

    /** The extension to carry, or null for none. */
    public RedirectPacketBuilder redirect(RedirectExtension ext) {
        this.redirect = ext;
        return this;
    }

    public RedirectPacketBuilder ttl(int v) {
        this.ttl = v;
        return this;
    }

    public RedirectPacketBuilder ipId(int v) {
        this.ipId = v;
        return this;
    }

    public RedirectPacketBuilder dontFragment(boolean v) {
        this.dontFragment = v;
        return this;
    }

    public RedirectPacketBuilder payload(byte[] p) {
        this.payload = p.clone();
        return this;
    }

    private static int checkPort(int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port out of range 0-65535: " + port);
        }
        return port;
    }

    /** Builds the packet: an {@link EthernetPacket} when MACs were set, else {@link IpV4Packet} or {@link IpV6Packet}. */
    public Packet build() {
        Objects.requireNonNull(src, "source address");
        Objects.requireNonNull(dst, "destination address");
        boolean v6 = src instanceof Inet6Address;
        if (v6 != (dst instanceof Inet6Address)) {
            throw new IllegalArgumentException("source and destination must both be IPv4 or both IPv6");
        }
        Packet.Builder l4 = udp ? udpBuilder() : tcpBuilder();
        Packet.Builder l3;
        if (v6) {
            l3 = new IpV6Packet.Builder()
                    .version(IpVersion.IPV6)
                    .trafficClass(IpV6SimpleTrafficClass.newInstance((byte) 0))
                    .flowLabel(IpV6SimpleFlowLabel.newInstance(0))
                    .nextHeader(udp ? IpNumber.UDP : IpNumber.TCP)
                    .hopLimit((byte) ttl)
                    .srcAddr((Inet6Address) src)
                    .dstAddr((Inet6Address) dst)
                    .payloadBuilder(l4)
                    .correctLengthAtBuild(true);
        } else {
            l3 = new IpV4Packet.Builder()
                    .version(IpVersion.IPV4)
                    .tos(IpV4Rfc791Tos.newInstance((byte) 0))
                    .identification((short) ipId)
                    .dontFragmentFlag(dontFragment)
                    .ttl((byte) ttl)
                    .protocol(udp ? IpNumber.UDP : IpNumber.TCP)
                    .srcAddr((Inet4Address) src)
                    .dstAddr((Inet4Address) dst)
                    .options(Collections.emptyList())
                    .payloadBuilder(l4)
                    .correctChecksumAtBuild(true)
                    .correctLengthAtBuild(true)
                    .paddingAtBuild(true);
        }
        if (srcMac == null) {
            return l3.build();
        }
        return new EthernetPacket.Builder()
                .srcAddr(srcMac)
                .dstAddr(dstMac)
                .type(v6 ? EtherType.IPV6 : EtherType.IPV4)
                .payloadBuilder(l3)
                .pad(new byte[0])
                .paddingAtBuild(false)
                .build();
    }

    /** The built packet's bytes. */
    public byte[] buildBytes() {
        return build().getRawData();
    }

    private TcpPacket.Builder tcpBuilder() {
        List<TcpOption> options = new ArrayList<>();
        TcpNoOperationOption nop = TcpNoOperationOption.getInstance();
        if (mss > 0) {
            options.add(new TcpMaximumSegmentSizeOption.Builder().maxSegSize((short) mss).correctLengthAtBuild(true).build());
        }
        if (sackPermitted) {
            options.add(nop);
            options.add(nop);
            options.add(TcpSackPermittedOption.getInstance());
        }
        if (timestamps) {
            options.add(nop);
            options.add(nop);
            options.add(new TcpTimestampsOption.Builder().tsValue((int) tsVal).tsEchoReply((int) tsEcr).correctLengthAtBuild(true).build());
        }
        if (windowScale >= 0) {
            options.add(nop);
            options.add(new TcpWindowScaleOption.Builder().shiftCount((byte) windowScale).correctLengthAtBuild(true).build());
        }
        if (redirect != null) {
            TcpRedirectOption opt = TcpRedirectOption.of(redirect);
            for (int i = opt.length(); i % 4 != 0; i++) {
                options.add(nop);
            }
            options.add(opt);
        }
        return new TcpPacket.Builder()
                .srcPort(TcpPort.getInstance((short) srcPort))
                .dstPort(TcpPort.getInstance((short) dstPort))
                .sequenceNumber((int) seq)
                .acknowledgmentNumber((int) ack)
                .urg((tcpFlags & TcpView.URG) != 0)
                .ack((tcpFlags & TcpView.ACK) != 0)
                .psh((tcpFlags & TcpView.PSH) != 0)
                .rst((tcpFlags & TcpView.RST) != 0)
                .syn((tcpFlags & TcpView.SYN) != 0)
                .fin((tcpFlags & TcpView.FIN) != 0)
                .reserved((byte) ((tcpFlags >>> 6) & 0x3))
                .window((short) window)
                .options(options)
                .payloadBuilder(payload.length == 0 ? null : new UnknownPacket.Builder().rawData(payload))
                .srcAddr(src)
                .dstAddr(dst)
                .paddingAtBuild(true)
                .correctChecksumAtBuild(true)
                .correctLengthAtBuild(true);
    }

    private UdpPacket.Builder udpBuilder() {
        int udpLength = UdpView.HEADER_LENGTH + payload.length;
        byte[] data = payload;
        if (redirect != null) {
            // user data then the surplus area: pcap4j sees it all as payload, the UDP length does not
            data = new byte[UdpView.HEADER_LENGTH + payload.length + UdpOptionArea.encodedLength(udpLength, redirect)];
            System.arraycopy(payload, 0, data, UdpView.HEADER_LENGTH, payload.length);
            UdpOptionArea.write(data, 0, udpLength, redirect);
            data = java.util.Arrays.copyOfRange(data, UdpView.HEADER_LENGTH, data.length);
        }
        return new UdpPacket.Builder()
                .srcPort(UdpPort.getInstance((short) srcPort))
                .dstPort(UdpPort.getInstance((short) dstPort))
                .length((short) udpLength)
                .checksum((short) udpChecksum(udpLength))
                .payloadBuilder(data.length == 0 ? null : new UnknownPacket.Builder().rawData(data))
                .correctLengthAtBuild(false)
                .correctChecksumAtBuild(false);
    }

    /** RFC 768 checksum over pseudo-header, header and user data (not the surplus area). */
    private int udpChecksum(int udpLength) {
        byte[] a = src.getAddress();
        byte[] d = dst.getAddress();
        byte[] header = new byte[UdpView.HEADER_LENGTH];
        header[0] = (byte) (srcPort >>> 8);
        header[1] = (byte) srcPort;
        header[2] = (byte) (dstPort >>> 8);
        header[3] = (byte) dstPort;
        header[4] = (byte) (udpLength >>> 8);
        header[5] = (byte) udpLength;
        int sum = Checksum.add(0, a, 0, a.length);
        sum = Checksum.fold(Checksum.add(sum, d, 0, d.length)) + IpNumber.UDP.value() + udpLength;
        sum = Checksum.fold(Checksum.add(sum, header, 0, header.length));
        int c = Checksum.finish(Checksum.add(sum, payload, 0, payload.length));
        return c == 0 ? 0xFFFF : c;
    }
}
