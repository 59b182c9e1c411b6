package io.portredirect.balancer.ops;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One balancer per network namespace: both own {@code table netdev portredirect} and the Java
 * path's veth pair there, and a second one would take them from the first as "stale". A lock file
 * named after the namespace ({@code /run/lock/portredirect-balancer-net:[INODE].lock}), held until
 * the process ends; the kernel releases it when the process dies, so a SIGKILL leaves nothing.
 */
public final class NamespaceLock {
    private final FileChannel channel;
    private final FileLock lock;

    private NamespaceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of this process's network namespace.
     *
     * @return the held lock, or null when another process holds it
     * @throws IOException the lock file cannot be created
     */
    public static NamespaceLock take() throws IOException {
        String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(); // "net:[4026531840]"
        Path dir = Files.isDirectory(Path.of("/run/lock")) ? Path.of("/run/lock") : Path.of(System.getProperty("java.io.tmpdir"));
        Path file = dir.resolve("portredirect-balancer-" + ns.replaceAll("[^A-Za-z0-9:\\[\\]]", "") + ".lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null; // held by this very JVM (a test running two balancers in one process)
        }
        if (l == null) {
            ch.close();
            return null;
        }
        return new NamespaceLock(ch, l);
    }

    /** Releases the lock (also released when the process ends). */
    public void release() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released with the process anyway
        }
    }
}
