package io.portredirect.tools;

import io.portredirect.protocol.packet.Bytes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The table of {@code rdtool craft} argument lines that the round-trip and tshark tests share.
 * {@code {name}} placeholders stand for quote files made by {@link #fixtures}: server packets an
 * ICMP error quotes, written once as pcap and once as a hex text file.
 */
public final class CraftCases {
    public static final List<String> LINES = List.of(
            // TCP over IPv4: the negotiation, a mid-connection redirect, the probe's RST
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --syn --seq 1000 --mss 1460 --sack-perm --ts 1000:0 --wscale 7 --redirect",
            "--src 198.18.0.10:80 --dst 198.18.0.1:41000 --flags SYN,ACK --seq 5000 --ack-num 1001 --mss 1460 --confirm --opt-port 8081",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --ack --seq 1001 --ack-num 5001 --ts 1001:2000 --confirm --opt-port 8081",
            "--src 198.18.0.10:8081 --dst 198.18.0.1:41000 --flags PSH,ACK --seq 4294967295 --ack-num 20000 --window 509 --redirect --opt-port 8082 --payload drain",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --rst --seq 1001 --redirect",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --flags 0x18 --seq 7 --ack-num 9 --payload hex:00ff10",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --syn --ext-flags 0x81 --opt-port 9000",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --syn --redirect --src-mac 02:aa:bb:cc:dd:01 --dst-mac 02:aa:bb:cc:dd:02 --ttl 17 --ip-id 4242 --no-df",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:443 --fin --ack --ece --cwr --urg --psh --seq 1 --ack-num 2",
            // UDP over IPv4: odd and even payloads, empty payload, no option
            "--src 198.18.0.1:41000 --dst 198.18.0.10:7000 --udp --payload hello --redirect",
            "--src 198.18.0.10:7000 --dst 198.18.0.1:41000 --udp --payload hex:6f6b --confirm --opt-port 7001",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:7000 --udp --redirect",
            "--src 198.18.0.1:41000 --dst 198.18.0.10:7001 --udp --payload x",
            // IPv6
            "--src [2001:2::1]:41000 --dst [2001:2::10]:80 --syn --seq 1000 --mss 1440 --sack-perm --ts 5:0 --wscale 9 --redirect",
            "--src [2001:2::10]:80 --dst [2001:2::1]:41000 --flags SYN,ACK --seq 5000 --ack-num 1001 --confirm --opt-port 8081",
            "--src [2001:2::1]:41000 --dst [2001:2::10]:80 --ack --seq 1001 --ack-num 5001 --confirm --opt-port 8081",
            "--src [2001:2::10]:8081 --dst [2001:2::1]:41000 --flags PSH,ACK --seq 9 --ack-num 10 --redirect --opt-port 8082 --payload bye",
            "--src [2001:2::1]:41000 --dst [2001:2::10]:7000 --udp --payload hello --redirect",
            "--src [2001:2::10]:7000 --dst [2001:2::1]:41000 --udp --payload ok --confirm --opt-port 7001",
            // ICMP errors quoting server packets, full and truncated; an echo request
            "--src 198.18.0.1 --dst 198.18.0.10 --icmp 3/3 --quote {udp4.pcap}",
            "--src 198.18.0.1 --dst 198.18.0.10 --icmp 3/3 --quote {udp4.pcap} --quote-bytes 8",
            "--src 198.18.0.254 --dst 198.18.0.10 --icmp 3/4 --mtu 1400 --quote {tcp4.hex}",
            "--src 198.18.0.254 --dst 198.18.0.10 --icmp 3/4 --mtu 576 --quote {tcp4.hex} --quote-bytes 8",
            "--src 2001:2::fe --dst 2001:2::10 --icmp 2/0 --mtu 1280 --quote {tcp6.pcap}",
            "--src 2001:2::fe --dst 2001:2::10 --icmp 2/0 --mtu 1280 --quote {tcp6.pcap} --quote-bytes 8",
            "--src 2001:2::1 --dst 2001:2::10 --icmp 1/4 --quote {udp6.pcap}",
            "--src 198.18.0.1 --dst 198.18.0.10 --icmp 8/0 --payload ping",
            // bare IP (raw link type)
            "--src 198.18.0.1:41000 --dst 198.18.0.10:80 --syn --redirect --no-ethernet",
            "--src [2001:2::1]:41000 --dst [2001:2::10]:7000 --udp --payload abc --redirect --no-ethernet");

    /** The server packets the ICMP rows quote: name -> craft arguments. */
    private static final Map<String, String> QUOTED = Map.of(
            "udp4", "--src 198.18.0.10:7001 --dst 198.18.0.1:41000 --udp --payload reply --confirm --opt-port 7001",
            "tcp4", "--src 198.18.0.10:8081 --dst 198.18.0.1:41000 --flags PSH,ACK --seq 100 --ack-num 200 --payload "
                    + "a-segment-larger-than-the-path-mtu-would-be-longer-but-this-is-enough",
            "tcp6", "--src [2001:2::10]:8081 --dst [2001:2::1]:41000 --flags PSH,ACK --seq 100 --ack-num 200 --payload segment-v6",
            "udp6", "--src [2001:2::10]:7001 --dst [2001:2::1]:41000 --udp --payload reply6 --confirm --opt-port 7001");

    private CraftCases() {
    }

    /** Quote fixtures written under {@code dir}. */
    public static final class Fixtures {
        /** Placeholder ("udp4.pcap") -> file path. */
        public final Map<String, String> files = new LinkedHashMap<>();
        /** Placeholder -> the IP packet inside the file (what craft must quote). */
        public final Map<String, byte[]> ipPackets = new LinkedHashMap<>();

        /** The argument line with placeholders replaced. */
        public String[] expand(String line) {
            String s = line;
            for (Map.Entry<String, String> e : files.entrySet()) {
                s = s.replace("{" + e.getKey() + "}", e.getValue());
            }
            return Rd.args(s);
        }

        /** The IP packet a line quotes, or null. */
        public byte[] quotedBy(String line) {
            for (Map.Entry<String, byte[]> e : ipPackets.entrySet()) {
                if (line.contains("{" + e.getKey() + "}")) {
                    return e.getValue().clone();
                }
            }
            return null;
        }
    }

    /** Crafts the quoted server packets into {@code dir}, as pcap and as hex text files. */
    public static Fixtures fixtures(Path dir) {
        Fixtures f = new Fixtures();
        try {
            for (Map.Entry<String, String> e : QUOTED.entrySet()) {
                String hex = Rd.ok(Rd.args("craft " + e.getValue() + " --hex")).out().trim();
                byte[] frame = Bytes.fromHex(hex);
                byte[] ip = Arrays.copyOfRange(frame, 14, frame.length);
                Path pcap = dir.resolve(e.getKey() + ".pcap");
                Rd.ok(Rd.args("craft " + e.getValue() + " --out " + pcap));
                Path hexFile = dir.resolve(e.getKey() + ".hex");
                Files.writeString(hexFile, "# " + e.getKey() + "\n" + hex + "\n", StandardCharsets.US_ASCII);
                f.files.put(e.getKey() + ".pcap", pcap.toString());
                f.files.put(e.getKey() + ".hex", hexFile.toString());
                f.ipPackets.put(e.getKey() + ".pcap", ip);
                f.ipPackets.put(e.getKey() + ".hex", ip);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }
}
