package io.portredirect.tools.e2e.ecmp;

import io.portredirect.protocol.lab.LabFixture;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.Netns;
import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import io.portredirect.tools.e2e.support.Jars;
import io.portredirect.tools.e2e.support.Metrics;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The replica side of {@code lab.sh} ({@code LAB_REPLICAS=2}) on top of the shared {@link E2eLab},
 * which has no replica option yet: the lab comes up through E2eLab (so it tracks and stops what is
 * started, and its {@code close()} runs {@code lab.sh down}, which removes a replica lab too) and is
 * then rebuilt as a replica lab under the same prefix. Balancers run in PREFIX-gw1 and PREFIX-gw2
 * with the lab's own {@code testdata/lab/balancer.yaml}, byte for byte the same file. Closing it
 * closes the E2eLab.
 *
 * <p>With BGP ({@link #upWithBgp}, {@code LAB_BGP=1}) the router learns the VIP routes from BIRD on
 * each replica, and every balancer runs with {@code --announce-link pr-announce} on the dataplane
 * the lab run names ({@code -Dportredirect.lab.dataplane}).
 */
final class ReplicaLab implements LabFixture {
    static final String ROUTER_MAC = "02:00:00:00:00:02";
    static final String CLIENT4 = "198.18.2.2";
    static final String CLIENT6 = "2001:2:0:2::2";
    static final String CLIENT_MAC = "02:00:00:00:02:02";
    static final String ROUTER_DOWN_MAC = "02:00:00:00:02:01";

    /** The interface name the replicas' BIRD announces the VIPs by (lab.sh ANNOUNCE_LINK). */
    static final String ANNOUNCE_LINK = "pr-announce";

    private final E2eLab lab;
    private final boolean bgp;
    private final LabProcess[] balancers = new LabProcess[3];

    private ReplicaLab(E2eLab lab, boolean bgp) {
        this.lab = lab;
        this.bgp = bgp;
    }

    /** {@link E2eLab#assumeLab} with {@code tools}, then {@link #up(String)}: the factory of a LabExtension. */
    static ReplicaLab up(String prefix, String... tools) throws IOException {
        E2eLab.assumeLab(tools);
        return up(prefix);
    }

    /** Brings up {@code PREFIX}: client - rt - ECMP - gw1, gw2 - s1..s3 (lab servers running). */
    static ReplicaLab up(String prefix) throws IOException {
        return up(prefix, false);
    }

    /** Like {@link #up(String, String...)}, with the VIP routes learned by BGP ({@code LAB_BGP=1}, BIRD 2). */
    static ReplicaLab upWithBgp(String prefix, String... tools) throws IOException {
        E2eLab.assumeLab(tools);
        io.portredirect.protocol.lab.LabSupport.assumeTool("bird");
        io.portredirect.protocol.lab.LabSupport.assumeTool("birdc");
        return up(prefix, true);
    }

    private static ReplicaLab up(String prefix, boolean bgp) throws IOException {
        E2eLab lab = E2eLab.up(prefix, E2eLab.options().servers(false));
        try {
            labScript(lab, bgp, "up");
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return new ReplicaLab(lab, bgp);
    }

    E2eLab lab() {
        return lab;
    }

    /** The MAC of replica {@code k} on the front LAN (lab.sh: 02:00:00:00:00:0(2k-1)). */
    static String gwMac(int k) {
        return String.format("02:00:00:00:00:%02x", 2 * k - 1);
    }

    private static String labScript(E2eLab lab, boolean bgp, String... args) {
        String[] cmd = new String[args.length + 6];
        cmd[0] = "env";
        cmd[1] = "LAB_REPLICAS=2";
        cmd[2] = "LAB_BGP=" + (bgp ? 1 : 0);
        cmd[3] = "bash";
        cmd[4] = lab.root().resolve("testdata/lab/lab.sh").toString();
        System.arraycopy(args, 0, cmd, 5, args.length);
        cmd[cmd.length - 1] = lab.prefix();
        return Netns.run(cmd);
    }

    /** {@code lab.sh replica out|in K}: the router's and servers' ECMP sets; returns how long it took (ms). */
    long replica(String action, int k) {
        long t0 = System.nanoTime();
        labScript(lab, bgp, "replica", action, Integer.toString(k));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The router's routes to the VIPs, as {@code ip route} prints them. */
    String routerRoutes() {
        return lab.run("rt", 5, "ip", "route", "show", E2eLab.VIP4).output() + lab.run("rt", 5, "ip", "-6", "route", "show", E2eLab.VIP6).output();
    }

    /** Starts (or starts again) the balancer of replica {@code k} and waits until it runs. */
    LabProcess startBalancer(int k) throws IOException, InterruptedException {
        LabProcess p = balancers[k];
        if (p == null) {
            List<String> args = new java.util.ArrayList<>(List.of("run", "--config",
                    lab.root().resolve("testdata/lab/balancer.yaml").toString(), "--metrics", E2eLab.METRICS));
            args.addAll(io.portredirect.protocol.lab.LabSupport.balancerDataplaneArgs());
            if (bgp) {
                args.addAll(List.of("--announce-link", ANNOUNCE_LINK));
            }
            p = lab.startProcess("balancer-gw" + k, "gw" + k, E2eLab.javaJar(Jars.BALANCER, args).toArray(String[]::new));
            balancers[k] = p;
        } else {
            p.start();
        }
        p.awaitLog("event=started", Duration.ofSeconds(40));
        return p;
    }

    LabProcess balancer(int k) {
        return balancers[k];
    }

    /** One scrape of replica {@code k}'s metrics (inside its namespace). */
    Metrics metrics(int k) {
        CommandResult r = lab.run("gw" + k, 10, "curl", "-s", "-m", "5", "http://" + E2eLab.METRICS + "/metrics");
        if (!r.ok()) {
            throw new IllegalStateException("metrics of gw" + k + ": " + r);
        }
        return Metrics.parse(r.output());
    }

    @Override
    public String diagnostics() {
        return lab.diagnostics();
    }

    @Override
    public void close() {
        lab.close();
    }
}
