package io.portredirect.tools.cli;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.CraftedPacket;
import io.portredirect.protocol.packet.IcmpView;
import io.portredirect.protocol.packet.Ipv4View;
import io.portredirect.protocol.packet.TcpView;
import io.portredirect.protocol.wire.RedirectExtension;
import io.portredirect.protocol.wire.RedirectWire;
import io.portredirect.tools.craft.ByteSpecs;
import io.portredirect.tools.craft.Endpoint;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.Interfaces;
import io.portredirect.tools.pcap.LinkType;
import io.portredirect.tools.pcap.PcapFiles;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code rdtool craft}: builds one packet from options and writes, prints or injects it. */
@Command(name = "craft",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        headerHeading = "%n",
        header = "Build one TCP, UDP or ICMP packet, with or without the redirect extension.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Builds a single packet from the options and computes every length and checksum from scratch "
                + "(IPv4 header, TCP/UDP/ICMP/ICMPv6 with pseudo-header, and the RFC 9868 option checksum of a UDP "
                + "surplus area). The packet is an Ethernet II frame unless --no-ethernet is given.",
            "",
            "TCP options are written in this order: MSS, SACK-permitted, timestamps, window scale, then the "
                + "redirect option (kind 253, ExID 0x5244), each padded with NOPs to a 4-byte boundary. For UDP the "
                + "redirect option (kind 127, ExID 0x5244) follows the payload in the surplus area, after the option "
                + "checksum; receivers that do not know UDP options deliver the payload unchanged.",
            "",
            "Output goes to a pcap file (--out), standard output as hex (--hex, the default when no output is "
                + "named) or an interface (--inject); several may be combined."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  A SYN from a redirect-aware client to redirect port 80:",
            "    rdtool craft --src 198.18.0.1:40000 --dst 198.18.0.10:80 --syn \\",
            "        --mss 1460 --redirect --out syn.pcap",
            "  The server's answer naming service port 8081:",
            "    rdtool craft --src 198.18.0.10:80 --dst 198.18.0.1:40000 \\",
            "        --flags SYN,ACK --ack-num 1 --confirm --opt-port 8081 --hex",
            "  A UDP datagram over IPv6 with the UDP option:",
            "    rdtool craft --src [2001:2::1]:41000 --dst [2001:2::10]:7000 --udp \\",
            "        --payload hello --redirect --out udp.pcap",
            "  ICMP port unreachable quoting a server packet, cut to its header + 8 bytes:",
            "    rdtool craft --src 198.18.0.1 --dst 198.18.0.10 --icmp 3/3 \\",
            "        --quote server.pcap --quote-bytes 8 --out icmp.pcap",
            "  Send a SYN on a lab interface:",
            "    rdtool craft --src 198.18.5.1:41000 --dst 198.18.5.2:80 --redirect \\",
            "        --src-mac 02:00:00:00:05:01 --dst-mac 02:00:00:00:05:02 --inject veth0"},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:packet written",
            "1:writing or injecting failed",
            "2:bad usage or unreadable input (bad address, missing --quote file, bad hex)"})
public final class CraftCommand implements Callable<Integer> {
    /** Locally administered (bit 1 of the first octet), so they never clash with a real NIC's address. */
    public static final String DEFAULT_SRC_MAC = "02:00:00:00:00:01";
    public static final String DEFAULT_DST_MAC = "02:00:00:00:00:02";

    /** Largest payload that leaves room for IP, TCP with options and a UDP option area in 65535 bytes. */
    private static final int MAX_BODY = 65535 - Ipv4View.MIN_HEADER_LENGTH - TcpView.MAX_HEADER_LENGTH - 16;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--src", required = true, paramLabel = "ADDR:PORT",
            description = "Source address and port: 198.18.0.1:40000 or [2001:2::1]:40000 (ICMP: the address alone).")
    String src;

    @Option(names = "--dst", required = true, paramLabel = "ADDR:PORT",
            description = "Destination address and port, same forms as --src; both must be IPv4 or both IPv6.")
    String dst;

    @ArgGroup(exclusive = true, heading = "%nTransport (default --tcp):%n")
    TransportChoice transport = new TransportChoice();

    static final class TransportChoice {
        @Option(names = "--tcp", description = "A TCP segment (the default).")
        boolean tcp;

        @Option(names = "--udp", description = "A UDP datagram.")
        boolean udp;

        @Option(names = "--icmp", paramLabel = "TYPE/CODE",
                description = "An ICMP message (ICMPv6 for IPv6 addresses), e.g. 3/3 port unreachable, 3/4 fragmentation "
                        + "needed, 2/0 packet too big (v6), 1/4 port unreachable (v6), 8/0 echo request.")
        String icmp;
    }

    @ArgGroup(exclusive = false, heading = "%nTCP:%n")
    TcpOptions tcp = new TcpOptions();

    static final class TcpOptions {
        @Option(names = "--flags", split = ",", paramLabel = "FLAG",
                description = "TCP flags by name (FIN,SYN,RST,PSH,ACK,URG,ECE,CWR) or as a number (0x12). "
                        + "Combined with the single-flag options below. Without any flag option: SYN.")
        List<String> flags;

        @Option(names = "--syn", description = "Set SYN.")
        boolean syn;

        @Option(names = "--ack", description = "Set ACK (the acknowledgment number is --ack-num).")
        boolean ack;

        @Option(names = "--fin", description = "Set FIN.")
        boolean fin;

        @Option(names = "--rst", description = "Set RST.")
        boolean rst;

        @Option(names = "--psh", description = "Set PSH.")
        boolean psh;

        @Option(names = "--urg", description = "Set URG.")
        boolean urg;

        @Option(names = "--ece", description = "Set ECE.")
        boolean ece;

        @Option(names = "--cwr", description = "Set CWR.")
        boolean cwr;

        @Option(names = "--seq", paramLabel = "N", description = "Sequence number (default 0).")
        long seq;

        @Option(names = "--ack-num", paramLabel = "N", description = "Acknowledgment number (default 0).")
        long ackNum;

        @Option(names = "--window", paramLabel = "N", defaultValue = "65535", description = "Window (default 65535).")
        int window = 65535;

        @Option(names = "--mss", paramLabel = "BYTES", description = "Add the MSS option.")
        Integer mss;

        @Option(names = "--ts", paramLabel = "VAL[:ECR]", description = "Add the timestamps option (TSecr 0 when omitted).")
        String ts;

        @Option(names = "--sack-perm", description = "Add the SACK-permitted option.")
        boolean sackPerm;

        @Option(names = "--wscale", paramLabel = "SHIFT", description = "Add the window scale option (0-14).")
        Integer wscale;
    }

    @ArgGroup(exclusive = false, heading = "%nRedirect extension (TCP option 253 / UDP option 127, ExID 0x5244):%n")
    RedirectOptions redirect = new RedirectOptions();

    static final class RedirectOptions {
        @Option(names = "--redirect", description = "Set REDIRECT (0x01): the client supports redirection, or (with --opt-port) a mid-connection move.")
        boolean redirect;

        @Option(names = "--confirm", description = "Set REDIRECT_CONFIRM (0x02): the server confirms; --opt-port names the port to reopen on.")
        boolean confirm;

        @Option(names = "--opt-port", paramLabel = "PORT", description = "REDIRECT_OPT: the port (1-65535); makes the option 7 bytes long.")
        Integer optPort;

        @Option(names = "--ext-flags", paramLabel = "BYTE",
                description = "The option's whole flags byte (e.g. 0x81), for testing receivers with unknown bits; overrides --redirect/--confirm.")
        String extFlags;
    }

    @ArgGroup(exclusive = false, heading = "%nIP, payload and ICMP:%n")
    BodyOptions body = new BodyOptions();

    static final class BodyOptions {
        @Option(names = "--payload", paramLabel = "TEXT|hex:HEX",
                description = "Payload: UTF-8 text, or bytes written as hex:48656c6c6f.")
        String payload;

        @Option(names = "--ttl", paramLabel = "N", defaultValue = "64", description = "IPv4 TTL / IPv6 hop limit (default 64).")
        int ttl = 64;

        @Option(names = "--ip-id", paramLabel = "N", description = "IPv4 identification (default 0).")
        int ipId;

        @Option(names = "--no-df", description = "Clear IPv4 Don't Fragment (set by default).")
        boolean noDf;

        @Option(names = "--quote", paramLabel = "FILE|hex:HEX",
                description = "ICMP errors: the packet to quote, from a pcap file (its first packet), a file of hex, or hex. "
                        + "Ethernet framing is removed.")
        String quote;

        @Option(names = "--quote-bytes", paramLabel = "N",
                description = "ICMP errors: keep only the quoted IP header (with IPv4 options or IPv6 extension headers) plus N bytes; RFC 792 asks for 8.")
        Integer quoteBytes;

        @Option(names = "--mtu", paramLabel = "BYTES",
                description = "ICMP fragmentation needed (3/4) or ICMPv6 packet too big (2/0): the MTU to report.")
        Integer mtu;
    }

    @ArgGroup(exclusive = false, heading = "%nLink layer:%n")
    LinkOptions linkOptions = new LinkOptions();

    static final class LinkOptions {
        @Option(names = "--src-mac", paramLabel = "MAC", defaultValue = DEFAULT_SRC_MAC,
                description = "Ethernet source (default ${DEFAULT-VALUE}, locally administered).")
        String srcMac = DEFAULT_SRC_MAC;

        @Option(names = "--dst-mac", paramLabel = "MAC", defaultValue = DEFAULT_DST_MAC,
                description = "Ethernet destination (default ${DEFAULT-VALUE}).")
        String dstMac = DEFAULT_DST_MAC;

        @Option(names = "--no-ethernet", description = "Emit a bare IP packet (raw IP pcap link type) instead of an Ethernet frame.")
        boolean noEthernet;
    }

    @ArgGroup(exclusive = false, heading = "%nOutput (default --hex):%n")
    OutputOptions output = new OutputOptions();

    static final class OutputOptions {
        @Option(names = "--out", paramLabel = "FILE", description = "Write a pcap file (replaced unless --append).")
        Path out;

        @Option(names = "--append", description = "Add the packet to the end of the --out file (created when missing).")
        boolean append;

        @Option(names = "--hex", description = "Print the packet as one line of hex on standard output.")
        boolean hex;

        @Option(names = "--inject", paramLabel = "IFACE", description = "Send the packet on this interface through libpcap (needs root or CAP_NET_RAW).")
        String inject;
    }

    @Override
    public Integer call() {
        CraftedPacket packet = build();
        byte[] bytes = packet.encode();
        LinkType link = packet.hasEthernet() ? LinkType.ETHERNET : LinkType.RAW;
        boolean any = output.out != null || output.hex || output.inject != null;
        PrintWriter out = spec.commandLine().getOut();
        if (output.out != null) {
            PcapFiles.write(output.out, link, List.of(new Frame(bytes, link, Instant.now())), output.append);
        }
        if (output.inject != null) {
            Interfaces.inject(output.inject, link, bytes);
        }
        if (output.hex || !any) {
            out.println(Bytes.hex(bytes, 0, bytes.length));
        }
        out.flush();
        return 0;
    }

    /** The packet the options describe; usage errors become ParameterExceptions (exit 2). */
    CraftedPacket build() {
        Endpoint s = endpoint(src, "--src");
        Endpoint d = endpoint(dst, "--dst");
        if (s.isIpv6() != d.isIpv6()) {
            throw usage("--src and --dst must both be IPv4 or both IPv6");
        }
        boolean isTcp = transport.icmp == null && !transport.udp;
        boolean isIcmp = transport.icmp != null;
        checkCombinations(isTcp, isIcmp);

        CraftedPacket.Builder b = CraftedPacket.builder().src(s.address(), s.port()).dst(d.address(), d.port());
        if (!linkOptions.noEthernet) {
            b.ethernet(mac(linkOptions.srcMac, "--src-mac"), mac(linkOptions.dstMac, "--dst-mac"));
        }
        b.ttl(range(body.ttl, 0, 255, "--ttl")).ipId(range(body.ipId, 0, 0xFFFF, "--ip-id")).dontFragment(!body.noDf);
        if (isTcp) {
            b.tcp(tcpFlags());
            b.seq(range32(tcp.seq, "--seq")).ack(range32(tcp.ackNum, "--ack-num")).window(range(tcp.window, 0, 0xFFFF, "--window"));
            if (tcp.mss != null) {
                b.mss(range(tcp.mss, 1, 0xFFFF, "--mss"));
            }
            if (tcp.wscale != null) {
                b.windowScale(range(tcp.wscale, 0, 14, "--wscale"));
            }
            b.sackPermitted(tcp.sackPerm);
            if (tcp.ts != null) {
                timestamps(b);
            }
        } else if (transport.udp) {
            b.udp();
        } else {
            icmp(b, s.isIpv6());
        }
        RedirectExtension ext = extension(isIcmp);
        if (ext != null) {
            b.redirect(ext);
        }
        if (body.payload != null) {
            b.payload(ByteSpecs.payload(body.payload));
        }
        CraftedPacket p;
        try {
            p = b.build();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (p.payload().length > MAX_BODY) {
            throw usage("a payload or quote of " + p.payload().length + " bytes does not fit one IP packet (at most " + MAX_BODY + ")");
        }
        return p;
    }

    private void checkCombinations(boolean isTcp, boolean isIcmp) {
        boolean tcpOnly = tcp.flags != null || tcp.syn || tcp.ack || tcp.fin || tcp.rst || tcp.psh || tcp.urg || tcp.ece || tcp.cwr
                || tcp.seq != 0 || tcp.ackNum != 0 || tcp.window != 65535 || tcp.mss != null || tcp.ts != null || tcp.sackPerm || tcp.wscale != null;
        if (!isTcp && tcpOnly) {
            throw usage("TCP flags and options (--flags, --syn, --seq, --mss, ...) need --tcp");
        }
        if (!isIcmp && (body.quote != null || body.quoteBytes != null || body.mtu != null)) {
            throw usage("--quote, --quote-bytes and --mtu need --icmp");
        }
        if (isIcmp && body.quote != null && body.payload != null) {
            throw usage("--quote and --payload both set the ICMP body; give one");
        }
        if (body.quoteBytes != null && body.quote == null) {
            throw usage("--quote-bytes needs --quote");
        }
        if (output.append && output.out == null) {
            throw usage("--append needs --out FILE");
        }
    }

    private int tcpFlags() {
        int f = 0;
        boolean any = false;
        if (tcp.flags != null) {
            for (String name : tcp.flags) {
                f |= flag(name.trim());
                any = true;
            }
        }
        boolean[] single = {tcp.fin, tcp.syn, tcp.rst, tcp.psh, tcp.ack, tcp.urg, tcp.ece, tcp.cwr};
        for (int i = 0; i < single.length; i++) {
            if (single[i]) {
                f |= 1 << i;
                any = true;
            }
        }
        return any ? f : TcpView.SYN;
    }

    private int flag(String name) {
        if (name.isEmpty()) {
            throw usage("--flags: empty flag name");
        }
        String upper = name.toUpperCase(Locale.ROOT);
        for (int i = 0; i < TcpView.FLAG_NAMES.size(); i++) {
            if (TcpView.FLAG_NAMES.get(i).equals(upper)) {
                return 1 << i;
            }
        }
        try {
            return range(Integer.decode(name), 0, 0xFF, "--flags");
        } catch (NumberFormatException e) {
            throw usage("--flags: unknown TCP flag '" + name + "' (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR or a number)");
        }
    }

    private void timestamps(CraftedPacket.Builder b) {
        String[] parts = tcp.ts.split(":", 2);
        try {
            long val = Long.parseLong(parts[0].trim());
            long ecr = parts.length > 1 ? Long.parseLong(parts[1].trim()) : 0;
            b.timestamps(range32(val, "--ts"), range32(ecr, "--ts"));
        } catch (NumberFormatException e) {
            throw usage("--ts: expected VAL or VAL:ECR (decimal), got '" + tcp.ts + "'");
        }
    }

    private void icmp(CraftedPacket.Builder b, boolean v6) {
        String[] tc = transport.icmp.split("/", 2);
        int type;
        int code;
        try {
            type = Integer.parseInt(tc[0].trim());
            code = tc.length > 1 ? Integer.parseInt(tc[1].trim()) : 0;
        } catch (NumberFormatException e) {
            throw usage("--icmp: expected TYPE/CODE in decimal (e.g. 3/3), got '" + transport.icmp + "'");
        }
        range(type, 0, 255, "--icmp type");
        range(code, 0, 255, "--icmp code");
        int rest = 0;
        if (body.mtu != null) {
            boolean fragNeeded = !v6 && type == IcmpView.V4_DEST_UNREACHABLE && code == IcmpView.V4_CODE_FRAG_NEEDED;
            boolean tooBig = v6 && type == IcmpView.V6_PACKET_TOO_BIG;
            if (!fragNeeded && !tooBig) {
                throw usage("--mtu applies to ICMP 3/4 (fragmentation needed) and ICMPv6 2/0 (packet too big)");
            }
            rest = v6 ? body.mtu : range(body.mtu, 0, 0xFFFF, "--mtu");
        }
        b.icmp(type, code, rest);
        if (body.quote != null) {
            byte[] q = ByteSpecs.quote(body.quote);
            if (body.quoteBytes != null) {
                q = ByteSpecs.truncateQuote(q, range(body.quoteBytes, 0, 0xFFFF, "--quote-bytes"));
            }
            b.payload(q);
        }
    }

    private RedirectExtension extension(boolean isIcmp) {
        RedirectOptions r = redirect;
        boolean any = r.redirect || r.confirm || r.optPort != null || r.extFlags != null;
        if (!any) {
            return null;
        }
        if (isIcmp) {
            throw usage("the redirect extension (--redirect, --confirm, --opt-port) is for TCP and UDP; ICMP cannot carry it");
        }
        int flags;
        if (r.extFlags != null) {
            try {
                flags = range(Integer.decode(r.extFlags), 0, 0xFF, "--ext-flags");
            } catch (NumberFormatException e) {
                throw usage("--ext-flags: expected a number such as 0x01, got '" + r.extFlags + "'");
            }
        } else {
            flags = (r.redirect ? RedirectWire.FLAG_REDIRECT : 0) | (r.confirm ? RedirectWire.FLAG_CONFIRM : 0);
            if (flags == 0) {
                throw usage("--opt-port needs --redirect or --confirm (or --ext-flags)");
            }
        }
        int port = 0;
        if (r.optPort != null) {
            port = range(r.optPort, 1, 0xFFFF, "--opt-port");
        }
        return RedirectExtension.of(flags, port);
    }

    private Endpoint endpoint(String s, String option) {
        try {
            return Endpoint.parse(s);
        } catch (IllegalArgumentException e) {
            throw usage(option + ": " + e.getMessage());
        }
    }

    private byte[] mac(String s, String option) {
        try {
            return ByteSpecs.mac(s);
        } catch (IllegalArgumentException e) {
            throw usage(option + ": " + e.getMessage());
        }
    }

    private int range(int v, int min, int max, String option) {
        if (v < min || v > max) {
            throw usage(option + " must be " + min + "-" + max + ", got " + v);
        }
        return v;
    }

    private long range32(long v, String option) {
        if (v < 0 || v > 0xFFFFFFFFL) {
            throw usage(option + " must be 0-4294967295, got " + v);
        }
        return v;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
