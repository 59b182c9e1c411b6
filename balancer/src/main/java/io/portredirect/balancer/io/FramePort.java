package io.portredirect.balancer.io;

import java.io.IOException;

/**
 * One network interface as seen by the forwarding loop: Ethernet frames in (inbound direction
 * only) and frames out. {@link #receive} is called by one thread; {@link #send} may be called by
 * several (the kernel serialises sends on a packet socket).
 */
public interface FramePort extends AutoCloseable {
    /** Result of {@link #receive} when the read timeout expired with nothing to read. */
    int TIMEOUT = 0;
    /** Result of {@link #receive} after {@link #wakeUp()} or close: stop reading. */
    int STOPPED = -1;
    /** Result of {@link #receiveNow} when no frame is ready: {@link #await} one. */
    int AGAIN = -2;

    /** The interface name. */
    String name();

    /**
     * Copies the next inbound frame into {@code buf} at offset 0 and returns its length, or
     * {@link #TIMEOUT} / {@link #STOPPED}. Frames captured short of their wire length are
     * counted and skipped: forwarding a truncated frame would corrupt it.
     */
    int receive(byte[] buf) throws IOException;

    /**
     * Like {@link #receive}, but returns {@link #AGAIN} instead of sleeping when no frame is
     * ready, so the reader can send what it queued first. By default it is {@link #receive}.
     */
    default int receiveNow(byte[] buf) throws IOException {
        return receive(buf);
    }

    /**
     * After {@link #AGAIN}: waits until a frame may be ready, a {@link #wakeUp()} or the read
     * timeout. By default nothing ({@link #receiveNow} never returns {@code AGAIN}).
     */
    default void await() throws IOException {
    }

    /**
     * The interface's index, for a {@link SendBatch} to send to; 0 when frames must go through
     * {@link #send}.
     */
    default int ifIndex() {
        return 0;
    }

    /** Sends {@code buf[0, length)} as one frame; false (and counted) when the kernel refused it. */
    boolean send(byte[] buf, int length);

    /** Makes a blocked {@link #receive} return {@link #STOPPED} soon. Safe from any thread. */
    void wakeUp();

    /**
     * Reads every inbound frame (true) or none (false: a kernel filter that matches nothing, so
     * an interface we only send on costs no copies into an unread ring).
     */
    void captureAll(boolean all) throws IOException;

    /** The interface's MTU when it was opened (IP bytes a frame may carry), 0 when unknown. */
    default int mtu() {
        return 0;
    }

    /** Packet and error counts of this port. */
    PortCounters counters();

    /** Frames the kernel dropped before we read them (ring full), -1 when unknown. */
    long kernelDrops();

    @Override
    void close();
}
