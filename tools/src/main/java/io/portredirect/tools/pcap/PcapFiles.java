package io.portredirect.tools.pcap;

import io.portredirect.tools.BadInputException;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Reads pcap and pcapng files and writes classic pcap files through libpcap (pcap4j's
 * {@code openOffline} and {@code openDead} + dumper), so rdtool reads what tcpdump and tshark
 * write and writes exactly what they read.
 */
public final class PcapFiles {
    /** Snapshot length written into file headers and used for live captures. */
    public static final int SNAPLEN = 65536;

    private PcapFiles() {
    }

    /** True when the file starts as a pcap or pcapng file does (see {@link CaptureFileFormat}). */
    public static boolean looksLikePcap(Path file) {
        return CaptureFileFormat.of(file) != null;
    }

    /**
     * Hands every frame of a pcap or pcapng file to {@code sink}, in order.
     *
     * @throws BadInputException when the file is missing, unreadable, neither pcap nor pcapng, or of a
     *         link type rdtool does not decode
     */
    public static void read(Path file, Consumer<Frame> sink) {
        checkReadable(file);
        CaptureFileFormat format = CaptureFileFormat.of(file);
        if (format == null) {
            // checked here, not left to libpcap: its message for this case names neither format
            throw new BadInputException("cannot read " + file + ": not a pcap or pcapng file (" + CaptureFileFormat.describeStart(file) + ")");
        }
        PcapHandle h;
        try {
            h = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
        } catch (PcapNativeException e) {
            throw new BadInputException("cannot read " + file + " as a " + format.label() + " file: " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw Libpcap.failure("cannot read " + file, e);
        }
        try {
            LinkType link = LinkType.of(h.getDlt());
            if (link == null) {
                throw new BadInputException(file + ": link type " + h.getDlt() + " is not supported (Ethernet, raw IP or Linux cooked only)");
            }
            while (true) {
                byte[] data;
                try {
                    data = h.getNextRawPacketEx();
                } catch (EOFException e) {
                    return;
                } catch (TimeoutException e) {
                    continue; // never for files; keeps the loop honest
                }
                sink.accept(new Frame(data, link, h.getTimestamp().toInstant()));
            }
        } catch (PcapNativeException | NotOpenException e) {
            throw new BadInputException(file + ": " + e.getMessage(), e);
        } finally {
            h.close();
        }
    }

    /** All frames of a pcap or pcapng file. */
    public static List<Frame> readAll(Path file) {
        List<Frame> out = new ArrayList<>();
        read(file, out::add);
        return out;
    }

    /**
     * Writes frames to a pcap file of the given link type. With {@code append} an existing file
     * keeps its packets (it must have the same link type); the file is replaced atomically, so a
     * failure never leaves half a file behind.
     */
    public static void write(Path file, LinkType link, List<Frame> frames, boolean append) {
        List<Frame> all = new ArrayList<>();
        if (append && Files.exists(file) && sizeOf(file) > 0) {
            List<Frame> existing = readAll(file);
            LinkType have = existingLink(file, existing);
            if (have != null && have != link) {
                throw new BadInputException("cannot append a " + link.label() + " packet to " + file + ", which holds " + have.label() + " packets");
            }
            all.addAll(existing);
        }
        all.addAll(frames);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
        try {
            dump(tmp, link, all);
            keepPermissions(file, tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temp file is gone or will be overwritten next time
            }
        }
    }

    /** A temp file is private (0600); a capture is not: keep the old file's mode, else rw-r--r--. */
    private static void keepPermissions(Path file, Path tmp) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.exists(file)
                    ? Files.getPosixFilePermissions(file)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its defaults apply
        }
    }

    private static LinkType existingLink(Path file, List<Frame> existing) {
        if (!existing.isEmpty()) {
            return existing.get(0).link();
        }
        PcapHandle h = null;
        try {
            h = Pcaps.openOffline(file.toString());
            return LinkType.of(h.getDlt());
        } catch (PcapNativeException e) {
            throw new BadInputException("cannot read " + file + " as a pcap file: " + e.getMessage(), e);
        } finally {
            if (h != null) {
                h.close();
            }
        }
    }

    private static void dump(Path out, LinkType link, List<Frame> frames) {
        PcapHandle dead = null;
        PcapDumper dumper = null;
        try {
            dead = Pcaps.openDead(link.dlt(), SNAPLEN, PcapHandle.TimestampPrecision.MICRO);
            dumper = dead.dumpOpen(out.toString());
            for (Frame f : frames) {
                dumper.dumpRaw(f.data(), timestamp(f.time()));
            }
            dumper.flush();
        } catch (PcapNativeException | NotOpenException | LinkageError e) {
            throw Libpcap.failure("cannot write " + out, e);
        } finally {
            if (dumper != null) {
                dumper.close();
            }
            if (dead != null) {
                dead.close();
            }
        }
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.from(t == null ? Instant.now() : t);
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Throws {@link BadInputException} with one line when a file cannot be read. */
    public static void checkReadable(Path file) {
        if (!Files.exists(file)) {
            throw new BadInputException("cannot read " + file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new BadInputException("cannot read " + file + ": is a directory");
        }
        if (!Files.isReadable(file)) {
            throw new BadInputException("cannot read " + file + ": permission denied");
        }
    }
}
