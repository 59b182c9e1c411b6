package io.portredirect.balancer.io;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * Waiting for one capture socket of a non-blocking {@code pcap_t}: {@link #await} sleeps in
 * {@code poll} on the socket and an eventfd that {@link #wake} writes (a stop request), and
 * {@link #spin} polls the socket with a zero timeout in a loop for a bounded time, so a reader
 * sees the next frame without sleeping. A sleeping reader is woken by the kernel through the
 * scheduler, which on a virtual machine costs tens of microseconds per frame (an
 * inter-processor interrupt and a halted CPU to wake); spinning costs CPU instead. One instance
 * per reader thread: the {@code struct pollfd}s are reused, nothing is allocated per call.
 */
final class ReadyPoll implements AutoCloseable {
    private static final short POLLIN = 0x001;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;

    static {
        Native.register(ReadyPoll.class, NativeLibrary.getInstance("c"));
    }

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}. */
    private static native int poll(Pointer fds, long nfds, int timeout);

    private static native int eventfd(int initval, int flags);

    private static native long write(int fd, Pointer buf, long count);

    private static native int close(int fd);

    /** Two {@code struct pollfd}: the capture socket, then the wake-up eventfd. */
    private final Memory pollfd = new Memory(16);
    private final int wakeFd;

    /** @throws IllegalStateException when no eventfd can be made (the fd table is full) */
    ReadyPoll(int fd) {
        wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd failed (errno " + Native.getLastError() + ")");
        }
        pollfd.setInt(0, fd);
        pollfd.setShort(4, POLLIN);
        pollfd.setInt(8, wakeFd);
        pollfd.setShort(12, POLLIN);
    }

    /**
     * Polls the socket until it is readable or {@code spinNanos} pass.
     *
     * @return true when readable (a read will not sleep), false when the time ran out
     */
    boolean spin(long spinNanos) {
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

    /**
     * Sleeps until the socket is readable, {@link #wake} was called, or {@code timeoutMillis}
     * pass (EINTR counts as the latter).
     *
     * @return true when the socket is readable
     */
    boolean await(int timeoutMillis) {
        pollfd.setShort(6, (short) 0);
        pollfd.setShort(14, (short) 0);
        return poll(pollfd, 2, timeoutMillis) > 0 && pollfd.getShort(6) != 0;
    }

    /** Ends an {@link #await} now and every later one at once (the eventfd stays readable). Any thread. */
    void wake() {
        Memory one = new Memory(8);
        one.setLong(0, 1);
        write(wakeFd, one, 8);
    }

    @Override
    public void close() {
        close(wakeFd);
    }
}
