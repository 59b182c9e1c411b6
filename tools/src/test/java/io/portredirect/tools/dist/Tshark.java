package io.portredirect.tools.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs tshark with the portredirect Lua dissector and returns the requested fields per frame. */
final class Tshark {
    private Tshark() {
    }

    /** Null when tshark runs, else why it cannot be used (for a skip message). */
    static String unavailableReason() {
        try {
            Process p = new ProcessBuilder("tshark", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "tshark -v did not finish";
            }
            return p.exitValue() == 0 ? null : "tshark -v exited with " + p.exitValue();
        } catch (IOException e) {
            return "tshark not installed (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * One row per frame: the values of {@code fields} in order (all occurrences joined with '|'),
     * after a first column with the frame number. Fails on a non-zero exit or a Lua error, at load
     * time (stderr) or while dissecting (an expert item "Lua Error" in some frame).
     */
    static List<String[]> fields(Path luaScript, Path pcap, List<String> fields) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-X", "lua_script:" + luaScript, "-r", pcap.toString(),
                "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|",
                "-e", "frame.number", "-e", "_ws.expert.message"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Path err = Files.createTempFile("tshark", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tshark did not finish on " + pcap);
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            if (p.exitValue() != 0 || stderr.toLowerCase().contains("lua")) {
                throw new AssertionError("tshark failed on " + pcap + " (exit " + p.exitValue() + "):\n" + stderr);
            }
            List<String[]> rows = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                if (cols.length < 2 + fields.size()) {
                    cols = java.util.Arrays.copyOf(cols, 2 + fields.size());
                }
                if (cols[1] != null && cols[1].contains("Lua Error")) {
                    throw new AssertionError("the dissector failed on frame " + cols[0] + " of " + pcap + ": " + cols[1]);
                }
                String[] row = new String[1 + fields.size()];
                row[0] = cols[0];
                for (int i = 0; i < fields.size(); i++) {
                    row[1 + i] = cols[2 + i] == null ? "" : cols[2 + i];
                }
                rows.add(row);
            }
            return rows;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
