package io.portredirect.balancer.io;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * Busy polling of one capture socket: {@code poll(fd, POLLIN, 0)} in a loop for a bounded time,
 * so a reader that just handled a frame sees the next one without sleeping. A sleeping reader is
 * woken by the kernel through the scheduler, which on a virtual machine costs tens of
 * microseconds per frame (an inter-processor interrupt and a halted CPU to wake); polling costs
 * CPU instead, and only for {@code spinNanos} after the last frame. One instance per reader
 * thread: the {@code struct pollfd} is reused, nothing is allocated per call.
 */
final class ReadyPoll {
    private static final short POLLIN = 0x001;

    static {
        Native.register(ReadyPoll.class, NativeLibrary.getInstance("c"));
    }

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}. */
    private static native int poll(Pointer fds, long nfds, int timeout);

    private final Memory pollfd = new Memory(8);
    private final long spinNanos;

    ReadyPoll(int fd, long spinNanos) {
        this.spinNanos = spinNanos;
        pollfd.setInt(0, fd);
        pollfd.setShort(4, POLLIN);
    }

    /**
     * Polls until the socket is readable or {@code spinNanos} pass.
     *
     * @return true when readable (a read will not sleep), false when the time ran out
     */
    boolean spin() {
        long deadline = System.nanoTime() + spinNanos;
        do {
            pollfd.setShort(6, (short) 0);
            if (poll(pollfd, 1, 0) > 0) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return false;
    }
}
