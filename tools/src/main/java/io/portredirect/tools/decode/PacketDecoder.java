package io.portredirect.tools.decode;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.EthernetView;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.Ipv6View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.QuotedPacket;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.packet.TransportChecksum;
import io.portredirect.protocol.packet.UdpView;
import io.portredirect.protocol.wire.MalformedReason;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectOptionScan;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.protocol.wire.TcpOptionWalker;
import io.portredirect.protocol.wire.UdpOptionArea;
import io.portredirect.protocol.wire.UdpOptionWalker;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.LinkType;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Decodes one frame into a JSON tree with stable field names (documented in tools/README.md):
 * every header field, every TCP and UDP option, the redirect extension, checksum verdicts and a
 * list of problems naming why a malformed packet is malformed. The protocol module's
 * {@link PacketParser} does the parsing; this class only reads fields and names them, so decode
 * shows exactly what the balancer and agents see. The text output is rendered from the same tree.
 */
public final class PacketDecoder {
    /** Checksum verdicts, named as tshark names them. */
    public static final String GOOD = "good";
    public static final String BAD = "bad";
    public static final String UNVERIFIED = "unverified";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ParsedPacket p = new ParsedPacket();

    /** Decodes a frame; {@code index} is its 1-based position in the input. */
    public ObjectNode decode(Frame frame, long index) {
        byte[] b = frame.data();
        ObjectNode out = JSON.objectNode();
        out.put("index", index);
        Instant t = frame.time();
        if (t != null) {
            out.put("time", t.toString());
        }
        out.put("link", frame.link().label());
        out.put("length", b.length);
        Problems problems = new Problems();

        switch (frame.link()) {
            case ETHERNET -> PacketParser.parseFrame(b, 0, b.length, p);
            case RAW -> PacketParser.parseIp(b, 0, b.length, p);
            case LINUX_SLL -> {
                if (b.length < LinkType.SLL_HEADER_LENGTH) {
                    PacketParser.parseFrame(b, 0, 0, p); // yields TRUNCATED_ETHERNET: the link header is cut
                } else {
                    PacketParser.parseIp(b, LinkType.SLL_HEADER_LENGTH, b.length - LinkType.SLL_HEADER_LENGTH, p);
                }
            }
        }
        out.put("ok", p.ok());
        if (!p.ok()) {
            out.put("error", p.error().name());
            out.put("error_text", p.error().description());
            problems.add("packet", p.error().name(), p.error().description());
        }
        if (frame.link() == LinkType.ETHERNET && b.length >= EthernetView.HEADER_LENGTH) {
            out.set("eth", ethernet(b));
        } else if (frame.link() == LinkType.LINUX_SLL && b.length >= LinkType.SLL_HEADER_LENGTH) {
            ObjectNode sll = out.putObject("sll");
            sll.put("packet_type", Bytes.u16(b, 0));
            sll.put("protocol", Bytes.u16(b, 14));
        }
        if (p.ipVersion() != 0) {
            out.set("ip", ip(b, problems));
            if (p.frameEnd() > p.ipEnd()) {
                out.put("trailer_length", p.frameEnd() - p.ipEnd());
            }
        }
        if (p.ok() && p.fragment() != ParsedPacket.Fragment.NON_FIRST) {
            if (p.isTcp()) {
                out.set("tcp", tcp(b, problems));
            } else if (p.isUdp()) {
                out.set("udp", udp(b, problems));
            } else if (p.isIcmp()) {
                out.set("icmp", icmp(b, problems));
            }
            if (p.isTcp() || p.isUdp()) {
                out.set("redirect", redirect(p.redirect(), problems));
            }
        }
        out.put("malformed", !problems.list.isEmpty());
        out.set("problems", problems.list);
        return out;
    }

    private static ObjectNode ethernet(byte[] b) {
        ObjectNode e = JSON.objectNode();
        e.put("src", Bytes.mac(b, EthernetView.SRC_OFFSET));
        e.put("dst", Bytes.mac(b, EthernetView.DST_OFFSET));
        EthernetView v = new EthernetView();
        if (v.wrap(b, 0, b.length)) {
            e.put("type", v.etherType());
            e.put("vlan_tags", v.vlanTags());
            if (v.vlanTags() > 0) {
                e.put("vlan_id", v.vlanId());
            }
        }
        return e;
    }

    private ObjectNode ip(byte[] b, Problems problems) {
        ObjectNode ip = JSON.objectNode();
        int l3 = p.l3Offset();
        ip.put("version", p.ipVersion());
        ip.put("src", Bytes.ip(b, p.srcAddrOffset(), p.addrLength()));
        ip.put("dst", Bytes.ip(b, p.dstAddrOffset(), p.addrLength()));
        if (p.ipVersion() == 4) {
            Ipv4View v = new Ipv4View().wrap(b, l3);
            ip.put("header_length", v.headerLength());
            ip.put("tos", v.tos());
            ip.put("total_length", v.totalLength());
            ip.put("id", v.id());
            ip.put("df", v.dontFragment());
            ip.put("mf", v.moreFragments());
            ip.put("fragment_offset", v.fragmentOffset());
            ip.put("ttl", v.ttl());
            ip.put("checksum", v.checksum());
            boolean good = v.checksumValid();
            ip.put("checksum_status", good ? GOOD : BAD);
            if (!good) {
                problems.add("ip", "BAD_IP_CHECKSUM", "IPv4 header checksum does not verify");
            }
        } else {
            Ipv6View v = new Ipv6View().wrap(b, l3);
            ip.put("traffic_class", v.trafficClass());
            ip.put("flow_label", v.flowLabel());
            ip.put("payload_length", v.payloadLength());
            ip.put("next_header", v.nextHeader());
            ip.put("hop_limit", v.hopLimit());
        }
        ip.put("protocol", p.protocol());
        ip.put("protocol_name", IpProtocol.name(p.protocol()));
        ip.put("fragment", p.fragment().name().toLowerCase());
        return ip;
    }

    private ObjectNode tcp(byte[] b, Problems problems) {
        int l4 = p.l4Offset();
        TcpView v = new TcpView().wrap(b, l4);
        ObjectNode tcp = JSON.objectNode();
        tcp.put("src_port", v.srcPort());
        tcp.put("dst_port", v.dstPort());
        tcp.put("seq", v.seq());
        tcp.put("ack", v.ack());
        tcp.put("header_length", v.headerLength());
        tcp.put("flags", v.flags());
        ArrayNode names = tcp.putArray("flag_names");
        for (int i = 0; i < TcpView.FLAG_NAMES.size(); i++) {
            if ((v.flags() & (1 << i)) != 0) {
                names.add(TcpView.FLAG_NAMES.get(i));
            }
        }
        tcp.put("window", v.window());
        tcp.put("checksum", v.checksum());
        tcp.put("checksum_status", transportChecksum("TCP", problems));
        tcp.put("urgent_pointer", v.urgentPointer());
        int payloadOffset = l4 + v.headerLength();
        tcp.put("payload_length", p.ipEnd() - payloadOffset);
        tcp.put("payload", Bytes.hex(b, payloadOffset, p.ipEnd() - payloadOffset));
        ArrayNode options = tcp.putArray("options");
        MalformedReason why = TcpOptionWalker.walk(b, v.optionsOffset(), v.optionsLength(), (buf, off, kind, len) -> {
            options.add(tcpOption(buf, off, kind, len));
            return true;
        });
        if (why != null) {
            tcp.put("options_error", why.name());
            tcp.put("options_error_text", why.description());
            problems.add("tcp", why.name(), "TCP options: " + why.description());
        }
        return tcp;
    }

    private static ObjectNode tcpOption(byte[] b, int off, int kind, int len) {
        ObjectNode o = JSON.objectNode();
        o.put("kind", kind);
        o.put("name", TcpOptionWalker.kindName(kind));
        o.put("length", len);
        switch (kind) {
            case RedirectWire.TCP_EOL, RedirectWire.TCP_NOP, RedirectWire.TCP_SACK_PERMITTED -> {
                // no value
            }
            case RedirectWire.TCP_MSS -> o.put("mss", Bytes.u16(b, off + 2));
            case RedirectWire.TCP_WINDOW_SCALE -> o.put("shift", Bytes.u8(b, off + 2));
            case RedirectWire.TCP_TIMESTAMPS -> {
                o.put("tsval", Bytes.u32(b, off + 2));
                o.put("tsecr", Bytes.u32(b, off + 6));
            }
            case RedirectWire.TCP_SACK -> {
                ArrayNode blocks = o.putArray("blocks");
                for (int q = off + 2; q + 8 <= off + len; q += 8) {
                    blocks.addArray().add(Bytes.u32(b, q)).add(Bytes.u32(b, q + 4));
                }
            }
            case RedirectWire.TCP_OPTION_KIND, RedirectWire.TCP_EXPERIMENT_2 -> experimental(o, b, off, 2, len);
            default -> o.put("data", Bytes.hex(b, off + 2, len - 2));
        }
        return o;
    }

    /** RFC 6994 layout shared by TCP and UDP experimental options: ExID then data. */
    private static void experimental(ObjectNode o, byte[] b, int off, int header, int len) {
        if (len >= header + 2) {
            o.put("exid", Bytes.u16(b, off + header));
            o.put("data", Bytes.hex(b, off + header + 2, len - header - 2));
        } else {
            o.put("data", Bytes.hex(b, off + header, len - header));
        }
    }

    private ObjectNode udp(byte[] b, Problems problems) {
        int l4 = p.l4Offset();
        UdpView v = new UdpView().wrap(b, l4);
        ObjectNode udp = JSON.objectNode();
        udp.put("src_port", v.srcPort());
        udp.put("dst_port", v.dstPort());
        udp.put("length", v.length());
        udp.put("checksum", v.checksum());
        udp.put("checksum_status", transportChecksum("UDP", problems));
        int payloadEnd = Math.min(l4 + v.length(), p.ipEnd());
        udp.put("payload_length", payloadEnd - v.payloadOffset());
        udp.put("payload", Bytes.hex(b, v.payloadOffset(), payloadEnd - v.payloadOffset()));
        int surplus = p.udpSurplusLength();
        udp.put("surplus_length", surplus);
        if (surplus > 0 && p.fragment() == ParsedPacket.Fragment.NONE) {
            int ocs = UdpOptionArea.ocsOffset(l4, v.length());
            int end = p.ipEnd();
            if (ocs + RedirectWire.UDP_OCS_LENGTH > end) {
                udp.putNull("ocs");
                udp.put("ocs_status", "missing");
                problems.add("udp", MalformedReason.UDP_NO_OCS.name(), MalformedReason.UDP_NO_OCS.description());
            } else {
                int value = Bytes.u16(b, ocs);
                udp.put("ocs", value);
                String status = value == 0 ? "zero" : UdpOptionArea.ocsValid(b, ocs, end) ? GOOD : BAD;
                udp.put("ocs_status", status);
                if (BAD.equals(status)) {
                    problems.add("udp", MalformedReason.UDP_BAD_OCS.name(), MalformedReason.UDP_BAD_OCS.description());
                }
                ArrayNode options = udp.putArray("options");
                int opts = ocs + RedirectWire.UDP_OCS_LENGTH;
                MalformedReason why = UdpOptionWalker.walk(b, opts, end - opts, (buf, off, kind, len) -> {
                    options.add(udpOption(buf, off, kind, len));
                    return true;
                });
                if (why != null) {
                    udp.put("options_error", why.name());
                    udp.put("options_error_text", why.description());
                    problems.add("udp", why.name(), "UDP options: " + why.description());
                }
            }
        }
        return udp;
    }

    private static ObjectNode udpOption(byte[] b, int off, int kind, int len) {
        ObjectNode o = JSON.objectNode();
        o.put("kind", kind);
        o.put("name", UdpOptionWalker.kindName(kind));
        o.put("length", len);
        if (len > 1) {
            int header = (b[off + 1] & 0xFF) == RedirectWire.UDP_EXTENDED_LENGTH
                    ? RedirectWire.UDP_EXTENDED_HEADER_LENGTH : RedirectWire.OPTION_HEADER_LENGTH;
            if (kind == RedirectWire.UDP_OPTION_KIND || kind == RedirectWire.UDP_EXPERIMENT_UNSAFE) {
                experimental(o, b, off, header, len);
            } else {
                o.put("data", Bytes.hex(b, off + header, len - header));
            }
        }
        return o;
    }

    private ObjectNode icmp(byte[] b, Problems problems) {
        int l4 = p.l4Offset();
        IcmpView v = new IcmpView().wrap(b, l4);
        int version = p.ipVersion();
        ObjectNode icmp = JSON.objectNode();
        icmp.put("type", v.type());
        icmp.put("type_name", Names.icmpType(version, v.type()));
        icmp.put("code", v.code());
        String codeName = Names.icmpCode(version, v.type(), v.code());
        if (codeName != null) {
            icmp.put("code_name", codeName);
        }
        icmp.put("checksum", v.checksum());
        icmp.put("checksum_status", transportChecksum(version == 6 ? "ICMPv6" : "ICMP", problems));
        icmp.put("rest", v.rest() & 0xFFFFFFFFL);
        if (version == 4 && v.type() == IcmpView.V4_DEST_UNREACHABLE && v.code() == IcmpView.V4_CODE_FRAG_NEEDED) {
            icmp.put("mtu", v.rest() & 0xFFFF);
        } else if (version == 6 && v.type() == IcmpView.V6_PACKET_TOO_BIG) {
            icmp.put("mtu", v.rest() & 0xFFFFFFFFL);
        }
        icmp.put("error", p.isIcmpError());
        int body = v.quotedOffset();
        icmp.put("payload_length", p.ipEnd() - body);
        icmp.put("payload", Bytes.hex(b, body, p.ipEnd() - body));
        if (p.isIcmpError()) {
            icmp.set("quote", quote(b, p.quoted(), body, p.ipEnd(), problems));
        }
        return icmp;
    }

    private static ObjectNode quote(byte[] b, QuotedPacket q, int start, int end, Problems problems) {
        ObjectNode o = JSON.objectNode();
        o.put("status", q.status().name().toLowerCase());
        o.put("length", end - start);
        if (q.addrLength() > 0) {
            o.put("ip_version", q.ipVersion());
            o.put("src", Bytes.ip(b, q.srcAddrOffset(), q.addrLength()));
            o.put("dst", Bytes.ip(b, q.dstAddrOffset(), q.addrLength()));
            if (q.protocol() >= 0) {
                o.put("protocol", q.protocol());
                o.put("protocol_name", IpProtocol.name(q.protocol()));
            }
        }
        if (q.hasPorts()) {
            o.put("src_port", q.srcPort());
            o.put("dst_port", q.dstPort());
            int l4 = q.l4Offset();
            if (q.protocol() == IpProtocol.TCP && l4 + TcpView.MIN_HEADER_LENGTH <= end) {
                TcpView t = new TcpView().wrap(b, l4);
                o.put("tcp_flags", t.flags());
                o.put("seq", t.seq());
                int hlen = t.headerLength();
                if (hlen >= TcpView.MIN_HEADER_LENGTH && l4 + hlen <= end) {
                    RedirectOptionScan scan = new RedirectOptionScan().scanTcp(b, l4 + TcpView.MIN_HEADER_LENGTH, hlen - TcpView.MIN_HEADER_LENGTH);
                    o.set("redirect", redirect(scan, null));
                }
            }
        }
        if (q.status() == QuotedPacket.Status.BAD) {
            problems.add("icmp", "BAD_QUOTE", "the quoted packet has no readable IP header");
        }
        return o;
    }

    private String transportChecksum(String name, Problems problems) {
        TransportChecksum.Verdict verdict = TransportChecksum.verify(p);
        return switch (verdict) {
            case VALID -> GOOD;
            case INVALID -> {
                problems.add(name.toLowerCase(), "BAD_CHECKSUM", name + " checksum does not verify");
                yield BAD;
            }
            case NOT_CHECKED -> UNVERIFIED;
        };
    }

    private static ObjectNode redirect(RedirectOptionScan scan, Problems problems) {
        ObjectNode r = JSON.objectNode();
        r.put("status", scan.status().name().toLowerCase());
        if (scan.optionOffset() >= 0) {
            r.put("length", scan.optionLength());
        }
        if (scan.isPresent()) {
            r.put("flags", scan.flags());
            ArrayNode names = r.putArray("flag_names");
            if (scan.isRedirect()) {
                names.add("REDIRECT");
            }
            if (scan.isConfirm()) {
                names.add("REDIRECT_CONFIRM");
            }
            int unknown = scan.flags() & ~RedirectWire.KNOWN_FLAGS;
            if (unknown != 0) {
                names.add(String.format("0x%02x", unknown));
            }
            if (scan.port() != 0) {
                r.put("port", scan.port());
            } else {
                r.putNull("port");
            }
            r.put("text", RedirectExtension.flagNames(scan.flags()) + (scan.port() != 0 ? " port " + scan.port() : ""));
        } else if (scan.isMalformed()) {
            r.put("reason", scan.reason().name());
            r.put("reason_text", scan.reason().description());
            if (problems != null) {
                problems.add("redirect", scan.reason().name(), "redirect option ignored: " + scan.reason().description());
            }
        }
        return r;
    }

    /** Problems of one packet, each reason once (an option-area error also breaks the redirect scan). */
    private static final class Problems {
        final ArrayNode list = JSON.arrayNode();
        private final Set<String> codes = new HashSet<>();

        void add(String layer, String code, String text) {
            if (!"redirect".equals(layer) || !codes.contains(code)) {
                ObjectNode o = list.addObject();
                o.put("layer", layer);
                o.put("code", code);
                o.put("text", text);
            }
            codes.add(code);
        }
    }
}
