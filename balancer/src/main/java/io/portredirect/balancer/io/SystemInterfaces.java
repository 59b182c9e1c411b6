package io.portredirect.balancer.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What {@link InterfaceCheck} reads from this machine, and running its fix commands. */
final class SystemInterfaces {
    private static final long TIMEOUT_SECONDS = 10;

    private SystemInterfaces() {
    }

    /** {@code ethtool -k IF} output, or null when ethtool is missing or fails. */
    static String ethtoolK(String iface) {
        Result r = run(List.of("ethtool", "-k", iface));
        return r.exit == 0 ? r.output : null;
    }

    /** /sys/class/net/IF/mtu, or -1. */
    static int mtu(String iface) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", iface, "mtu"), StandardCharsets.US_ASCII).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Exit status and merged output of a command (-1 when it could not be started or timed out). */
    record Result(int exit, String output) {
    }

    static Result run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
