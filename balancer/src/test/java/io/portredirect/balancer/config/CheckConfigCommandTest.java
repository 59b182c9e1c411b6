package io.portredirect.balancer.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.balancer.cli.CheckConfigCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckConfigCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new CheckConfigCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void sampleIsValidAndSummarized() throws Exception {
        assertEquals(0, run(ConfigLoaderTest.TESTDATA.resolve("sample.yaml").toString()), err.toString());
        String s = out.toString();
        System.out.println(s);
        assertTrue(s.contains("8080/tcp owner s1 shares s1=50.00% s2=25.00% s3=25.00%"), s);
        assertTrue(s.contains("5000/udp owner - shares s1=66.67% s2=33.33%"), s);
        assertTrue(s.contains(" health tcp/80 every 1s timeout 500ms rise 2 fall 3\n"), "the health settings of s1: " + s);
        assertTrue(s.trim().endsWith("OK"), s);
        // what a replica running this file exports as portredirect_balancer_config_info{digest=...}
        String digest = ConfigDigest.of(ConfigLoader.load(ConfigLoaderTest.TESTDATA.resolve("sample.yaml")));
        assertTrue(s.contains("\ndigest: " + digest + "\nOK\n"), s);
    }

    @Test
    void jsonSummary() throws Exception {
        assertEquals(0, run("--json", ConfigLoaderTest.TESTDATA.resolve("sample.yaml").toString()));
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertTrue(j.get("valid").asBoolean());
        assertEquals(3, j.get("servers").size());
        assertEquals(80, j.get("servers").get(0).get("health").get("port").asInt());
        assertEquals(1000, j.get("servers").get(0).get("health").get("intervalMillis").asInt());
        assertTrue(j.get("servers").get(1).get("health") == null, "s2 has no health block");
        assertEquals(3, j.get("redirectPorts").size());
        assertEquals(ConfigDigest.of(ConfigLoader.load(ConfigLoaderTest.TESTDATA.resolve("sample.yaml"))), j.get("digest").asText());
        assertEquals(65537, j.get("redirectPorts").get(0).get("tableSlots").get("s1").asInt()
                + j.get("redirectPorts").get(0).get("tableSlots").get("s2").asInt()
                + j.get("redirectPorts").get(0).get("tableSlots").get("s3").asInt());
    }

    @Test
    void perVipConfigShowsTheVipColumn() throws Exception {
        assertEquals(0, run(ConfigLoaderTest.TESTDATA.resolve("two-vips.yaml").toString()), err.toString());
        String s = out.toString();
        System.out.println(s);
        assertTrue(s.contains(" service ports [10001] on 198.18.0.10,2001:2::10\n"), s);
        assertTrue(s.contains(" service ports [9100/tcp] on every VIP\n"), s);
        assertTrue(s.contains("\n  vip                    port\n"), s);
        assertTrue(s.contains("\n  198.18.0.10,2001:2::10 443/tcp owner web1 shares web1=50.00% web2=50.00%\n"), s);
        assertTrue(s.contains("\n  198.18.0.20            443/tcp owner api1 shares api1=50.00% api2=50.00%\n"), s);
        assertEquals(0, run("--json", ConfigLoaderTest.TESTDATA.resolve("two-vips.yaml").toString()));
        JsonNode j = new ObjectMapper().readTree(out.toString().substring(out.toString().indexOf('{')));
        assertEquals("[\"198.18.0.20\"]", j.get("redirectPorts").get(1).get("vips").toString());
        assertEquals("[\"198.18.0.10\",\"198.18.0.20\",\"2001:2::10\"]", j.get("servers").get(4).get("serviceVips").toString());
    }

    @Test
    void sampleHasNoVipColumn() throws Exception {
        assertEquals(0, run(ConfigLoaderTest.TESTDATA.resolve("sample.yaml").toString()), err.toString());
        assertTrue(!out.toString().contains(" vip ") && !out.toString().contains(" on every VIP"), out.toString());
    }

    @Test
    void invalidFileExitsTwoWithEveryProblem() throws Exception {
        Path bad = ConfigLoaderTest.TESTDATA.resolve("bad/duplicate-service-port.yaml");
        assertEquals(2, run(bad.toString()));
        assertTrue(err.toString().startsWith(bad + ":21: servers[1].service-ports[1]: port 10003/tcp is already"), err.toString());
        assertEquals(2, run("--json", bad.toString()));
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertTrue(!j.get("valid").asBoolean());
        assertEquals(1, j.get("problems").size());
    }

    @Test
    void missingArgumentIsUsageErrorTwo() {
        assertEquals(2, run());
    }
}
