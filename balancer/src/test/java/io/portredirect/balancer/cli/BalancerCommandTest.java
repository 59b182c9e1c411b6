package io.portredirect.balancer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes and help of the top-level command; live forwarding itself is covered by the lab tests. */
class BalancerCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = BalancerCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void versionAndHelp() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("redirect-balancer "), out.toString());
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("run") && out.toString().contains("replay") && out.toString().contains("check-config"));
        assertEquals(0, run("run", "--help"));
        assertTrue(out.toString().contains("SIGHUP") && out.toString().contains("--return-path"), out.toString());
    }

    @Test
    void badUsageIsTwo() {
        assertEquals(2, run("no-such-command"));
        assertEquals(2, run("run"), "--config is required");
        assertEquals(2, run("run", "--config", "x.yaml", "--io", "carrier-pigeon"));
    }

    @Test
    void unreadableOrInvalidConfigIsTwo(@TempDir Path dir) throws Exception {
        assertEquals(2, run("run", "--config", dir.resolve("missing.yaml").toString()));
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "vips: [not-an-address]\n");
        assertEquals(2, run("run", "--config", bad.toString()));
    }
}
