package io.portredirect.tools.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.tools.cli.RdTool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * rdtool on real interfaces: two namespaces joined by a veth pair. {@code craft --inject} in one,
 * {@code decode --live} in the other sees the packet with the redirect option intact; and the
 * Linux kernel as a peer: a UDP datagram carrying the UDP option in its surplus area reaches a
 * plain kernel socket application with exactly the UDP payload, counted as a good datagram.
 * Each rdtool run is its own JVM inside a namespace, as a user would run it.
 */
@LabTest
class LiveLabTest {
    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> new Netns("prt"));
    private static final String A_IF = "prta0";
    private static final String B_IF = "prtb0";
    private static final String A4 = "198.18.5.1";
    private static final String B4 = "198.18.5.2";
    private static final String A6 = "2001:2:0:5::1";
    private static final String B6 = "2001:2:0:5::2";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path logs;
    static Netns lab;
    static String nsA;
    static String nsB;
    static String macA;
    static String macB;

    @BeforeAll
    static void topology(Netns fixture) {
        lab = fixture;
        nsA = lab.create("a");
        nsB = lab.create("b");
        lab.veth(nsA, A_IF, A4 + "/24", nsB, B_IF, B4 + "/24");
        // nodad: a tentative address would drop what we inject for the first seconds
        lab.exec(nsA, "ip", "-6", "addr", "add", A6 + "/64", "dev", A_IF, "nodad");
        lab.exec(nsB, "ip", "-6", "addr", "add", B6 + "/64", "dev", B_IF, "nodad");
        macA = lab.mac(nsA, A_IF);
        macB = lab.mac(nsB, B_IF);
    }

    @Test
    void decodeLiveSeesTheSynWithRedirectThatCraftInjected() throws Exception {
        Path log = logs.resolve("decode-v4.log");
        LabProcess decode = lab.startProcess("decode", nsB, rdtool("decode", "--live", B_IF, "--filter", "tcp dst port 80", "--count", "1", "--timeout", "30", "--json"), log);
        decode.awaitLog("listening on " + B_IF, Duration.ofSeconds(30));
        lab.exec(nsA, rdtoolArray("craft", "--src", A4 + ":41000", "--dst", B4 + ":80", "--syn", "--seq", "1000", "--mss", "1460",
                "--redirect", "--src-mac", macA, "--dst-mac", macB, "--inject", A_IF));
        JsonNode d = onlyPacket(decode, log);
        assertEquals(A4, d.path("ip").path("src").asText(), d.toString());
        assertEquals(B4, d.path("ip").path("dst").asText(), d.toString());
        assertEquals(41000, d.path("tcp").path("src_port").asInt(), d.toString());
        assertEquals(80, d.path("tcp").path("dst_port").asInt(), d.toString());
        assertEquals(0x02, d.path("tcp").path("flags").asInt(), d.toString());
        assertEquals(1000, d.path("tcp").path("seq").asLong(), d.toString());
        assertEquals("good", d.path("tcp").path("checksum_status").asText(), d.toString());
        assertEquals("present", d.path("redirect").path("status").asText(), d.toString());
        assertEquals(0x01, d.path("redirect").path("flags").asInt(), d.toString());
        assertEquals(macA, d.path("eth").path("src").asText(), d.toString());
    }

    @Test
    void decodeLiveSeesAnIpv6SynAckWithConfirmAndPort() throws Exception {
        Path log = logs.resolve("decode-v6.log");
        LabProcess decode = lab.startProcess("decode", nsB, rdtool("decode", "--live", B_IF, "--filter", "ip6 and tcp src port 80", "--count", "1", "--timeout", "30", "--json"), log);
        decode.awaitLog("listening on " + B_IF, Duration.ofSeconds(30));
        lab.exec(nsA, rdtoolArray("craft", "--src", "[" + A6 + "]:80", "--dst", "[" + B6 + "]:41000", "--flags", "SYN,ACK", "--seq", "5000",
                "--ack-num", "1001", "--confirm", "--opt-port", "8081", "--src-mac", macA, "--dst-mac", macB, "--inject", A_IF));
        JsonNode d = onlyPacket(decode, log);
        assertEquals(6, d.path("ip").path("version").asInt(), d.toString());
        assertEquals(0x12, d.path("tcp").path("flags").asInt(), d.toString());
        assertEquals("good", d.path("tcp").path("checksum_status").asText(), d.toString());
        assertEquals("present", d.path("redirect").path("status").asText(), d.toString());
        assertEquals(0x02, d.path("redirect").path("flags").asInt(), d.toString());
        assertEquals(8081, d.path("redirect").path("port").asInt(), d.toString());
    }

    @Test
    void kernelDeliversExactlyTheUdpPayloadOfADatagramWithTheUdpOption() throws Exception {
        kernelPeer(A4, B4, "Udp");
    }

    @Test
    void kernelDeliversExactlyTheUdpPayloadOverIpv6() throws Exception {
        kernelPeer("[" + A6 + "]", "[" + B6 + "]", "Udp6");
    }

    private void kernelPeer(String from, String to, String counters) throws Exception {
        String bindAddr = to.replace("[", "").replace("]", "");
        Path log = logs.resolve("sink-" + counters + ".log");
        LabProcess sink = lab.startProcess("sink", nsB, java(DatagramSink.class.getName(), bindAddr, "7000", "2", "30"), log);
        sink.awaitLog("READY", Duration.ofSeconds(30));
        Map<String, Long> before = snmp(nsB, counters);

        // odd payload: one pad byte, OCS, REDIRECT; even payload: OCS, REDIRECT_CONFIRM + REDIRECT_OPT
        String odd = "hello, kernel";
        String even = "even payload";
        lab.exec(nsA, rdtoolArray("craft", "--src", from + ":41000", "--dst", to + ":7000", "--udp", "--payload", odd, "--redirect",
                "--src-mac", macA, "--dst-mac", macB, "--inject", A_IF));
        lab.exec(nsA, rdtoolArray("craft", "--src", from + ":41000", "--dst", to + ":7000", "--udp", "--payload", even, "--confirm", "--opt-port", "7001",
                "--src-mac", macA, "--dst-mac", macB, "--inject", A_IF));

        if (!sink.awaitExit(Duration.ofSeconds(40))) {
            fail("the UDP application did not receive both datagrams:\n" + read(log));
        }
        List<String> datagrams = new ArrayList<>();
        for (String line : read(log).split("\n")) {
            if (line.startsWith("DATAGRAM ")) {
                datagrams.add(new String(HexFormat.of().parseHex(line.substring(9).trim()), StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of(odd, even), datagrams, "the application gets the UDP payload, never the surplus area:\n" + read(log));
        Map<String, Long> after = snmp(nsB, counters);
        String prefix = counters.equals("Udp") ? "" : "Udp6";
        assertEquals(2, after.get(prefix + "InDatagrams") - before.get(prefix + "InDatagrams"), "counted as good datagrams: " + after);
        assertEquals(before.get(prefix + "InErrors"), after.get(prefix + "InErrors"), "no UDP input errors: " + after);
        assertEquals(before.get(prefix + "InCsumErrors"), after.get(prefix + "InCsumErrors"), "no UDP checksum errors: " + after);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static List<String> java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> rdtool(String... args) {
        return java(RdTool.class.getName(), args);
    }

    private static String[] rdtoolArray(String... args) {
        return rdtool(args).toArray(String[]::new);
    }

    private static JsonNode onlyPacket(LabProcess decode, Path log) throws Exception {
        if (!decode.awaitExit(Duration.ofSeconds(40))) {
            fail("decode --live did not see the packet:\n" + read(log));
        }
        assertEquals(0, decode.exitCode(), read(log));
        List<JsonNode> packets = new ArrayList<>();
        for (String line : read(log).split("\n")) {
            if (line.startsWith("{")) {
                packets.add(JSON.readTree(line));
            }
        }
        assertEquals(1, packets.size(), read(log));
        assertTrue(read(log).contains("1 packet captured"), read(log));
        return packets.get(0);
    }

    /** UDP counters of a namespace's /proc/net/snmp (Udp) or /proc/net/snmp6 (Udp6). */
    private static Map<String, Long> snmp(String ns, String which) {
        Map<String, Long> m = new TreeMap<>();
        if (which.equals("Udp")) {
            String[] lines = lab.exec(ns, "cat", "/proc/net/snmp").split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
                    String[] k = lines[i].trim().split("\\s+");
                    String[] v = lines[i + 1].trim().split("\\s+");
                    for (int j = 1; j < k.length; j++) {
                        m.put(k[j], Long.parseLong(v[j]));
                    }
                    break;
                }
            }
        } else {
            for (String line : lab.exec(ns, "cat", "/proc/net/snmp6").split("\n")) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].startsWith("Udp6")) {
                    m.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        return m;
    }

    private static String read(Path log) throws IOException {
        File f = log.toFile();
        return f.exists() ? Files.readString(log) : "";
    }
}
