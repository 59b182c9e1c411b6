package io.portredirect.balancer.io;

import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ServerConfig;
import io.portredirect.balancer.table.InterfaceMacs;
import io.portredirect.protocol.packet.Bytes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The start-up check of the interfaces the balancer forwards with (the network side and every
 * server's), before any is opened. Pure: what {@code ethtool -k IF} printed, the MTU and the MAC
 * come in as functions, so the rules are tested on captured text; {@link #system} reads them from
 * this machine. Runs once at start, never on the packet path.
 *
 * <ul>
 *   <li>Offloads (GRO, LRO, TSO, GSO, tx checksumming) on: a capture sees 64 KB super-packets or
 *       frames whose checksum is only partial, and forwarded as they are the receiver drops them
 *       (DESIGN.md section 4). Blocking; fixed by {@code ethtool -K IF gro off ...} unless the
 *       driver marks the feature {@code [fixed]}.</li>
 *   <li>{@code network.mac} given and not the interface's own: capture is not promiscuous, so
 *       frames to it would never arrive. Blocking.</li>
 *   <li>A server-side MTU smaller than the network side's: a packet that fits the network but not
 *       the server's link is answered with ICMP fragmentation-needed / packet-too-big from the VIP
 *       (IPv4 without DF is dropped: the balancer does not fragment). A warning.</li>
 * </ul>
 */
public final class InterfaceCheck {
    /** The offloads checked: {@code ethtool -k} feature name to {@code ethtool -K} short name. */
    static final Map<String, String> OFFLOADS = offloads();

    /**
     * One finding.
     *
     * @param iface    the interface
     * @param what     what is wrong and why it matters
     * @param fix      the command that fixes it (argv), or an empty list when none can
     * @param blocking whether {@code run} must refuse to start while it holds
     * @param offloads whether {@code --fix-offloads} may run {@code fix}
     */
    public record Problem(String iface, String what, List<String> fix, boolean blocking, boolean offloads) {
        /** The fix as a shell line, or "" when there is none. */
        public String fixLine() {
            return String.join(" ", fix);
        }
    }

    /** One feature line of {@code ethtool -k}: on or off, and whether the driver allows changing it. */
    record Feature(boolean on, boolean fixed) {
    }

    private InterfaceCheck() {
    }

    private static Map<String, String> offloads() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("generic-receive-offload", "gro");
        m.put("large-receive-offload", "lro");
        m.put("tcp-segmentation-offload", "tso");
        m.put("generic-segmentation-offload", "gso");
        m.put("tx-checksumming", "tx");
        return m;
    }

    /**
     * Parses {@code ethtool -k} output: {@code name: on|off [fixed]} per line, sub-features
     * indented (kept too, by their own names). Lines without a value (the header) are skipped.
     */
    static Map<String, Feature> parseFeatures(String text) {
        Map<String, Feature> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 2).trim();
            if (value.startsWith("on")) {
                out.put(name, new Feature(true, value.contains("[fixed]")));
            } else if (value.startsWith("off")) {
                out.put(name, new Feature(false, value.contains("[fixed]")));
            }
        }
        return out;
    }

    /** The offload problem of one interface from its {@code ethtool -k} text, or null when none is on. */
    static Problem offloadProblem(String iface, String ethtoolK) {
        Map<String, Feature> features = parseFeatures(ethtoolK);
        List<String> fixable = new ArrayList<>();
        List<String> fixed = new ArrayList<>();
        for (Map.Entry<String, String> e : OFFLOADS.entrySet()) {
            Feature f = features.get(e.getKey());
            if (f != null && f.on()) {
                (f.fixed() ? fixed : fixable).add(e.getValue());
            }
        }
        if (fixable.isEmpty() && fixed.isEmpty()) {
            return null;
        }
        List<String> all = new ArrayList<>(fixable);
        all.addAll(fixed);
        String what = "offloads on: " + String.join(", ", all) + " (captures would see merged super-packets or partial checksums"
                + " that receivers drop)";
        if (!fixed.isEmpty()) {
            what += "; the driver fixes " + String.join(", ", fixed) + " on: forward with another interface";
        }
        List<String> fix = new ArrayList<>();
        if (!fixable.isEmpty()) {
            fix.add("ethtool");
            fix.add("-K");
            fix.add(iface);
            for (String s : fixable) {
                fix.add(s);
                fix.add("off");
            }
        }
        return new Problem(iface, what, List.copyOf(fix), true, fixed.isEmpty());
    }

    /** The interfaces the balancer forwards with: the network side first, then the servers' in config order. */
    public static List<String> interfaces(BalancerConfig cfg) {
        Set<String> out = new LinkedHashSet<>();
        out.add(cfg.network().interfaceName());
        for (ServerConfig s : cfg.servers()) {
            out.add(s.interfaceName());
        }
        return List.copyOf(out);
    }

    /**
     * Checks every interface of {@code cfg}.
     *
     * @param ethtoolK {@code ethtool -k IF} output, or null when it could not be run
     * @param mtu      the interface's MTU, or -1 when unknown
     * @param mac      the interface's MAC, or null when unknown
     */
    public static List<Problem> check(BalancerConfig cfg, Function<String, String> ethtoolK, Function<String, Integer> mtu,
                                      Function<String, byte[]> mac) {
        List<Problem> out = new ArrayList<>();
        String net = cfg.network().interfaceName();
        if (!cfg.network().mac().isAuto()) {
            byte[] real = mac.apply(net);
            byte[] given = cfg.network().mac().bytes();
            if (real != null && !Bytes.equal(real, 0, given, 0, 6)) {
                out.add(new Problem(net, "network.mac " + Bytes.mac(given, 0) + " is not the interface's MAC " + Bytes.mac(real, 0)
                        + ": capture is not promiscuous, frames to it would not arrive; write mac: auto or set the interface's MAC",
                        List.of("ip", "link", "set", "dev", net, "address", Bytes.mac(given, 0)), true, false));
            }
        }
        int netMtu = mtu.apply(net);
        for (String iface : interfaces(cfg)) {
            String k = ethtoolK.apply(iface);
            if (k == null) {
                out.add(new Problem(iface, "cannot read offloads (ethtool -k " + iface + " failed); check them by hand", List.of(), false, false));
            } else {
                Problem p = offloadProblem(iface, k);
                if (p != null) {
                    out.add(p);
                }
            }
            int m = mtu.apply(iface);
            if (!iface.equals(net) && netMtu > 0 && m > 0 && m < netMtu) {
                out.add(new Problem(iface, "MTU " + m + " is smaller than the network side's (" + net + ", " + netMtu
                        + "): larger packets get ICMP fragmentation-needed / packet-too-big from the VIP, IPv4 without DF is dropped",
                        List.of("ip", "link", "set", "dev", iface, "mtu", Integer.toString(netMtu)), false, false));
            }
        }
        return out;
    }

    /** Runs the fix of an offload problem; null when it worked, else ethtool's exit status and output. */
    public static String runFix(Problem p) {
        if (!p.offloads() || p.fix().isEmpty()) {
            throw new IllegalArgumentException("not a fixable offload problem: " + p);
        }
        SystemInterfaces.Result r = SystemInterfaces.run(p.fix());
        return r.exit() == 0 ? null : "exit " + r.exit() + ": " + r.output().strip();
    }

    /** {@link #check} on this machine: {@code ethtool -k}, /sys/class/net/IF/mtu and /address. */
    public static List<Problem> system(BalancerConfig cfg) {
        return check(cfg, SystemInterfaces::ethtoolK, SystemInterfaces::mtu, InterfaceMacs.sysfs());
    }
}
