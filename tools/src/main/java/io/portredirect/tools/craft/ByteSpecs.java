package io.portredirect.tools.craft;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.Ipv6View;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.tools.BadInputException;
import io.portredirect.tools.decode.HexFrames;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.LinkType;
import io.portredirect.tools.pcap.PcapFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Turns the byte-valued options of {@code craft} (payload, quote, MACs) into bytes. */
public final class ByteSpecs {
    private static final Pattern HEX_TEXT = Pattern.compile("(?s)[0-9A-Fa-f\\s:]+");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}");

    private ByteSpecs() {
    }

    /** {@code hex:...} as bytes, anything else as its UTF-8 text. */
    public static byte[] payload(String spec) {
        if (spec.regionMatches(true, 0, "hex:", 0, 4)) {
            try {
                return Bytes.fromHex(spec.substring(4));
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--payload: " + e.getMessage());
            }
        }
        return spec.getBytes(StandardCharsets.UTF_8);
    }

    /** A MAC in aa:bb:cc:dd:ee:ff (or dash) form. */
    public static byte[] mac(String s) {
        if (!MAC.matcher(s).matches()) {
            throw new IllegalArgumentException("expected a MAC address like 02:00:00:00:00:01, got '" + s + "'");
        }
        return Bytes.fromHex(s.replace('-', ':'));
    }

    /**
     * The IP packet an ICMP error quotes: {@code hex:...}, a file (a pcap file's first packet, or
     * hex text, or raw bytes), or bare hex. Ethernet framing is stripped.
     */
    public static byte[] quote(String spec) {
        byte[] raw;
        if (spec.regionMatches(true, 0, "hex:", 0, 4)) {
            raw = hex(spec.substring(4), "--quote");
        } else {
            Path file = Path.of(spec);
            if (Files.isRegularFile(file)) {
                raw = fromFile(file);
            } else if (HEX_TEXT.matcher(spec).matches() && spec.length() >= 40) {
                raw = hex(spec, "--quote");
            } else {
                throw new BadInputException("--quote: cannot read " + spec + ": no such file (give a file, or hex:...)");
            }
        }
        return stripLink(raw);
    }

    private static byte[] fromFile(Path file) {
        if (PcapFiles.looksLikePcap(file)) {
            List<Frame> frames = PcapFiles.readAll(file);
            if (frames.isEmpty()) {
                throw new BadInputException("--quote: " + file + " holds no packets");
            }
            Frame f = frames.get(0);
            return ipOf(f.data(), f.link(), file.toString());
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException("--quote: cannot read " + file + ": " + e.getMessage());
        }
        String text = new String(content, StandardCharsets.US_ASCII);
        String noComments = text.replaceAll("(?m)^\\s*#.*$", "");
        if (HEX_TEXT.matcher(noComments).matches() && !noComments.isBlank()) {
            // a hex vector file: the first non-comment line is the packet
            for (String line : noComments.split("\n")) {
                if (!line.isBlank()) {
                    return hex(line, "--quote " + file);
                }
            }
        }
        return content;
    }

    private static byte[] hex(String s, String what) {
        try {
            return Bytes.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(what + ": not hex: " + e.getMessage());
        }
    }

    private static byte[] stripLink(byte[] b) {
        if (b.length == 0) {
            throw new BadInputException("--quote: empty");
        }
        // a quote is usually a bare (possibly truncated) IP packet, so its length may not match
        int version = (b[0] & 0xF0) >>> 4;
        return ipOf(b, version == 4 || version == 6 ? LinkType.RAW : HexFrames.guessLink(b), "--quote");
    }

    private static byte[] ipOf(byte[] b, LinkType link, String what) {
        if (link == LinkType.RAW) {
            return b;
        }
        ParsedPacket p = new ParsedPacket();
        if (link == LinkType.LINUX_SLL) {
            return Arrays.copyOfRange(b, Math.min(b.length, LinkType.SLL_HEADER_LENGTH), b.length);
        }
        PacketParser.parseFrame(b, 0, b.length, p);
        if (p.l3Offset() < 0) {
            throw new BadInputException(what + ": neither an IP packet nor an Ethernet frame holding one");
        }
        return Arrays.copyOfRange(b, p.l3Offset(), p.ok() ? p.ipEnd() : b.length);
    }

    /**
     * Truncates a quoted packet to its IP header plus {@code n} bytes (RFC 792 asks for at least 8).
     * The IP header is the IPv4 header with options, or the IPv6 header with extension headers.
     */
    public static byte[] truncateQuote(byte[] ip, int n) {
        ParsedPacket p = PacketParser.parseIp(ip, 0, ip.length, new ParsedPacket());
        int header;
        if (p.l4Offset() >= 0) {
            header = p.l4Offset();
        } else if (ip.length > 0 && (ip[0] & 0xF0) == 0x40) {
            header = (ip[0] & 0x0F) * 4;
        } else {
            header = Ipv6View.HEADER_LENGTH;
        }
        header = Math.max(Math.min(header, ip.length), Math.min(Ipv4View.MIN_HEADER_LENGTH, ip.length));
        return Arrays.copyOf(ip, Math.min(ip.length, header + n));
    }
}
