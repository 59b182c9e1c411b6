package io.portredirect.balancer.nft;

import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.io.HostCommand;
import io.portredirect.protocol.log.EventLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel dataplane: the host's nftables forwards, Java is the control plane. Owns two things
 * on the host and removes both at {@link #close()}: the netdev table {@value NftRuleset#TABLE}
 * rendered by {@link NftRuleset}, and the veth pair of the Java path ({@link #JAVA_PATH}), over
 * which nft hands Java what it cannot decide (there is no NFQUEUE in this kernel).
 *
 * <p>Every load is one {@code nft -f} transaction, which the kernel validates whole before it
 * commits anything: a ruleset refused in any part leaves the running one in place. The rendered file deletes and recreates the
 * table in the same transaction, so a start after SIGKILL replaces the stale ruleset, and a stale
 * veth pair is deleted before it is created again.
 */
public final class NftDataplane implements AutoCloseable {
    /** The veth pair of the Java path: nft forwards out of the first, Java captures on the second. */
    public static final NftRuleset.JavaPath JAVA_PATH = new NftRuleset.JavaPath("pr-java", "pr-java-rx");

    private final String networkInterface;
    /** The pcap dataplane's guard only: no Java path, drops what the balancer forwards itself. */
    private final boolean guardOnly;
    private long loadedGeneration;
    /** The base chains of the loaded ruleset: unhooked first at {@link #close()}. */
    private List<String> baseChains = List.of();
    private boolean closed;

    private NftDataplane(String networkInterface, boolean guardOnly) {
        this.networkInterface = networkInterface;
        this.guardOnly = guardOnly;
    }

    /**
     * Null when this host can run the kernel dataplane, otherwise one line saying why not: nft is
     * missing, or the kernel refuses a netdev ingress chain with {@code fwd} (checked with
     * {@code nft -c}, nothing is loaded).
     */
    public static String unsupportedReason() {
        String probe = "table netdev portredirect_probe {\n chain c {\n  type filter hook ingress device \"lo\" priority filter; "
                + "policy accept;\n  meta protocol arp dup to \"lo\"\n  fwd to \"lo\"\n }\n}\n";
        try {
            HostCommand.run(List.of("nft", "-c", "-f", "-"), probe);
            return null;
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            if (m.contains("error=2") || m.contains("No such file")) {
                return "nft is not installed (apt install nftables)";
            }
            return "the kernel refuses a netdev ingress chain with fwd: " + m.lines().findFirst().orElse(m);
        }
    }

    /**
     * Creates the Java path and loads the first ruleset.
     *
     * @param networkMac the network interface's MAC, given to the Java path's read end too, so a
     *                   capture filter for "frames to our MAC" admits what nft hands over
     * @param mtu        the network interface's MTU (the Java path must carry any frame it can)
     */
    public static NftDataplane start(ForwardingTables tables, long generation, String networkMac, int mtu) throws IOException {
        NftDataplane d = new NftDataplane(tables.networkInterface(), false);
        try {
            d.createJavaPath(networkMac, mtu);
            d.load(tables, generation);
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /**
     * Loads the guard of the pcap dataplane ({@link NftRuleset#renderGuard}): the host kernel then
     * neither answers nor routes what the balancer forwards itself. Removed at {@link #close()}.
     */
    public static NftDataplane startGuard(ForwardingTables tables, long generation) throws IOException {
        NftDataplane d = new NftDataplane(tables.networkInterface(), true);
        try {
            d.load(tables, generation);
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void createJavaPath(String networkMac, int mtu) throws IOException {
        String dev = JAVA_PATH.device();
        String rx = JAVA_PATH.readDevice();
        if (Files.exists(Path.of("/sys/class/net", dev))) {
            EventLog.info("nft_stale_java_path", "device", dev, "action", "replace");
            HostCommand.run(List.of("ip", "link", "del", dev));
        }
        HostCommand.run(List.of("ip", "link", "add", dev, "mtu", Integer.toString(mtu), "type", "veth",
                "peer", "name", rx, "mtu", Integer.toString(mtu)));
        HostCommand.run(List.of("ip", "link", "set", rx, "address", networkMac));
        for (String d : List.of(dev, rx)) {
            // no addresses, no router solicitations, no duplicate address detection on the Java path
            Path v6 = Path.of("/proc/sys/net/ipv6/conf", d, "disable_ipv6");
            if (Files.exists(v6)) {
                Files.writeString(v6, "1");
            }
            HostCommand.run(List.of("ip", "link", "set", d, "up"));
        }
    }

    /**
     * Loads the ruleset for {@code tables} in one transaction. Throws, leaving
     * the running ruleset, when nft refuses it; the message is nft's.
     */
    public synchronized void load(ForwardingTables tables, long generation) throws IOException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!tables.networkInterface().equals(networkInterface)) {
            throw new IllegalArgumentException("network interface changed: " + networkInterface + " -> " + tables.networkInterface());
        }
        long t0 = System.nanoTime();
        String text = guardOnly ? NftRuleset.renderGuard(tables, generation) : NftRuleset.render(tables, generation, JAVA_PATH);
        // one kernel transaction: a ruleset refused in any part changes nothing, so no
        // separate "nft -c" pass (it would double the ~1 s a 64K-slot ruleset takes)
        HostCommand.run(List.of("nft", "-f", "-"), text);
        loadedGeneration = generation;
        baseChains = NftRuleset.baseChains(text);
        EventLog.info(guardOnly ? "guard_loaded" : "nft_loaded", "generation", generation, "table", "netdev " + NftRuleset.TABLE,
                "bytes", text.length(), "millis", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Replaces the next hop's MAC in the loaded ruleset: one small transaction, not a reload. */
    public synchronized void nextHop(byte[] mac) throws IOException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        HostCommand.run(List.of("nft", "-f", "-"), NftRuleset.nextHopUpdate(mac));
        EventLog.info("nft_next_hop", "mac", mac == null ? "unresolved" : io.portredirect.protocol.packet.Bytes.mac(mac, 0));
    }

    /** The generation of the ruleset in the kernel now. */
    public synchronized long loadedGeneration() {
        return loadedGeneration;
    }

    /** Removes the ruleset and the Java path; what is already gone is not an error. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failed = new ArrayList<>();
        if (!baseChains.isEmpty()) {
            try {
                // off the devices first, with the maps intact (see NftRuleset.unhook)
                HostCommand.run(List.of("nft", "-f", "-"), NftRuleset.unhook(baseChains));
            } catch (IOException e) {
                // the table is deleted next in any case: it takes the chains with it
                EventLog.warn("nft_unhook_failed", "error", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
        }
        try {
            HostCommand.run(List.of("nft", "delete", "table", "netdev", NftRuleset.TABLE));
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No such file")) {
                failed.add(e.getMessage());
            }
        }
        try {
            if (!guardOnly && Files.exists(Path.of("/sys/class/net", JAVA_PATH.device()))) {
                HostCommand.run(List.of("ip", "link", "del", JAVA_PATH.device()));
            }
        } catch (IOException e) {
            failed.add(e.getMessage());
        }
        if (failed.isEmpty()) {
            EventLog.info(guardOnly ? "guard_removed" : "nft_removed", "table", "netdev " + NftRuleset.TABLE,
                    "java_path", guardOnly ? "none" : JAVA_PATH.device());
        } else {
            EventLog.warn("nft_remove_failed", "error", String.join("; ", failed));
        }
    }
}
