package io.portredirect.tools.dist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The distribution sources under tools/src/dist: systemd units carry what the gateway needs and
 * pass {@code systemd-analyze verify}, the Debian control file names the runtime dependencies,
 * and every shell script parses (as POSIX sh with dash where installed).
 */
class PackagingFilesTest {
    private static Path dist;
    private static Path root;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() {
        String prop = System.getProperty("portredirect.root");
        root = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath().getParent();
        dist = root.resolve("tools/src/dist");
    }

    private static String read(String relative) throws IOException {
        return Files.readString(dist.resolve(relative));
    }

    private static List<String> lines(String relative) throws IOException {
        return read(relative).lines().map(String::strip).toList();
    }

    record Result(int rc, String output) {
    }

    private static Result run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return new Result(p.exitValue(), out);
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    @Test
    void balancerUnitReloadsWithSighupAndHoldsOnlyNetworkCapabilities() throws IOException {
        List<String> unit = lines("systemd/redirect-balancer.service");
        assertTrue(unit.contains("ExecStart=/usr/bin/redirect-balancer run --config /etc/portredirect/balancer.yaml"), unit.toString());
        assertTrue(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"));
        assertTrue(unit.contains("AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN"));
        assertTrue(unit.contains("CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN"));
        assertTrue(unit.contains("Restart=on-failure"));
        assertTrue(unit.contains("EnvironmentFile=-/etc/default/portredirect"));
    }

    @Test
    void agentUnitsAreTemplatesOnAConfigName() throws IOException {
        for (String role : new String[] {"client", "server"}) {
            List<String> unit = lines("systemd/redirect-" + role + "-agent@.service");
            assertTrue(unit.stream().anyMatch(l -> l.startsWith("ExecStart=/usr/bin/redirect-" + role + "-agent ")
                    && l.contains("/etc/portredirect/%i.yaml")), role + ": " + unit);
            assertTrue(unit.contains("Restart=on-failure"), role);
            assertTrue(unit.contains("EnvironmentFile=-/etc/default/portredirect"), role);
        }
    }

    /** systemd's own checker, on copies whose ExecStart points at an executable that exists here. */
    @Test
    void unitsPassSystemdAnalyzeVerify() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "skipped: systemd-analyze not installed");
        Path units = Files.createDirectories(tmp.resolve("units"));
        try (Stream<Path> s = Files.list(dist.resolve("systemd"))) {
            for (Path u : s.filter(p -> p.toString().endsWith(".service")).toList()) {
                String text = Files.readString(u).replaceAll("(?m)^ExecStart=/usr/bin/\\S+", "ExecStart=/bin/true");
                String name = u.getFileName().toString().replace("@.service", "@example.service");
                Files.writeString(units.resolve(name), text);
            }
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("systemd-analyze", "verify"));
        try (Stream<Path> s = Files.list(units)) {
            s.sorted().forEach(p -> cmd.add(p.toString()));
        }
        assertEquals(2 + 3, cmd.size(), "three units");
        Result r = run(units, cmd.toArray(String[]::new));
        assertEquals(0, r.rc(), r.output());
        assertEquals("", r.output().strip(), "systemd-analyze verify has remarks");
    }

    @Test
    void debianControlDeclaresRuntimeDependencies() throws IOException {
        List<String> control = lines("debian/control.in");
        assertTrue(control.contains("Package: portredirect"));
        assertTrue(control.contains("Architecture: all"));
        assertTrue(control.contains("Version: @DEB_VERSION@"));
        assertTrue(control.contains("Depends: default-jre-headless | java17-runtime-headless, libpcap0.8, nftables"), control.toString());
    }

    @Test
    void shellScriptsParse() throws Exception {
        String[] scripts = {"tools/src/dist/launcher.sh.in", "tools/src/dist/debian/postinst", "tools/src/dist/debian/prerm",
                "tools/src/dist/debian/postrm", "tools/src/dist/check-package.sh", "bin/lib/launch.sh", "bin/rdtool",
                "bin/redirect-balancer", "bin/redirect-client-agent", "bin/redirect-server-agent"};
        String shell = onPath("dash") ? "dash" : "sh";
        for (String s : scripts) {
            Path file = root.resolve(s);
            assertTrue(Files.isRegularFile(file), s + " missing");
            Result r = run(root, shell, "-n", file.toString());
            assertEquals(0, r.rc(), s + ": " + r.output());
        }
    }
}
