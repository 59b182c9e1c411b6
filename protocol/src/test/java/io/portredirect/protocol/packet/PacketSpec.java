package io.portredirect.protocol.packet;

import io.portredirect.protocol.wire.RedirectExtension;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Every field of a random TCP or UDP packet, so a property can build it (with CraftedPacket or
 * pcap4j), parse the bytes back and compare field by field. Mutable on purpose: jqwik fills it.
 */
public final class PacketSpec {
    public boolean v6;
    public boolean udp;
    public byte[] srcMac;
    public byte[] dstMac;
    public byte[] src;
    public byte[] dst;
    public int srcPort;
    public int dstPort;
    public int tcpFlags;
    public long seq;
    public long ack;
    public int window = 65535;
    public int mss;
    public int windowScale = -1;
    public boolean sackPermitted;
    public boolean timestamps;
    public long tsVal;
    public long tsEcr;
    public int ttl = 64;
    public int ipId;
    public boolean dontFragment = true;
    public byte[] payload = new byte[0];
    public RedirectExtension redirect;

    public InetAddress srcAddress() {
        return address(src);
    }

    public InetAddress dstAddress() {
        return address(dst);
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean hasEthernet() {
        return srcMac != null;
    }

    /** The same packet as a CraftedPacket builder. */
    public CraftedPacket.Builder crafted() {
        CraftedPacket.Builder b = CraftedPacket.builder().src(srcAddress(), srcPort).dst(dstAddress(), dstPort)
                .ttl(ttl).ipId(ipId).dontFragment(dontFragment).payload(payload).redirect(redirect);
        if (udp) {
            b.udp();
        } else {
            b.tcp(tcpFlags).seq(seq).ack(ack).window(window).mss(mss).windowScale(windowScale).sackPermitted(sackPermitted);
            if (timestamps) {
                b.timestamps(tsVal, tsEcr);
            }
        }
        if (hasEthernet()) {
            b.ethernet(srcMac, dstMac);
        }
        return b;
    }

    /** Random specs: IPv4/IPv6, TCP/UDP, with and without Ethernet, options and the extension. */
    public static Arbitrary<PacketSpec> arbitrary() {
        Arbitrary<Integer> port = Arbitraries.oneOf(Arbitraries.integers().between(0, 65535), Arbitraries.of(0, 1, 80, 65535));
        Arbitrary<Long> u32 = Arbitraries.longs().between(0, 0xFFFFFFFFL);
        Arbitrary<RedirectExtension> ext = Arbitraries.integers().between(0, 255)
                .flatMap(f -> Arbitraries.oneOf(Arbitraries.just(0), port).map(p -> RedirectExtension.of(f, p)));
        return Builders.withBuilder(PacketSpec::new)
                .use(Arbitraries.of(false, true)).inSetter((s, v) -> s.v6 = v)
                .use(Arbitraries.of(false, true)).inSetter((s, v) -> s.udp = v)
                .use(Arbitraries.bytes().array(byte[].class).ofSize(6)).withProbability(0.5).inSetter((s, v) -> {
                    s.srcMac = v;
                    s.dstMac = reversed(v);
                })
                .use(Arbitraries.bytes().array(byte[].class).ofSize(16)).inSetter((s, v) -> s.src = v)
                .use(Arbitraries.bytes().array(byte[].class).ofSize(16)).inSetter((s, v) -> s.dst = v)
                .use(port).inSetter((s, v) -> s.srcPort = v)
                .use(port).inSetter((s, v) -> s.dstPort = v)
                .use(Arbitraries.integers().between(0, 255)).inSetter((s, v) -> s.tcpFlags = v)
                .use(u32).inSetter((s, v) -> s.seq = v)
                .use(u32).inSetter((s, v) -> s.ack = v)
                .use(Arbitraries.integers().between(0, 65535)).inSetter((s, v) -> s.window = v)
                .use(Arbitraries.integers().between(1, 65535)).withProbability(0.6).inSetter((s, v) -> s.mss = v)
                .use(Arbitraries.integers().between(0, 14)).withProbability(0.5).inSetter((s, v) -> s.windowScale = v)
                .use(Arbitraries.of(false, true)).inSetter((s, v) -> s.sackPermitted = v)
                .use(u32).withProbability(0.5).inSetter((s, v) -> {
                    s.timestamps = true;
                    s.tsVal = v;
                    s.tsEcr = v ^ 0x5a5a5a5aL;
                })
                .use(Arbitraries.integers().between(0, 255)).inSetter((s, v) -> s.ttl = v)
                .use(Arbitraries.integers().between(0, 65535)).inSetter((s, v) -> s.ipId = v)
                .use(Arbitraries.of(false, true)).inSetter((s, v) -> s.dontFragment = v)
                .use(Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(80)).inSetter((s, v) -> s.payload = v)
                .use(ext).withProbability(0.6).inSetter((s, v) -> s.redirect = v)
                .build()
                .map(PacketSpec::normalise);
    }

    private static byte[] reversed(byte[] a) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    private PacketSpec normalise() {
        if (!v6) {
            src = Arrays.copyOf(src, 4);
            dst = Arrays.copyOf(dst, 4);
        } else {
            // an IPv4-mapped address would come back from InetAddress as IPv4
            src[0] |= 0x20;
            dst[0] |= 0x20;
        }
        return this;
    }

    @Override
    public String toString() {
        return (v6 ? "v6 " : "v4 ") + (udp ? "UDP " : "TCP ") + Bytes.ip(src, 0, src.length) + ':' + srcPort + " > "
                + Bytes.ip(dst, 0, dst.length) + ':' + dstPort + (udp ? "" : " flags=" + tcpFlags + " seq=" + seq + " ack=" + ack
                + " win=" + window + " mss=" + mss + " ws=" + windowScale + " sack=" + sackPermitted
                + (timestamps ? " ts=" + tsVal + "/" + tsEcr : "")) + " ttl=" + ttl + " id=" + ipId + " df=" + dontFragment
                + " eth=" + hasEthernet() + " payload=" + payload.length + " redirect=" + redirect;
    }
}
