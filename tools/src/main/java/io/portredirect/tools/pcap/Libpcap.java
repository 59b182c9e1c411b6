package io.portredirect.tools.pcap;

/**
 * Turns libpcap/pcap4j failures into exceptions with one readable line: JNA throws linkage
 * errors when libpcap itself is missing, pcap4j wraps libpcap's error buffer.
 */
final class Libpcap {
    private Libpcap() {
    }

    static RuntimeException failure(String what, Throwable t) {
        if (t instanceof LinkageError) {
            return new IllegalStateException(what + ": libpcap is not available (" + t.getMessage() + ")", t);
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return new IllegalStateException(what + ": " + m, t);
    }
}
