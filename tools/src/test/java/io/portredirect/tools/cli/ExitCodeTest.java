package io.portredirect.tools.cli;

import io.portredirect.tools.Rd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or unreadable input; errors are one line without a stack trace. */
class ExitCodeTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "rdtool {0}")
    @ValueSource(strings = {
        "",
        "frobnicate",
        "craft",
        "craft --dst 198.18.0.10:80",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --bogus",
        "craft --src somehost:80 --dst 198.18.0.10:80",
        "craft --src 198.18.0.1:70000 --dst 198.18.0.10:80",
        "craft --src 198.18.0.1:1 --dst [2001:2::1]:80",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --opt-port 8081",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --redirect --opt-port 0",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --flags SYN,BOGUS",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --udp --mss 1460",
        "craft --src 198.18.0.1 --dst 198.18.0.10 --icmp 3/3 --redirect",
        "craft --src 198.18.0.1 --dst 198.18.0.10 --icmp x/y",
        "craft --src 198.18.0.1 --dst 198.18.0.10 --icmp 3/3 --quote /nonexistent/quote.pcap",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --wscale 15",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --src-mac 02:00:00",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --payload hex:abc",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --append",
        "craft --src 198.18.0.1:1 --dst 198.18.0.10:80 --udp --tcp",
        "decode",
        "decode --pcap /nonexistent/file.pcap",
        "decode --pcap /nonexistent/a.pcap --hex 00",
        "decode --hex zz",
        "decode --hex 4500 --filter tcp",
        "decode --live no-such-if0 --count 1 --timeout 1",
        "decode --pcap x.pcap --link raw"
    })
    void badUsageOrUnreadableInputExitsTwoWithOneLine(String line) {
        Rd.Result r = Rd.run(line.isEmpty() ? new String[0] : Rd.args(line));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r);
        assertOneLineReason(r);
    }

    @Test
    void missingPcapNamesTheFile() {
        Rd.Result r = Rd.run("decode", "--pcap", "/nonexistent/file.pcap");
        assertEquals(2, r.exit());
        assertEquals("rdtool decode: cannot read /nonexistent/file.pcap: no such file", r.err().trim());
    }

    @Test
    void aFileThatIsNotAPcapIsUnreadableInput() throws IOException {
        Rd.assumeLibpcap();
        Path notPcap = Files.writeString(dir.resolve("notes.txt"), "this is not a capture\n");
        Rd.Result r = Rd.run("decode", "--pcap", notPcap.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("rdtool decode: cannot read " + notPcap), r.toString());
        assertOneLineReason(r);
    }

    @Test
    void appendingRawIpToAnEthernetFileIsRefused() {
        Rd.assumeLibpcap();
        Path pcap = dir.resolve("eth.pcap");
        Rd.ok("craft", "--src", "198.18.0.1:1", "--dst", "198.18.0.10:80", "--out", pcap.toString());
        Rd.Result r = Rd.run("craft", "--src", "198.18.0.1:1", "--dst", "198.18.0.10:80", "--no-ethernet", "--out", pcap.toString(), "--append");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("holds ethernet packets"), r.toString());
        assertEquals(1, Rd.ok("decode", "--pcap", pcap.toString(), "--json").jsonLines().size(), "the file is left as it was");
    }

    @Test
    void anUnwritableOutputIsARuntimeFailure() throws IOException {
        Rd.assumeLibpcap();
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Rd.Result r = Rd.run("craft", "--src", "198.18.0.1:1", "--dst", "198.18.0.10:80", "--out", file.resolve("sub/x.pcap").toString());
        assertEquals(1, r.exit(), r.toString());
        assertOneLineReason(r);
    }

    @ParameterizedTest(name = "rdtool {0}")
    @ValueSource(strings = {"--help", "--version", "craft --help", "decode --help", "help craft", "craft --version"})
    void helpAndVersionExitZero(String line) {
        Rd.Result r = Rd.run(Rd.args(line));
        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.out().isBlank());
    }

    @Test
    void malformedPacketsAreDataNotErrors() {
        // a TCP header cut short: decode reports it and exits 0
        Rd.Result r = Rd.run("decode", "--hex", "45000020000040004006aea8c6120001c612000aa0280050000003e800000000", "--json");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("TRUNCATED_TCP", r.jsonLines().get(0).path("error").asText(), r.toString());
    }

    private static void assertOneLineReason(Rd.Result r) {
        String[] lines = r.err().strip().split("\n");
        assertTrue(lines.length >= 1 && lines[0].startsWith("rdtool"), "reason first: " + r);
        assertTrue(lines.length == 1 || (lines.length == 2 && lines[1].startsWith("Try '")), "one line (plus a --help hint): " + r);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r);
    }
}
