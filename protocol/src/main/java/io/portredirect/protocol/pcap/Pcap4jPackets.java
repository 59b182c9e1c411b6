package io.portredirect.protocol.pcap;

import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.UdpView;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.UdpPacket;
import org.pcap4j.packet.UnknownPacket;

import java.util.Arrays;

/**
 * {@link CraftedPacket}s as pcap4j {@link Packet}s: the bytes {@link CraftedPacket#encode()} writes,
 * decoded by pcap4j's packet factories, so {@code CraftedPacket} stays the one builder of packets.
 * The redirect TCP option decodes as {@link TcpRedirectOption} (this class calls
 * {@link Pcap4jRedirect#install()}; if that fails the option is pcap4j's unknown option, same bytes).
 *
 * <p>UDP: pcap4j's UDP decoder stops at the UDP length and would drop the RFC 9868 surplus area
 * that carries the redirect UDP option. So the UDP layer's payload here is the user data followed
 * by the surplus area, with the UDP length and checksum left as written (they cover the user data
 * only): {@code getRawData()} returns exactly the crafted bytes. Read the UDP option itself with
 * {@link PacketParser}.
 */
public final class Pcap4jPackets {
    private Pcap4jPackets() {
    }

    /** The packet as pcap4j sees it: an {@link EthernetPacket} when it has MACs, else {@link IpV4Packet} or {@link IpV6Packet}. */
    public static Packet of(CraftedPacket packet) {
        Pcap4jRedirect.install();
        byte[] b = packet.encode();
        Packet decoded;
        try {
            if (packet.hasEthernet()) {
                decoded = EthernetPacket.newPacket(b, 0, b.length);
            } else if (packet.isIpv6()) {
                decoded = IpV6Packet.newPacket(b, 0, b.length);
            } else {
                decoded = IpV4Packet.newPacket(b, 0, b.length);
            }
        } catch (IllegalRawDataException e) {
            throw new IllegalStateException("pcap4j cannot decode a crafted packet: " + e.getMessage(), e);
        }
        return packet.transport() == CraftedPacket.Transport.UDP ? withSurplusArea(decoded, b, packet.hasEthernet()) : decoded;
    }

    private static Packet withSurplusArea(Packet decoded, byte[] b, boolean ethernet) {
        ParsedPacket p = ethernet ? PacketParser.parseFrame(b, 0, b.length, new ParsedPacket())
                : PacketParser.parseIp(b, 0, b.length, new ParsedPacket());
        if (p.udpSurplusLength() == 0) {
            return decoded;
        }
        int data = p.l4Offset() + UdpView.HEADER_LENGTH;
        Packet.Builder builder = decoded.getBuilder();
        // the builders pcap4j hands back do not recompute lengths or checksums, so the bytes stay ours
        builder.get(UdpPacket.Builder.class)
                .payloadBuilder(new UnknownPacket.Builder().rawData(Arrays.copyOfRange(b, data, p.ipEnd())));
        if (builder instanceof EthernetPacket.Builder frame) {
            // pcap4j took the bytes its UDP layer dropped for Ethernet padding; they are UDP payload now
            frame.pad(Arrays.copyOfRange(b, p.ipEnd(), b.length));
        }
        return builder.build();
    }
}
