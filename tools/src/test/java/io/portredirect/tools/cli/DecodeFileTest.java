package io.portredirect.tools.cli;

import io.portredirect.tools.Rd;
import io.portredirect.tools.Repo;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.LinkType;
import io.portredirect.tools.pcap.PcapFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rdtool decode FILE}: the file given positionally, as to {@code tcpdump -r}, pcap or pcapng by its first bytes. */
class DecodeFileTest {
    private static final List<String> ETHERNET_SAMPLES = List.of("tcp4-syn-redirect.pcap", "tcp6-synack-confirm.pcap", "udp4-redirect.pcap");

    @TempDir
    Path dir;

    @Test
    void aPcapFileGivenPositionallyDecodesAsWithPcapOption() {
        Rd.assumeLibpcap();
        String pcap = sample("tcp4-syn-redirect.pcap").toString();
        Rd.Result positional = Rd.ok("decode", pcap);
        assertEquals(Rd.ok("decode", "--pcap", pcap).out(), positional.out());
        assertTrue(positional.out().contains("REDIRECT"), positional.toString());
    }

    @Test
    void aPcapngFileFromEditcapDecodesLikeThePcapItCameFrom() throws Exception {
        Rd.assumeLibpcap();
        Path pcap = sample("tcp4-syn-redirect.pcap");
        Path pcapng = dir.resolve("converted.pcapng");
        Process editcap;
        try {
            editcap = new ProcessBuilder("editcap", "-F", "pcapng", pcap.toString(), pcapng.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("SKIPPED: editcap (wireshark-common) is not installed");
            return;
        }
        String editcapOut = new String(editcap.getInputStream().readAllBytes());
        assertTrue(editcap.waitFor(60, TimeUnit.SECONDS) && editcap.exitValue() == 0, "editcap: " + editcapOut);

        assertEquals(Rd.ok("decode", pcap.toString(), "--json").out(), Rd.ok("decode", pcapng.toString(), "--json").out());
    }

    /** Section Header, Interface Description and Enhanced Packet blocks, written here in both byte orders. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LITTLE_ENDIAN", "BIG_ENDIAN"})
    void aPcapngFileInEitherByteOrderDecodesLikeTheSamePacketsInPcap(String byteOrder) throws IOException {
        Rd.assumeLibpcap();
        List<Frame> frames = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (String name : ETHERNET_SAMPLES) {
            frames.addAll(PcapFiles.readAll(sample(name)));
            expected.append(Rd.ok("decode", sample(name).toString(), "--json").out());
        }
        ByteOrder order = "BIG_ENDIAN".equals(byteOrder) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Path pcapng = Files.write(dir.resolve("capture.pcapng"), pcapng(frames, order));

        Rd.Result r = Rd.ok("decode", pcapng.toString(), "--json");
        // each sample file numbers its packet 1; the pcapng file numbers them 1, 2, 3
        assertEquals(expected.toString().replaceAll("\"index\":\\d+", ""), r.out().replaceAll("\"index\":\\d+", ""));
        assertEquals(frames.size(), r.jsonLines().size());
        assertEquals(3, r.jsonLines().get(2).path("index").asInt(), r.toString());
    }

    @Test
    void aFileThatIsNeitherPcapNorPcapngIsRefusedWithOneLine() throws IOException {
        Path garbage = Files.writeString(dir.resolve("capture.pcap"), "this is not a capture\n");
        Rd.Result r = Rd.run("decode", garbage.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertEquals("rdtool decode: cannot read " + garbage + ": not a pcap or pcapng file (it starts with 74 68 69 73)", r.err().strip());
    }

    @Test
    void anEmptyFileIsRefusedWithOneLine() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.pcapng"));
        Rd.Result r = Rd.run("decode", "--pcap", empty.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("rdtool decode: cannot read " + empty + ": not a pcap or pcapng file (it is empty)", r.err().strip());
    }

    @Test
    void aFileAndAnotherSourceAreBadUsage() {
        String pcap = sample("tcp4-syn-redirect.pcap").toString();
        for (String[] args : List.of(new String[] {"decode", pcap, "--pcap", pcap}, new String[] {"decode", pcap, "--live", "lo"})) {
            Rd.Result r = Rd.run(args);
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().startsWith("rdtool decode: one input only"), r.toString());
        }
    }

    @Test
    void helpShowsTheFileForm() {
        String help = Rd.ok("decode", "--help").out();
        assertTrue(help.contains("Usage: rdtool decode [OPTIONS] FILE"), help);
        assertTrue(help.contains("pcap or pcapng"), help);
    }

    private static Path sample(String name) {
        return Repo.testdata().resolve("pcap").resolve(name);
    }

    /** A pcapng file: one section, one Ethernet interface (microsecond timestamps), one Enhanced Packet Block per frame. */
    private static byte[] pcapng(List<Frame> frames, ByteOrder order) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer shb = block(0x0A0D0D0A, 16, order).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
        out.writeBytes(finish(shb));
        ByteBuffer idb = block(1, 8, order).putShort((short) 1).putShort((short) 0).putInt(65536);
        out.writeBytes(finish(idb));
        for (Frame f : frames) {
            assertEquals(LinkType.ETHERNET, f.link());
            long micros = f.time().getEpochSecond() * 1_000_000L + f.time().getNano() / 1000;
            int padded = (f.data().length + 3) & ~3;
            ByteBuffer epb = block(6, 20 + padded, order).putInt(0).putInt((int) (micros >>> 32)).putInt((int) micros)
                    .putInt(f.data().length).putInt(f.data().length).put(f.data());
            epb.position(epb.position() + padded - f.data().length);
            out.writeBytes(finish(epb));
        }
        return out.toByteArray();
    }

    /** A block's type and total length; the body follows, then {@link #finish} repeats the length. */
    private static ByteBuffer block(int type, int bodyLength, ByteOrder order) {
        int total = 12 + bodyLength;
        return ByteBuffer.allocate(total).order(order).putInt(type).putInt(total);
    }

    private static byte[] finish(ByteBuffer b) {
        b.putInt(b.capacity());
        return b.array();
    }
}
