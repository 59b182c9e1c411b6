package io.portredirect.tools.pcap;

import io.portredirect.tools.BadInputException;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Predicate;

/** Live capture and injection on a network interface through libpcap. */
public final class Interfaces {
    private static final int READ_TIMEOUT_MILLIS = 100;

    private Interfaces() {
    }

    /** Sends frames on an interface; each must match the interface's link type. */
    public static void inject(String iface, LinkType link, byte[]... frames) {
        checkExists(iface);
        PcapHandle h = open(iface);
        try {
            LinkType have = LinkType.of(h.getDlt());
            if (have != link) {
                throw new BadInputException("cannot inject a " + link.label() + " packet on " + iface + ", whose link type is "
                        + (have == null ? h.getDlt().toString() : have.label())
                        + (link == LinkType.RAW ? " (drop --no-ethernet)" : ""));
            }
            for (byte[] f : frames) {
                h.sendPacket(f);
            }
        } catch (PcapNativeException | NotOpenException e) {
            throw Libpcap.failure("cannot inject on " + iface, e);
        } finally {
            h.close();
        }
    }

    /**
     * Captures from an interface until {@code sink} returns false, {@code maxFrames} frames were
     * handed over (0 = no limit) or {@code deadline} passes (null = none).
     *
     * @param ready run once the capture is open and filtered, before the first read
     * @return the number of frames handed to the sink
     */
    public static int capture(String iface, String filter, int maxFrames, Instant deadline, Runnable ready, Predicate<Frame> sink) {
        checkExists(iface);
        PcapHandle h = open(iface);
        try {
            LinkType link = LinkType.of(h.getDlt());
            if (link == null) {
                throw new BadInputException(iface + ": link type " + h.getDlt() + " is not supported (Ethernet, raw IP or Linux cooked only)");
            }
            if (filter != null && !filter.isBlank()) {
                try {
                    h.setFilter(filter, BpfProgram.BpfCompileMode.OPTIMIZE);
                } catch (PcapNativeException e) {
                    throw new BadInputException("bad capture filter '" + filter + "': " + e.getMessage(), e);
                }
            }
            ready.run();
            int n = 0;
            while ((maxFrames <= 0 || n < maxFrames) && (deadline == null || Instant.now().isBefore(deadline))) {
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                byte[] data = h.getNextRawPacket();
                if (data == null) {
                    continue; // read timeout: look at the deadline again
                }
                n++;
                if (!sink.test(new Frame(data, link, h.getTimestamp().toInstant()))) {
                    break;
                }
            }
            return n;
        } catch (NotOpenException e) {
            throw Libpcap.failure("capture on " + iface + " failed", e);
        } finally {
            h.close();
        }
    }

    private static PcapHandle open(String iface) {
        try {
            PcapHandle.Builder b = new PcapHandle.Builder(iface)
                    .snaplen(PcapFiles.SNAPLEN)
                    .promiscuousMode(PcapNetworkInterface.PromiscuousMode.PROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .immediateMode(true)
                    .timestampPrecision(PcapHandle.TimestampPrecision.MICRO);
            return b.build();
        } catch (PcapNativeException | LinkageError e) {
            throw Libpcap.failure("cannot open " + iface, e);
        }
    }

    private static void checkExists(String iface) {
        // libpcap's own message for a missing interface is vague; /sys names the problem
        if (Files.isDirectory(Path.of("/sys/class/net")) && !Files.exists(Path.of("/sys/class/net", iface))) {
            throw new BadInputException("no such network interface: " + iface);
        }
    }
}
