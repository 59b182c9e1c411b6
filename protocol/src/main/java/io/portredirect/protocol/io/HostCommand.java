package io.portredirect.protocol.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host command (nft, ip, ss) and returns its stdout. A process started from a thread that
 * entered a namespace ({@link NetNamespace}) runs in that namespace, so these helpers work there too.
 */
public final class HostCommand {
    private static final long TIMEOUT_SECONDS = 20;

    private HostCommand() {
    }

    /** Runs {@code cmd}; throws IOException naming the command and its stderr when it fails. */
    public static String run(List<String> cmd) throws IOException {
        return run(cmd, null);
    }

    /** Runs {@code cmd} with {@code stdin} (may be null) fed to it. */
    public static String run(List<String> cmd, String stdin) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after " + TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        if (p.exitValue() != 0) {
            String e = new String(err.join(), StandardCharsets.UTF_8).trim();
            throw new IOException(String.join(" ", cmd) + " -> exit " + p.exitValue() + (e.isEmpty() ? "" : ": " + e));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static CompletableFuture<byte[]> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return s.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
    }
}
