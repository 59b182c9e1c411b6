package io.portredirect.balancer.nft;

import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.io.NftNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Feeds the rendered rulesets to the real nft in a throwaway network namespace ({@code prnf-PID-N},
 * deleted after each test, also on failure) whose veth interfaces carry the config's names, since
 * netdev chains and {@code fwd to} bind to existing devices: {@code nft -c -f} validates, {@code
 * nft -f} loads (twice: a reload replaces the table in one transaction), and {@code nft list}
 * reads it back without crashing (nft 1.0.6 segfaults listing some constructs). No traffic is
 * sent. Needs root and nft; skipped otherwise.
 */
@Tag("lab")
class NftLoadLabTest {
    private static int sequence;
    private String ns;
    private Path file;

    @BeforeEach
    void namespace() throws Exception {
        assumeTrue("0".equals(run(List.of("id", "-u")).out.trim()), "needs root (network namespaces)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nft")) || run(List.of("sh", "-c", "command -v nft")).rc == 0, "nft is not installed");
        ns = "prnf-" + ProcessHandle.current().pid() + "-" + (++sequence);
        Result r = run(List.of("ip", "netns", "add", ns));
        assertEquals(0, r.rc, r.out);
        file = Files.createTempFile("prnf-", ".nft");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (ns != null) {
            run(List.of("ip", "netns", "del", ns));
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void labRulesetChecksLoadsAndLists() throws Exception {
        String listed = checkLoadList(NftRulesetTest.labTables());
        assertTrue(listed.contains("chain redirect_tcp_80 {"), listed.substring(0, Math.min(2000, listed.length())));
        assertTrue(listed.contains("jhash ip saddr . tcp sport . ip daddr . tcp dport . meta l4proto mod 65537 seed 0x52444e46 vmap @maglev_g0"));
        assertTrue(listed.contains("fwd to \"srv3\""));
    }

    @Test
    void pcapGuardLoads() throws Exception {
        ForwardingTables t = NftRulesetTest.labTables();
        for (int i = 0; i < t.interfaces().size(); i++) {
            assertEquals(0, inNs("ip", "link", "add", t.interfaces().get(i), "type", "veth", "peer", "name", "prnfg" + i).rc);
        }
        Files.writeString(file, NftRuleset.renderGuard(t, 1), StandardCharsets.UTF_8);
        Result load = inNs("nft", "-f", file.toString());
        assertEquals(0, load.rc, "nft -f: " + load.out);
        assertTrue(inNs("nft", "list", "table", "netdev", NftRuleset.TABLE).out.contains("counter name \"guard_vip\" drop"));
    }

    @Test
    void smallRulesetChecksLoadsAndLists() throws Exception {
        String listed = checkLoadList(NftRulesetTest.smallTables());
        assertTrue(listed.contains("chain from_sb {"), listed.substring(0, Math.min(2000, listed.length())));
    }

    /** The check has teeth: without the server devices, nft -c refuses ("fwd to" binds to a device). */
    @Test
    void checkRefusesMissingDevices() throws Exception {
        ForwardingTables t = NftRulesetTest.labTables();
        assertEquals(0, inNs("ip", "link", "add", t.networkInterface(), "type", "veth", "peer", "name", "prnfp0").rc);
        Files.writeString(file, NftRuleset.render(t, 1), StandardCharsets.UTF_8);
        Result check = inNs("nft", "-c", "-f", file.toString());
        assertTrue(check.rc != 0, "nft -c accepted a ruleset whose devices do not exist");
        assertTrue(check.out.contains("Interface does not exist"), check.out);
    }

    private String checkLoadList(ForwardingTables t) throws Exception {
        List<String> ifaces = t.interfaces();
        for (int i = 0; i < ifaces.size(); i++) {
            Result r = inNs("ip", "link", "add", ifaces.get(i), "type", "veth", "peer", "name", "prnfp" + i);
            assertEquals(0, r.rc, r.out);
            assertEquals(0, inNs("ip", "link", "set", ifaces.get(i), "up").rc);
        }
        // as run loads it: with the Java path's veth pair
        NftRuleset.JavaPath java = NftDataplane.JAVA_PATH;
        assertEquals(0, inNs("ip", "link", "add", java.device(), "type", "veth", "peer", "name", java.readDevice()).rc);
        Files.writeString(file, NftRuleset.render(t, 1, java), StandardCharsets.UTF_8);
        Result check = inNs("nft", "-c", "-f", file.toString());
        assertEquals(0, check.rc, "nft -c: " + check.out);
        Result load = inNs("nft", "-f", file.toString());
        assertEquals(0, load.rc, "nft -f: " + load.out);
        Result reload = inNs("nft", "-f", file.toString());
        assertEquals(0, reload.rc, "nft -f again: " + reload.out);
        Result list = inNs("nft", "list", "table", "netdev", NftRuleset.TABLE);
        assertEquals(0, list.rc, "nft list (139 = segfault): " + list.out.substring(Math.max(0, list.out.length() - 2000)));
        assertEquals(0, inNs("nft", "list", "counters").rc);
        // the netlink dump /metrics uses sees the same counters nft lists
        java.util.Map<String, NftNetlink.Counter> dumped = io.portredirect.protocol.io.NetNamespace.call(ns, () -> {
            try (NftNetlink netlink = NftNetlink.open()) {
                return netlink.counters(NftNetlink.NFPROTO_NETDEV, NftRuleset.TABLE);
            }
        });
        long listedCounters = list.out.lines().filter(l -> l.trim().startsWith("counter ") && l.trim().endsWith("{")).count();
        assertEquals(listedCounters, dumped.size(), dumped.toString());
        assertTrue(dumped.containsKey("pass_not_vip"), dumped.toString());
        return list.out;
    }

    private Result inNs(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return run(c);
    }

    private record Result(int rc, String out) {
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("prnf-out-", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timeout: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
