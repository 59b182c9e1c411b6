package io.portredirect.clientagent.relay;

import java.nio.ByteBuffer;

/**
 * Direct buffers of one size for one event loop (not thread-safe: the loop owns it). A connection
 * takes a buffer when a read finds bytes and gives it back as soon as the other side has taken them
 * all, so an idle connection holds none and memory follows the bytes in flight, not the number of
 * connections. At most {@code keep} free buffers are kept; the rest go to the garbage collector.
 */
public final class BufferPool {
    /** The largest buffer the relay uses: one read or write moves at most this much. */
    public static final int MAX_SIZE = 64 * 1024;

    private final int size;
    private final ByteBuffer[] free;
    private int count;
    private long taken;
    private long allocated;

    public BufferPool(int size, int keep) {
        if (size <= 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("buffer size must be 1.." + MAX_SIZE + ", got " + size);
        }
        this.size = size;
        this.free = new ByteBuffer[Math.max(0, keep)];
    }

    /** A cleared buffer: a free one, else a new one. */
    public ByteBuffer take() {
        taken++;
        if (count > 0) {
            ByteBuffer b = free[--count];
            free[count] = null;
            return b;
        }
        allocated++;
        return ByteBuffer.allocateDirect(size);
    }

    /** Returns a buffer taken from this pool; its content is dropped. */
    public void give(ByteBuffer b) {
        taken--;
        if (count < free.length) {
            b.clear();
            free[count++] = b;
        }
    }

    /** Buffers out now (taken and not yet given back). */
    public long inUse() {
        return taken;
    }

    /** Free buffers kept for reuse. */
    public int idle() {
        return count;
    }

    /** Buffers allocated since the pool was made. */
    public long allocated() {
        return allocated;
    }

    public int bufferSize() {
        return size;
    }
}
