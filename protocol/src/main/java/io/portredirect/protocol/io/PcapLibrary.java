package io.portredirect.protocol.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Points pcap4j at the runtime libpcap when only the versioned library is installed (Debian's
 * libpcap0.8 ships libpcap.so.0.8; the unversioned libpcap.so comes with libpcap-dev).
 */
final class PcapLibrary {
    private static final String PROPERTY = "org.pcap4j.core.pcapLibName";
    private static final String[] CANDIDATES = {
        "/usr/lib/x86_64-linux-gnu/libpcap.so", "/usr/lib/aarch64-linux-gnu/libpcap.so", "/usr/lib/libpcap.so",
        "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8", "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8", "/usr/lib/libpcap.so.0.8",
        "/usr/lib/x86_64-linux-gnu/libpcap.so.1", "/usr/lib/aarch64-linux-gnu/libpcap.so.1",
    };

    private PcapLibrary() {
    }

    static synchronized void ensure() {
        if (System.getProperty(PROPERTY) != null) {
            return;
        }
        for (String c : CANDIDATES) {
            if (Files.exists(Path.of(c))) {
                System.setProperty(PROPERTY, c);
                return;
            }
        }
    }

    /** Null when libpcap loads, else why not. */
    static String whyNot() {
        ensure();
        try {
            String v = org.pcap4j.core.Pcaps.libVersion();
            return v == null ? "libpcap did not report a version" : null;
        } catch (Throwable e) {
            return "libpcap cannot be loaded (apt-get install libpcap0.8): " + e;
        }
    }
}
