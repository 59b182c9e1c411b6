package io.portredirect.balancer.ops;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** One balancer per network namespace: a second take is refused until the first is released. */
class NamespaceLockTest {
    @Test
    void secondTakeIsRefusedUntilReleased() throws Exception {
        assumeTrue(Files.isSymbolicLink(Path.of("/proc/self/ns/net")), "no /proc/self/ns/net here");
        NamespaceLock first = NamespaceLock.take();
        assertNotNull(first);
        try {
            assertNull(NamespaceLock.take(), "a second balancer in the same namespace is refused");
        } finally {
            first.release();
        }
        NamespaceLock again = NamespaceLock.take();
        assertNotNull(again, "free again after release");
        again.release();
    }
}
