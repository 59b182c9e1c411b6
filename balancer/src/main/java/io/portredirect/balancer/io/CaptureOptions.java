package io.portredirect.balancer.io;

/**
 * How the pcap path opens and reads an interface.
 *
 * @param mode          how frames move between libpcap and Java
 * @param bufferBytes   the kernel capture ring per interface (pcap_set_buffer_size)
 * @param busyPollNanos after a frame, how long a reader polls for the next one before it sleeps
 *                      (0: it sleeps at once); see {@link ReadyPoll}
 */
public record CaptureOptions(IoMode mode, int bufferBytes, long busyPollNanos) {
    public CaptureOptions {
        if (bufferBytes <= 0 || busyPollNanos < 0) {
            throw new IllegalArgumentException("bufferBytes " + bufferBytes + ", busyPollNanos " + busyPollNanos);
        }
    }
}
