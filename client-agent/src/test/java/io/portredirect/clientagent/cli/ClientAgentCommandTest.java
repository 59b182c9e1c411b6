package io.portredirect.clientagent.cli;

import io.portredirect.clientagent.config.ConfigDigest;
import io.portredirect.clientagent.config.ConfigLoader;
import io.portredirect.clientagent.config.ConfigLoaderTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes and messages of the CLI; nothing here touches the host. */
class ClientAgentCommandTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    int run(String... args) {
        return new CommandLine(new ClientAgentCommand()).execute(args);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkAcceptsAGoodFile() throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, ConfigLoaderTest.GOOD);
        assertEquals(0, run("check", "--config", f.toString()), err());
        assertTrue(out().contains(": ok"), out());
        String digest = ConfigDigest.of(ConfigLoader.read(ConfigLoaderTest.GOOD, "x").config());
        assertTrue(out().contains("\ndigest: " + digest + "\n"), out());
        assertTrue(out().contains("tcp dst portrange 61000-61099"), out());
        assertTrue(out().contains("tcp dport 61000-61099 counter drop"), out());
    }

    @Test
    void checkJson() throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, ConfigLoaderTest.GOOD);
        assertEquals(0, run("check", "--json", "-c", f.toString()));
        assertTrue(out().contains("\"probe_ports\" : \"61000-61099\""), out());
    }

    @Test
    void badConfigurationExitsTwoNamingFileLineAndKey() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, ConfigLoaderTest.GOOD.replace("retries: 3", "retries: lots"));
        assertEquals(2, run("check", "--config", f.toString()));
        assertTrue(err().contains(f + ":5: probe.retries: 'lots' is not an integer"), err());
        assertEquals(2, run("run", "--config", f.toString()), "run refuses before touching the host");
    }

    @Test
    void missingFileExitsTwo() {
        assertEquals(2, run("run", "--config", dir.resolve("nope.yaml").toString()));
        assertTrue(err().contains("nope.yaml") && err().contains("cannot read"), err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run());
        assertEquals(2, run("run"));
        assertEquals(2, run("frobnicate"));
        assertEquals(2, run("run", "--config", "x.yaml", "--stats-interval", "often"));
    }

    @Test
    void helpExitsZero() {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("redirect-client-agent"), out());
        assertEquals(0, run("run", "--help"));
        assertTrue(out().contains("--stats-file"), out());
    }

    @Test
    void aMissingProbeInterfaceIsARuntimeFailure() throws Exception {
        Path f = dir.resolve("agent.yaml");
        Files.writeString(f, ConfigLoaderTest.GOOD.replace("interface: prc-c0", "interface: prc-nosuch0"));
        // exit 1 either way: not root / no libpcap, or (as root) the interface does not exist; nothing is installed
        assertEquals(1, run("run", "--config", f.toString()));
        assertTrue(err().startsWith("error: "), err());
    }
}
