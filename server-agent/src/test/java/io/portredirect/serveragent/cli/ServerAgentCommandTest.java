package io.portredirect.serveragent.cli;

import io.portredirect.serveragent.agent.ServerAgent;
import io.portredirect.serveragent.config.ConfigDigest;
import io.portredirect.serveragent.config.ConfigLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerAgentCommandTest {
    static final String GOOD = "interface: eth0\nvips: [198.18.0.10, 2001:2::10]\nredirect-ports: [8000]\nservice-ports: [8001, 8002]\n";

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            return new Run(ServerAgentCommand.commandLine().execute(args), out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void checkAcceptsAGoodFileAndShowsTheRules(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("a.yaml"), GOOD);
        Run r = run("check", "--config", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("table inet portredirect_server"), r.out());
        assertTrue(r.out().contains("capture filter: dst host (198.18.0.10 or 2001:2:0:0:0:0:0:10)"), r.out());
        String digest = ConfigDigest.of(ConfigLoader.load(f));
        assertTrue(r.out().contains("\ndigest: " + digest + "\n"), r.out());
        Run j = run("check", "--config", f.toString(), "--json");
        assertTrue(j.out().contains("\"valid\" : true"), j.out());
    }

    @Test
    void badInputExitsTwoWithFileKeyAndLine(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("b.yaml"), GOOD + "policy: fastest\n");
        Run r = run("check", "--config", f.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(f + ":5: policy: 'fastest' is not one of round-robin, least-connections, queue-aware"), r.err());
        assertEquals(2, run("run", "--config", dir.resolve("missing.yaml").toString()).code());
        assertEquals(2, run("drain").code(), "--to is required");
        assertEquals(2, run("drain", "--to", "0", "--interface", "eth0", "--port", "8001").code());
        assertEquals(2, run("bogus").code());
        assertEquals(0, run("--help").code());
    }

    @Test
    void checkPrintsDeprecatedSpellingsAsWarnings(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("old.yaml"), "interface: eth0\nvips: [198.18.0.10]\nredirectPorts: [8000]\nservicePorts: [8001]\n");
        Run r = run("check", "--config", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("redirect-server-agent: warning: " + f + ":3: redirectPorts: deprecated spelling, write redirect-ports"), r.err());
    }

    @Test
    void captureFilterCompilesInLibpcap() throws Exception {
        String filter = ServerAgent.captureFilter(ConfigLoader.parse(Path.of("t.yaml"), GOOD));
        try {
            Pcaps.libVersion();
        } catch (Throwable e) {
            Assumptions.abort("SKIPPED: libpcap is not loadable: " + e);
        }
        BpfProgram p = Pcaps.compileFilter(65536, DataLinkType.EN10MB, filter, BpfProgram.BpfCompileMode.OPTIMIZE,
                org.pcap4j.core.PcapHandle.PCAP_NETMASK_UNKNOWN);
        assertTrue(p.applyFilter(new byte[60], 60, 60) == false, "an empty frame does not match");
        p.free();
    }
}
