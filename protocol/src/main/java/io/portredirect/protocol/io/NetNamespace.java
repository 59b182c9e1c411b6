package io.portredirect.protocol.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a named network namespace ({@code ip netns add NAME}) from a process that lives
 * outside it. Linux keeps the network namespace per thread: {@link #call} enters it with setns(2)
 * on a fresh thread, so sockets, pcap handles ({@link RawPort#open}) and processes
 * ({@link HostCommand}) created by the callable belong to that namespace and keep working from any
 * thread afterwards. The rest of the JVM is unaffected. Needs CAP_SYS_ADMIN (root).
 */
public final class NetNamespace {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private NetNamespace() {
    }

    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int geteuid();
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    static LibC libc() {
        return Holder.LIBC;
    }

    /**
     * Runs {@code task} on a new thread inside namespace {@code name} (a name under
     * /var/run/netns, or an absolute path such as /proc/PID/ns/net) and returns its result.
     */
    public static <T> T call(String name, Callable<T> task) throws IOException {
        String path = name.startsWith("/") ? name : "/var/run/netns/" + name;
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                enter(path);
                result.set(task.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "netns-" + name);
        t.setDaemon(true);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running in namespace " + name, e);
        }
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw io;
        }
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e != null) {
            throw new IOException("in namespace " + name + ": " + e, e);
        }
        return result.get();
    }

    private static void enter(String path) throws IOException {
        int fd;
        try {
            fd = libc().open(path, O_RDONLY | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open network namespace " + path + ": errno " + e.getErrorCode());
        }
        try {
            libc().setns(fd, CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new IOException("setns(" + path + ") failed: errno " + e.getErrorCode() + " (needs root)");
        } finally {
            libc().close(fd);
        }
    }
}
