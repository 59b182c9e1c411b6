package io.portredirect.balancer.crosscheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.balancer.cli.CheckConfigCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code check-config FILE --agent ...} on real files: the lab's balancer and the demo's agents. */
class CheckConfigCrossCheckCommandTest {
    private static final Path ROOT = Path.of(System.getProperty("portredirect.root", ".."));
    private static final String BALANCER = ROOT.resolve("testdata/lab/balancer.yaml").toString();
    private static final Path DATA = ROOT.resolve("testdata/crosscheck");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new CheckConfigCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static String lab(String name) {
        return DATA.resolve("lab").resolve(name).toString();
    }

    @Test
    void theDemoAgentsAgreeWithTheLabBalancer() {
        int rc = run(BALANCER, "--agent", lab("server-agent-s1.yaml"), "--agent", lab("server-agent-s2.yaml"),
                "--agent", lab("server-agent-s3.yaml"), "--agent", lab("client-agent.yaml"));
        assertEquals(0, rc, err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals("configs agree: 1 balancer, 4 agents", lines.get(lines.size() - 1), out.toString());
        assertTrue(lines.get(lines.size() - 2).matches("digest: [0-9a-f]{12}"), out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void aServerAgentServicePortMissingFromTheBalancerIsReportedWithBothFiles() {
        String s2 = DATA.resolve("mismatch/server-agent-s2.yaml").toString();
        int rc = run(BALANCER, "--agent", lab("server-agent-s1.yaml"), "--agent", s2, "--agent", lab("server-agent-s3.yaml"),
                "--agent", lab("client-agent.yaml"));
        assertEquals(2, rc, out.toString());
        assertEquals(List.of(
                s2 + ":6: service-ports[1]: 8012 is not a service port of any balancer server (" + BALANCER + ")",
                "configs disagree: 1 finding (1 balancer, 4 agents)"), err.toString().lines().toList());
    }

    @Test
    void jsonListsTheDisagreements() throws Exception {
        String s2 = DATA.resolve("mismatch/server-agent-s2.yaml").toString();
        assertEquals(2, run("--json", BALANCER, "--agent", s2));
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertFalse(j.get("agree").asBoolean());
        assertEquals(s2 + ":6: service-ports[1]: 8012 is not a service port of any balancer server (" + BALANCER + ")",
                j.get("disagreements").get(0).asText());
        assertTrue(j.get("digest").asText().matches("[0-9a-f]{12}"));
    }

    @Test
    void anInvalidAgentFileIsReportedLikeAnInvalidBalancerFile() {
        String sample = ROOT.resolve("testdata/balancer/sample.yaml").toString();
        assertEquals(2, run(BALANCER, "--agent", sample));
        // the line of the first key: where the file starts saying what it is
        assertEquals(List.of(sample + ":10: (file): is neither a server agent config (service-ports) nor a client agent config "
                + "(probe, listeners)"), err.toString().lines().toList());
    }
}
