package io.portredirect.protocol.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Collection;

/**
 * Ports taken out of the kernel's ephemeral range ({@code net.ipv4.ip_local_reserved_ports}, per
 * network namespace, applies to IPv6 too) so that no local connect(2) picks them as a source port.
 * {@link #close} (and a shutdown hook) removes exactly the ports this reservation added, so
 * reservations made by others in between survive; with nobody else touching the file that restores
 * the previous value.
 */
public final class LocalPortReservation implements AutoCloseable {
    /** The sysctl file. */
    public static final Path SYSCTL = Path.of("/proc/sys/net/ipv4/ip_local_reserved_ports");

    private final Path file;
    private final BitSet added;
    private final Thread hook;
    private boolean closed;

    private LocalPortReservation(Path file, BitSet added) {
        this.file = file;
        this.added = added;
        this.hook = new Thread(this::release, "reserved-ports-cleanup");
    }

    /** Reserves {@code [from, to]} (inclusive). */
    public static LocalPortReservation reserve(int from, int to) throws IOException {
        if (from < 1 || to > 65535 || from > to) {
            throw new IllegalArgumentException("bad port range " + from + "-" + to);
        }
        BitSet want = new BitSet(65536);
        want.set(from, to + 1);
        return reserve(SYSCTL, want, true);
    }

    /** Reserves each of {@code ports}. */
    public static LocalPortReservation reserve(Collection<Integer> ports) throws IOException {
        BitSet want = new BitSet(65536);
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port out of range: " + p);
            }
            want.set(p);
        }
        return reserve(SYSCTL, want, true);
    }

    static LocalPortReservation reserve(Path file, BitSet want, boolean hook) throws IOException {
        synchronized (LocalPortReservation.class) {
            BitSet current = parse(read(file));
            BitSet added = (BitSet) want.clone();
            added.andNot(current);
            if (!added.isEmpty()) {
                BitSet next = (BitSet) current.clone();
                next.or(added);
                write(file, format(next));
            }
            LocalPortReservation r = new LocalPortReservation(file, added);
            if (hook) {
                Runtime.getRuntime().addShutdownHook(r.hook);
            }
            return r;
        }
    }

    /** The current value of the sysctl, e.g. {@code 40000-40099,50000}. */
    public static String current() throws IOException {
        return read(SYSCTL);
    }

    /** Ports this reservation added (those already reserved before are not ours to remove). */
    public BitSet added() {
        return (BitSet) added.clone();
    }

    private void release() {
        synchronized (LocalPortReservation.class) {
            if (closed) {
                return;
            }
            closed = true;
            if (added.isEmpty()) {
                return;
            }
            try {
                BitSet now = parse(read(file));
                now.andNot(added);
                write(file, format(now));
            } catch (IOException e) {
                // the namespace may be gone already; nothing left to restore
            }
        }
    }

    /** Removes the ports this reservation added. Idempotent. */
    @Override
    public void close() {
        release();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutdown in progress
        }
    }

    static String read(Path file) throws IOException {
        // the kernel serves this bitmap only to a read at offset 0: read it in one call
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[1 << 20];
            int n = 0;
            for (int r; n < b.length && (r = in.read(b, n, b.length - n)) > 0; ) {
                n += r;
                if (file.startsWith("/proc")) {
                    break;
                }
            }
            return new String(b, 0, n, StandardCharsets.US_ASCII).trim();
        }
    }

    private static void write(Path file, String value) throws IOException {
        // the kernel rejects an empty write; a lone newline clears the list
        Files.writeString(file, value.isEmpty() ? "\n" : value + "\n", StandardCharsets.US_ASCII);
    }

    /** Parses the kernel's list format: comma-separated ports and inclusive ranges. */
    static BitSet parse(String s) {
        BitSet b = new BitSet(65536);
        for (String part : s.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            if (dash < 0) {
                b.set(Integer.parseInt(p));
            } else {
                b.set(Integer.parseInt(p.substring(0, dash).trim()), Integer.parseInt(p.substring(dash + 1).trim()) + 1);
            }
        }
        return b;
    }

    /** Formats as the kernel prints it. */
    static String format(BitSet b) {
        StringBuilder sb = new StringBuilder();
        for (int i = b.nextSetBit(0); i >= 0; ) {
            int end = b.nextClearBit(i) - 1;
            sb.append(sb.length() > 0 ? "," : "").append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = b.nextSetBit(end + 1);
        }
        return sb.toString();
    }
}
