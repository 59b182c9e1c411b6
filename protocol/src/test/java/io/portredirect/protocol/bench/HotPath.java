package io.portredirect.protocol.bench;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.Checksum;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.wire.RedirectOptionScan;

/**
 * What the balancer does per packet, reduced to the protocol module's part: parse the frame, read
 * the redirect option, and rewrite the destination address (l3 mode) with RFC 1624 incremental
 * updates of the IPv4 header checksum and the TCP/UDP checksum. One instance per thread; it
 * allocates nothing per packet. Shared by the allocation test and the JMH benchmark.
 */
public final class HotPath {
    private final ParsedPacket parsed = new ParsedPacket();
    private final byte[] oldAddress = new byte[16];

    /**
     * Processes one frame in place.
     *
     * @param newAddress the new destination, 4 or 16 bytes matching the packet's family
     * @return a verdict that depends on the option (so the work cannot be optimised away):
     *         -1 unparsable or wrong family, else flags * 65536 + REDIRECT_OPT (0 when absent)
     */
    public int process(byte[] b, int offset, int length, byte[] newAddress) {
        ParsedPacket p = PacketParser.parseFrame(b, offset, length, parsed);
        if (!p.ok() || p.addrLength() != newAddress.length) {
            return -1;
        }
        RedirectOptionScan option = p.redirect();
        int verdict = option.isPresent() ? (option.flags() << 16) | option.port() : 0;
        int dst = p.dstAddrOffset();
        int csumField = p.l4Offset() < 0 || p.fragment() != ParsedPacket.Fragment.NONE
                ? -1 : TransportChecksum.fieldOffset(p.protocol());
        boolean udpNoChecksum = p.isUdp() && p.ipVersion() == 4 && Bytes.u16(b, p.l4Offset() + csumField) == 0;
        if (p.ipVersion() == 4) {
            int old = Bytes.i32(b, dst);
            int now = Bytes.i32(newAddress, 0);
            Bytes.put32(b, dst, now & 0xFFFFFFFFL);
            int ipCsum = p.l3Offset() + Ipv4View.CHECKSUM_OFFSET;
            Bytes.put16(b, ipCsum, Checksum.update32(Bytes.u16(b, ipCsum), old, now));
            if (csumField >= 0 && p.protocol() != IpProtocol.ICMP && !udpNoChecksum) {
                int at = p.l4Offset() + csumField;
                int c = Checksum.update32(Bytes.u16(b, at), old, now);
                Bytes.put16(b, at, c == 0 && p.isUdp() ? 0xFFFF : c);
            }
        } else {
            System.arraycopy(b, dst, oldAddress, 0, 16);
            System.arraycopy(newAddress, 0, b, dst, 16);
            if (csumField >= 0) {
                int at = p.l4Offset() + csumField;
                Checksum.updateField(b, at, oldAddress, 0, newAddress, 0, 16);
                if (p.isUdp() && Bytes.u16(b, at) == 0) {
                    Bytes.put16(b, at, 0xFFFF);
                }
            }
        }
        return verdict;
    }
}
