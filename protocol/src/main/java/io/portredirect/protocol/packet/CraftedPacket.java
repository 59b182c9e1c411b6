package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.UdpOptionArea;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable description of one TCP, UDP or ICMP packet (optionally in an Ethernet frame) that
 * {@link #encode()} turns into bytes with every length and checksum computed from scratch. For
 * tools, tests and the agents' control path; the balancer's hot path rewrites in place instead.
 *
 * <p>TCP options: MSS, window scale, SACK-permitted and timestamps when set, then the redirect
 * option preceded by NOPs so the option area stays a multiple of 4 bytes. UDP: the redirect
 * option goes in the RFC 9868 surplus area after the payload.
 */
public final class CraftedPacket {
    /** Transport of the packet. */
    public enum Transport { TCP, UDP, ICMP }

    private final byte[] srcMac;
    private final byte[] dstMac;
    private final InetAddress src;
    private final InetAddress dst;
    private final Transport transport;
    private final int srcPort;
    private final int dstPort;
    private final int tcpFlags;
    private final long seq;
    private final long ack;
    private final int window;
    private final int mss;
    private final int windowScale;
    private final boolean sackPermitted;
    private final long tsVal;
    private final long tsEcr;
    private final boolean timestamps;
    private final RedirectExtension redirect;
    private final int ttl;
    private final int ipId;
    private final boolean dontFragment;
    private final int icmpType;
    private final int icmpCode;
    private final int icmpRest;
    private final byte[] payload;

    private CraftedPacket(Builder b) {
        this.srcMac = b.srcMac;
        this.dstMac = b.dstMac;
        this.src = Objects.requireNonNull(b.src, "source address");
        this.dst = Objects.requireNonNull(b.dst, "destination address");
        if ((src instanceof Inet4Address) != (dst instanceof Inet4Address)) {
            throw new IllegalArgumentException("source and destination must both be IPv4 or both IPv6");
        }
        this.transport = b.transport;
        this.srcPort = checkPort(b.srcPort, "source port");
        this.dstPort = checkPort(b.dstPort, "destination port");
        this.tcpFlags = b.tcpFlags;
        this.seq = b.seq & 0xFFFFFFFFL;
        this.ack = b.ack & 0xFFFFFFFFL;
        this.window = b.window;
        this.mss = b.mss;
        this.windowScale = b.windowScale;
        this.sackPermitted = b.sackPermitted;
        this.tsVal = b.tsVal;
        this.tsEcr = b.tsEcr;
        this.timestamps = b.timestamps;
        this.redirect = b.redirect;
        this.ttl = b.ttl;
        this.ipId = b.ipId;
        this.dontFragment = b.dontFragment;
        this.icmpType = b.icmpType;
        this.icmpCode = b.icmpCode;
        this.icmpRest = b.icmpRest;
        this.payload = b.payload.clone();
        if (redirect != null && transport == Transport.ICMP) {
            throw new IllegalArgumentException("the redirect extension is for TCP and UDP only");
        }
    }

    private static int checkPort(int port, String what) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException(what + " out of range 0-65535: " + port);
        }
        return port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with every field of this packet. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.srcMac = srcMac;
        b.dstMac = dstMac;
        b.src = src;
        b.dst = dst;
        b.transport = transport;
        b.srcPort = srcPort;
        b.dstPort = dstPort;
        b.tcpFlags = tcpFlags;
        b.seq = seq;
        b.ack = ack;
        b.window = window;
        b.mss = mss;
        b.windowScale = windowScale;
        b.sackPermitted = sackPermitted;
        b.tsVal = tsVal;
        b.tsEcr = tsEcr;
        b.timestamps = timestamps;
        b.redirect = redirect;
        b.ttl = ttl;
        b.ipId = ipId;
        b.dontFragment = dontFragment;
        b.icmpType = icmpType;
        b.icmpCode = icmpCode;
        b.icmpRest = icmpRest;
        b.payload = payload;
        return b;
    }

    public boolean isIpv6() {
        return src instanceof Inet6Address;
    }

    public boolean hasEthernet() {
        return srcMac != null;
    }

    public InetAddress src() {
        return src;
    }

    public InetAddress dst() {
        return dst;
    }

    public Transport transport() {
        return transport;
    }

    public int srcPort() {
        return srcPort;
    }

    public int dstPort() {
        return dstPort;
    }

    public int tcpFlags() {
        return tcpFlags;
    }

    public long seq() {
        return seq;
    }

    public long ack() {
        return ack;
    }

    /** The redirect extension, or null. */
    public RedirectExtension redirect() {
        return redirect;
    }

    public byte[] payload() {
        return payload.clone();
    }

    private int tcpOptionsLength() {
        int n = (mss > 0 ? 4 : 0) + (windowScale >= 0 ? 4 : 0) + (sackPermitted ? 4 : 0) + (timestamps ? 12 : 0);
        if (redirect != null) {
            n += (redirect.encodedLength() + 3) & ~3;
        }
        return n;
    }

    private int l4Length() {
        return switch (transport) {
            case TCP -> TcpView.MIN_HEADER_LENGTH + tcpOptionsLength() + payload.length;
            case UDP -> UdpView.HEADER_LENGTH + payload.length
                    + (redirect == null ? 0 : UdpOptionArea.encodedLength(UdpView.HEADER_LENGTH + payload.length, redirect));
            case ICMP -> IcmpView.HEADER_LENGTH + payload.length;
        };
    }

    /** Encodes the packet: Ethernet frame when MACs are set, else starting at the IP header. */
    public byte[] encode() {
        int l2 = hasEthernet() ? EthernetView.HEADER_LENGTH : 0;
        int l3len = isIpv6() ? Ipv6View.HEADER_LENGTH : Ipv4View.MIN_HEADER_LENGTH;
        int l4len = l4Length();
        byte[] b = new byte[l2 + l3len + l4len];
        if (hasEthernet()) {
            System.arraycopy(dstMac, 0, b, EthernetView.DST_OFFSET, 6);
            System.arraycopy(srcMac, 0, b, EthernetView.SRC_OFFSET, 6);
            Bytes.put16(b, EthernetView.TYPE_OFFSET, isIpv6() ? IpProtocol.ETHERTYPE_IPV6 : IpProtocol.ETHERTYPE_IPV4);
        }
        int proto = switch (transport) {
            case TCP -> IpProtocol.TCP;
            case UDP -> IpProtocol.UDP;
            case ICMP -> isIpv6() ? IpProtocol.ICMPV6 : IpProtocol.ICMP;
        };
        int l3 = l2;
        if (isIpv6()) {
            b[l3] = 0x60;
            Bytes.put16(b, l3 + Ipv6View.PAYLOAD_LENGTH_OFFSET, l4len);
            b[l3 + Ipv6View.NEXT_HEADER_OFFSET] = (byte) proto;
            b[l3 + Ipv6View.HOP_LIMIT_OFFSET] = (byte) ttl;
            System.arraycopy(src.getAddress(), 0, b, l3 + Ipv6View.SRC_OFFSET, 16);
            System.arraycopy(dst.getAddress(), 0, b, l3 + Ipv6View.DST_OFFSET, 16);
        } else {
            b[l3] = 0x45;
            Bytes.put16(b, l3 + Ipv4View.TOTAL_LENGTH_OFFSET, l3len + l4len);
            Bytes.put16(b, l3 + Ipv4View.ID_OFFSET, ipId);
            Bytes.put16(b, l3 + Ipv4View.FLAGS_FRAGMENT_OFFSET, dontFragment ? Ipv4View.FLAG_DONT_FRAGMENT : 0);
            b[l3 + Ipv4View.TTL_OFFSET] = (byte) ttl;
            b[l3 + Ipv4View.PROTOCOL_OFFSET] = (byte) proto;
            System.arraycopy(src.getAddress(), 0, b, l3 + Ipv4View.SRC_OFFSET, 4);
            System.arraycopy(dst.getAddress(), 0, b, l3 + Ipv4View.DST_OFFSET, 4);
            new Ipv4View().wrap(b, l3).computeChecksum();
        }
        int l4 = l3 + l3len;
        switch (transport) {
            case TCP -> writeTcp(b, l4);
            case UDP -> {
                Bytes.put16(b, l4, srcPort);
                Bytes.put16(b, l4 + 2, dstPort);
                int ulen = UdpView.HEADER_LENGTH + payload.length;
                Bytes.put16(b, l4 + UdpView.LENGTH_OFFSET, ulen);
                System.arraycopy(payload, 0, b, l4 + UdpView.HEADER_LENGTH, payload.length);
                if (redirect != null) {
                    UdpOptionArea.write(b, l4, ulen, redirect);
                }
            }
            case ICMP -> {
                b[l4] = (byte) icmpType;
                b[l4 + 1] = (byte) icmpCode;
                Bytes.put32(b, l4 + IcmpView.REST_OFFSET, icmpRest & 0xFFFFFFFFL);
                System.arraycopy(payload, 0, b, l4 + IcmpView.HEADER_LENGTH, payload.length);
            }
        }
        ParsedPacket p = hasEthernet()
                ? PacketParser.parseFrame(b, 0, b.length, new ParsedPacket())
                : PacketParser.parseIp(b, 0, b.length, new ParsedPacket());
        if (!p.ok()) {
            throw new IllegalStateException("crafted packet does not parse: " + p.error());
        }
        TransportChecksum.compute(p);
        return b;
    }

    private void writeTcp(byte[] b, int l4) {
        Bytes.put16(b, l4, srcPort);
        Bytes.put16(b, l4 + 2, dstPort);
        Bytes.put32(b, l4 + TcpView.SEQ_OFFSET, seq);
        Bytes.put32(b, l4 + TcpView.ACK_OFFSET, ack);
        int hlen = TcpView.MIN_HEADER_LENGTH + tcpOptionsLength();
        b[l4 + TcpView.DATA_OFFSET_OFFSET] = (byte) ((hlen / 4) << 4);
        b[l4 + TcpView.FLAGS_OFFSET] = (byte) tcpFlags;
        Bytes.put16(b, l4 + TcpView.WINDOW_OFFSET, window);
        int p = l4 + TcpView.MIN_HEADER_LENGTH;
        if (mss > 0) {
            b[p] = RedirectWire.TCP_MSS;
            b[p + 1] = 4;
            Bytes.put16(b, p + 2, mss);
            p += 4;
        }
        if (sackPermitted) {
            b[p] = RedirectWire.TCP_NOP;
            b[p + 1] = RedirectWire.TCP_NOP;
            b[p + 2] = RedirectWire.TCP_SACK_PERMITTED;
            b[p + 3] = 2;
            p += 4;
        }
        if (timestamps) {
            b[p] = RedirectWire.TCP_NOP;
            b[p + 1] = RedirectWire.TCP_NOP;
            b[p + 2] = RedirectWire.TCP_TIMESTAMPS;
            b[p + 3] = 10;
            Bytes.put32(b, p + 4, tsVal);
            Bytes.put32(b, p + 8, tsEcr);
            p += 12;
        }
        if (windowScale >= 0) {
            b[p] = RedirectWire.TCP_NOP;
            b[p + 1] = RedirectWire.TCP_WINDOW_SCALE;
            b[p + 2] = 3;
            b[p + 3] = (byte) windowScale;
            p += 4;
        }
        if (redirect != null) {
            int pad = ((redirect.encodedLength() + 3) & ~3) - redirect.encodedLength();
            for (int i = 0; i < pad; i++) {
                b[p++] = RedirectWire.TCP_NOP;
            }
            p += redirect.encodeTcp(b, p);
        }
        System.arraycopy(payload, 0, b, p, payload.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CraftedPacket c && Arrays.equals(encode(), c.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "CraftedPacket{" + transport + ' ' + src.getHostAddress() + ':' + srcPort + " > " + dst.getHostAddress() + ':' + dstPort
                + (transport == Transport.TCP ? ' ' + TcpView.flagNames(tcpFlags) + " seq=" + seq + " ack=" + ack : "")
                + (redirect != null ? ' ' + redirect.toString() : "") + " payload=" + payload.length + '}';
    }

    /** Mutable builder; defaults: TCP, TTL 64, window 65535, no options, no payload. */
    public static final class Builder {
        private byte[] srcMac;
        private byte[] dstMac;
        private InetAddress src;
        private InetAddress dst;
        private Transport transport = Transport.TCP;
        private int srcPort;
        private int dstPort;
        private int tcpFlags;
        private long seq;
        private long ack;
        private int window = 65535;
        private int mss;
        private int windowScale = -1;
        private boolean sackPermitted;
        private long tsVal;
        private long tsEcr;
        private boolean timestamps;
        private RedirectExtension redirect;
        private int ttl = 64;
        private int ipId;
        private boolean dontFragment = true;
        private int icmpType;
        private int icmpCode;
        private int icmpRest;
        private byte[] payload = new byte[0];

        private Builder() {
        }

        /** Wraps the packet in an Ethernet II frame with these 6-byte MACs. */
        public Builder ethernet(byte[] srcMac, byte[] dstMac) {
            if (srcMac.length != 6 || dstMac.length != 6) {
                throw new IllegalArgumentException("a MAC address is 6 bytes");
            }
            this.srcMac = srcMac.clone();
            this.dstMac = dstMac.clone();
            return this;
        }

        public Builder src(InetAddress a, int port) {
            this.src = a;
            this.srcPort = port;
            return this;
        }

        public Builder dst(InetAddress a, int port) {
            this.dst = a;
            this.dstPort = port;
            return this;
        }

        public Builder tcp(int flags) {
            this.transport = Transport.TCP;
            this.tcpFlags = flags;
            return this;
        }

        public Builder udp() {
            this.transport = Transport.UDP;
            return this;
        }

        /** An ICMP (IPv4) or ICMPv6 packet; for errors, the payload is the quoted packet. */
        public Builder icmp(int type, int code, int rest) {
            this.transport = Transport.ICMP;
            this.icmpType = type;
            this.icmpCode = code;
            this.icmpRest = rest;
            return this;
        }

        public Builder seq(long v) {
            this.seq = v;
            return this;
        }

        public Builder ack(long v) {
            this.ack = v;
            return this;
        }

        public Builder window(int v) {
            this.window = v;
            return this;
        }

        public Builder mss(int v) {
            this.mss = v;
            return this;
        }

        public Builder windowScale(int shift) {
            this.windowScale = shift;
            return this;
        }

        public Builder sackPermitted(boolean v) {
            this.sackPermitted = v;
            return this;
        }

        public Builder timestamps(long val, long ecr) {
            this.timestamps = true;
            this.tsVal = val;
            this.tsEcr = ecr;
            return this;
        }

        /** The redirect extension to carry (null for none). */
        public Builder redirect(RedirectExtension ext) {
            this.redirect = ext;
            return this;
        }

        public Builder ttl(int v) {
            this.ttl = v;
            return this;
        }

        public Builder ipId(int v) {
            this.ipId = v;
            return this;
        }

        public Builder dontFragment(boolean v) {
            this.dontFragment = v;
            return this;
        }

        public Builder payload(byte[] p) {
            this.payload = p.clone();
            return this;
        }

        public CraftedPacket build() {
            return new CraftedPacket(this);
        }
    }
}
