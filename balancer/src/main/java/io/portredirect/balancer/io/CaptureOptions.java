package io.portredirect.balancer.io;

/**
 * How the pcap path opens and reads an interface.
 *
 * @param mode             how frames move between libpcap and Java
 * @param bufferBytes      the kernel capture ring per interface (pcap_set_buffer_size)
 * @param busyPollNanos    after a frame, how long a reader polls for the next one before it sleeps
 *                         (0: it sleeps at once); see {@link ReadyPoll}
 * @param busyPollGapNanos poll only while frames come at least this far apart on average (0:
 *                         after every frame); see {@link SpinPolicy}
 * @param qdiscBypass      batched sends skip the egress qdisc ({@code PACKET_QDISC_BYPASS})
 */
public record CaptureOptions(IoMode mode, int bufferBytes, long busyPollNanos, long busyPollGapNanos, boolean qdiscBypass) {
    public CaptureOptions {
        if (bufferBytes <= 0 || busyPollNanos < 0 || busyPollGapNanos < 0) {
            throw new IllegalArgumentException("bufferBytes " + bufferBytes + ", busyPollNanos " + busyPollNanos
                    + ", busyPollGapNanos " + busyPollGapNanos);
        }
    }

    /** No busy polling, no qdisc bypass. */
    public CaptureOptions(IoMode mode, int bufferBytes) {
        this(mode, bufferBytes, 0, 0, false);
    }
}
