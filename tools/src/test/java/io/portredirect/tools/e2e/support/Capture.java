package io.portredirect.tools.e2e.support;

import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.tools.pcap.Frame;
import io.portredirect.tools.pcap.PcapFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code tcpdump -w} on one interface of a lab namespace (started by {@link E2eLab#capture}); ready
 * when tcpdump says it listens. {@link #stop()} ends it (SIGTERM flushes the file) and decodes the
 * pcap with {@link Segment#of} (the protocol module's parser); the file stays for tshark.
 */
public final class Capture implements AutoCloseable {
    private final LabProcess tcpdump;
    private final Path file;
    private List<Segment> segments;

    Capture(LabProcess tcpdump, Path file) {
        this.tcpdump = tcpdump;
        this.file = file;
    }

    void awaitListening() throws InterruptedException {
        tcpdump.awaitLog("listening on", Duration.ofSeconds(10));
    }

    /** The pcap file (complete after {@link #stop()}). */
    public Path file() {
        return file;
    }

    /** Stops tcpdump (once) and returns every TCP/UDP packet it wrote, in order. */
    public synchronized List<Segment> stop() throws InterruptedException {
        if (segments == null) {
            Thread.sleep(100); // let the last packets of the exchange reach the capture
            tcpdump.stop();
            List<Segment> out = new ArrayList<>();
            if (Files.exists(file)) {
                List<Frame> frames = PcapFiles.readAll(file);
                for (int i = 0; i < frames.size(); i++) {
                    Segment s = Segment.of(i, frames.get(i));
                    if (s != null) {
                        out.add(s);
                    }
                }
            }
            segments = List.copyOf(out);
        }
        return segments;
    }

    /** The segments matching {@code p} (after {@link #stop()}). */
    public List<Segment> select(Predicate<Segment> p) throws InterruptedException {
        return stop().stream().filter(p).toList();
    }

    /** Every segment one per line (stops the capture first): for failure messages. */
    public String dump() {
        try {
            return stop().stream().map(Segment::toString).collect(Collectors.joining("\n"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /** tcpdump's own log (e.g. "N packets dropped by kernel"). */
    public String tcpdumpLog() {
        return tcpdump.log();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unused-file cleanup is the lab's (its work directory). */
    static Path fileIn(Path dir, String ns, String iface) throws IOException {
        Files.createDirectories(dir);
        return dir.resolve("cap-" + ns + "-" + iface + "-" + System.nanoTime() + ".pcap");
    }
}
