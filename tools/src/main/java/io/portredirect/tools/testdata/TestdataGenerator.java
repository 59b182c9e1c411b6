package io.portredirect.tools.testdata;

import io.portredirect.protocol.packet.Bytes;
import io.portredirect.tools.decode.PacketDecoder;
import io.portredirect.tools.decode.TextRenderer;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.PcapFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the committed test vectors of {@link Scenarios} under a testdata directory:
 * {@code pcap/NAME.pcap} (libpcap format, fixed timestamps), {@code hex/NAME.hex} (one packet per
 * line, '#' comments naming each) and {@code decoded/NAME.txt} (what {@code rdtool decode --pcap}
 * prints for the pcap). Deterministic: running it twice gives byte-identical files, which a unit
 * test checks against the committed copies.
 *
 * <p>Usage: {@code java -cp rdtool.jar io.portredirect.tools.testdata.TestdataGenerator [DIR]}
 * (default {@code testdata}).
 */
public final class TestdataGenerator {
    /** Every file's first packet is stamped at this instant, the next ones 1 ms apart. */
    public static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");

    private TestdataGenerator() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "testdata");
        List<Path> written = write(dir);
        System.out.println("wrote " + written.size() + " files under " + dir);
    }

    /** Writes every vector under {@code dir}; returns the files written. */
    public static List<Path> write(Path dir) {
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir.resolve("pcap"));
            Files.createDirectories(dir.resolve("hex"));
            Files.createDirectories(dir.resolve("decoded"));
            for (Vector v : Scenarios.all()) {
                Path pcap = dir.resolve("pcap").resolve(v.name() + ".pcap");
                PcapFiles.write(pcap, v.link(), frames(v), false);
                written.add(pcap);

                Path hex = dir.resolve("hex").resolve(v.name() + ".hex");
                Files.writeString(hex, hex(v), StandardCharsets.US_ASCII);
                written.add(hex);

                Path decoded = dir.resolve("decoded").resolve(v.name() + ".txt");
                Files.writeString(decoded, decoded(pcap), StandardCharsets.UTF_8);
                written.add(decoded);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return written;
    }

    /** The frames of a vector with their fixed timestamps. */
    public static List<Frame> frames(Vector v) {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < v.packets().size(); i++) {
            frames.add(new Frame(v.packets().get(i).bytes(), v.link(), EPOCH.plusMillis(i)));
        }
        return frames;
    }

    private static String hex(Vector v) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(v.name()).append(": ").append(v.description()).append('\n');
        sb.append("# link: ").append(v.link().label()).append("; one packet per line; decode with: rdtool decode --hex - < hex/")
                .append(v.name()).append(".hex\n");
        int i = 1;
        for (Vector.Packet p : v.packets()) {
            sb.append("# ").append(i++).append(": ").append(p.description());
            if (!p.wellFormed()) {
                sb.append(" [").append(p.problem()).append(']');
            }
            sb.append('\n');
            byte[] b = p.bytes();
            sb.append(Bytes.hex(b, 0, b.length)).append('\n');
        }
        return sb.toString();
    }

    private static String decoded(Path pcap) {
        PacketDecoder decoder = new PacketDecoder();
        StringBuilder sb = new StringBuilder();
        long[] index = {0};
        PcapFiles.read(pcap, f -> {
            index[0]++;
            if (index[0] > 1) {
                sb.append('\n');
            }
            sb.append(TextRenderer.render(decoder.decode(f, index[0]))).append('\n');
        });
        return sb.toString();
    }
}
