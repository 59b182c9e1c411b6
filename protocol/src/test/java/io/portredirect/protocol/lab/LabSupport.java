package io.portredirect.protocol.lab;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tells whether this machine can run lab tests (root, iproute2 with netns, libpcap) and skips the
 * calling test with a one-line reason when it cannot.
 */
public final class LabSupport {
    private LabSupport() {
    }

    /** Null when the lab can run here, else why not. */
    public static String whyNot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "lab tests need root (network namespaces, raw capture); running as " + System.getProperty("user.name");
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip")) && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return "lab tests need iproute2 (ip netns)";
        }
        boolean pcap = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libpcap.so.0.8"))
                || Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libpcap.so"));
        if (!pcap) {
            return "lab tests need libpcap (apt-get install libpcap0.8)";
        }
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            if (p.waitFor() != 0) {
                return "lab tests need 'ip netns' to work here";
            }
        } catch (Exception e) {
            return "lab tests need 'ip netns': " + e.getMessage();
        }
        return null;
    }

    /** Skips the test (JUnit assumption) with a one-line reason unless the lab can run. */
    public static void assumeLab() {
        String why = whyNot();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED: " + why);
    }

    /**
     * The balancer's dataplane for this run of the lab tests: {@code -Dportredirect.lab.dataplane=pcap}
     * (or {@code nft}) adds {@code --dataplane X} to every balancer a lab test starts; unset, the
     * balancer picks its default. {@code .ci/run} runs the lab tests once on each.
     */
    public static List<String> balancerDataplaneArgs() {
        String d = System.getProperty("portredirect.lab.dataplane", "").trim();
        return d.isEmpty() ? List.of() : List.of("--dataplane", d);
    }

    /** Skips unless an executable is on the PATH (e.g. tshark). */
    public static void assumeTool(String tool) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                found = true;
                break;
            }
        }
        Assumptions.assumeTrue(found, () -> "SKIPPED: " + tool + " is not installed");
    }
}
