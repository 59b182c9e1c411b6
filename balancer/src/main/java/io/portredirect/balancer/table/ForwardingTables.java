package io.portredirect.balancer.table;

import io.portredirect.balancer.config.Addresses;
import io.portredirect.balancer.config.BalancerConfig;
import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.config.MacSpec;
import io.portredirect.balancer.config.Policies;
import io.portredirect.balancer.config.RedirectPortConfig;
import io.portredirect.balancer.config.ServerConfig;
import io.portredirect.balancer.config.ServicePortRange;
import io.portredirect.protocol.config.TransportProtocol;
import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.IpProtocol;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Everything the data plane reads, precomputed from a {@link BalancerConfig}: port lookup arrays
 * (service port owner and redirect slot per VIP, protocol and port), one weighted Maglev table per
 * distinct redirect group, MACs and addresses in flat arrays. Built off the hot path, immutable,
 * swapped as a whole (Katran's split: the control plane builds, the data plane only reads).
 *
 * <p>Port lookups are per VIP ({@code service-vips}, redirect port {@code vips}): VIPs whose ports
 * are configured alike share one pair of port arrays, so a config without per-VIP keys costs what
 * it did before; {@link #vipIndex} gives the VIP index the lookups take.
 *
 * <p>Health: tables are built for a set of servers that are down ({@link #build(BalancerConfig,
 * Function, BiFunction, Set)}). A down server leaves every redirect group: only the table slots it
 * held move, to the other members in proportion to their weights (the slots of the others keep
 * their owner, so no other negotiation changes server); a group whose members are all down stays
 * as configured (there is nowhere better to send a REDIRECT SYN, and the client falls back). As
 * legacy owner of a redirect port it is replaced by the default server, when there is one and it
 * is up. Its service ports stay its own: a service port names one server, and moving it would break
 * the connections living on it if the check was wrong.
 *
 * <p>Hot-path accessors take and return ints and copy bytes into caller buffers; nothing here
 * allocates after {@link #build}.
 */
public final class ForwardingTables {
    private static final int PORTS = 65536;

    private final BalancerConfig config;
    private final int n;
    private final String[] names;
    private final String[] interfaces;
    private final ForwardingMode[] modes;
    private final byte[] serverMacs;
    private final boolean[] hasServerMac;
    private final byte[] serverSideMacs;
    private final byte[] networkMac;
    /** False when {@link #networkMac} is an offline placeholder: no frame was ever sent to it. */
    private final boolean networkMacKnown;
    private final byte[] nextHopMac;
    private final List<InetAddress> vipList;
    /** VIP bytes, 16 per VIP in config order (IPv4 in the first 4). */
    private final byte[] vipBytes;
    private final boolean[] vipIsV4;
    private final byte[] serverAddr4;
    private final boolean[] has4;
    private final byte[] serverAddr6;
    private final boolean[] has6;
    private final int[] returnVip4;
    private final int[] returnVip6;
    private final int[] l3Servers;
    /** Per VIP index: where its port arrays start in {@link #serviceOwner} and {@link #redirectSlotOf}. */
    private final int[] vipBase;
    private final short[] serviceOwner;
    private final int[] redirectSlotOf;
    private final short[][] redirectTables;
    private final int[] redirectOwners;
    /** The owners as configured (return traffic of a down owner is still its own). */
    private final int[] configuredOwners;
    /** Servers whose health check failed, by index. */
    private final boolean[] down;
    private final int[] redirectPorts;
    private final int[] redirectProtocols;
    private final List<List<InetAddress>> redirectVips;
    private final long[][] redirectMembers;
    private final short[] echoTable;
    private final int defaultServer;
    private final int echoServer;

    private ForwardingTables(BalancerConfig config, Function<String, byte[]> interfaceMac, byte[] nextHopMac, Set<String> downNames)
            throws ConfigException {
        this.config = config;
        List<ServerConfig> servers = config.servers();
        this.n = servers.size();
        down = new boolean[n];
        for (int i = 0; i < n; i++) {
            down[i] = downNames.contains(servers.get(i).name());
        }
        names = new String[n];
        interfaces = new String[n];
        modes = new ForwardingMode[n];
        serverMacs = new byte[6 * n];
        hasServerMac = new boolean[n];
        serverSideMacs = new byte[6 * n];
        serverAddr4 = new byte[4 * n];
        has4 = new boolean[n];
        serverAddr6 = new byte[16 * n];
        has6 = new boolean[n];
        returnVip4 = new int[n];
        returnVip6 = new int[n];

        networkMac = resolve(config.network().mac(), config.network().interfaceName(), interfaceMac, "network.mac", true);
        networkMacKnown = !config.network().mac().isAuto() || !InterfaceMacs.isPlaceholder(config.network().interfaceName(), networkMac);
        this.nextHopMac = nextHopMac;

        vipList = config.vips();
        vipBytes = new byte[16 * vipList.size()];
        vipIsV4 = new boolean[vipList.size()];
        for (int v = 0; v < vipList.size(); v++) {
            byte[] a = vipList.get(v).getAddress();
            System.arraycopy(a, 0, vipBytes, 16 * v, a.length);
            vipIsV4[v] = a.length == 4;
        }

        List<Integer> l3 = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ServerConfig s = servers.get(i);
            names[i] = s.name();
            interfaces[i] = s.interfaceName();
            modes[i] = s.mode();
            if (s.mac() != null) {
                System.arraycopy(s.mac().bytes(), 0, serverMacs, 6 * i, 6);
                hasServerMac[i] = true;
            }
            byte[] side = resolve(s.interfaceMac(), s.interfaceName(), interfaceMac, "servers[" + i + "].interface-mac",
                    s.mode() != ForwardingMode.RAW);
            if (side != null) {
                System.arraycopy(side, 0, serverSideMacs, 6 * i, 6);
            }
            for (InetAddress a : s.ips()) {
                if (a instanceof Inet4Address) {
                    System.arraycopy(a.getAddress(), 0, serverAddr4, 4 * i, 4);
                    has4[i] = true;
                } else {
                    System.arraycopy(a.getAddress(), 0, serverAddr6, 16 * i, 16);
                    has6[i] = true;
                }
            }
            returnVip4[i] = returnVip(s, true);
            returnVip6[i] = returnVip(s, false);
            if (s.mode() == ForwardingMode.L3) {
                l3.add(i);
            }
        }
        l3Servers = l3.stream().mapToInt(Integer::intValue).toArray();

        // VIPs that every server and redirect port treats alike share their port arrays
        vipBase = new int[vipList.size()];
        List<List<Boolean>> classes = new ArrayList<>();
        for (int v = 0; v < vipList.size(); v++) {
            InetAddress vip = vipList.get(v);
            List<Boolean> on = new ArrayList<>();
            servers.forEach(s -> on.add(s.servesOn(vip)));
            config.redirectPorts().forEach(r -> on.add(r.on(vip)));
            int c = classes.indexOf(on);
            if (c < 0) {
                c = classes.size();
                classes.add(on);
            }
            vipBase[v] = 2 * PORTS * c;
        }
        int arrays = Math.max(1, classes.size());

        serviceOwner = new short[arrays * 2 * PORTS];
        Arrays.fill(serviceOwner, (short) -1);
        for (int v = 0; v < vipList.size(); v++) {
            for (int i = 0; i < n; i++) {
                if (!servers.get(i).servesOn(vipList.get(v))) {
                    continue;
                }
                for (ServicePortRange r : servers.get(i).servicePorts()) {
                    for (TransportProtocol p : r.protocols()) {
                        for (int port = r.first(); port <= r.last(); port++) {
                            serviceOwner[vipBase[v] + protoSlot(p.number()) * PORTS + port] = (short) i;
                        }
                    }
                }
            }
        }

        redirectSlotOf = new int[arrays * 2 * PORTS];
        Arrays.fill(redirectSlotOf, -1);
        List<short[]> tables = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        List<Integer> configured = new ArrayList<>();
        int dflt = config.defaultServer() == null ? -1 : config.serverIndex(config.defaultServer());
        List<Integer> ports = new ArrayList<>();
        List<Integer> protos = new ArrayList<>();
        List<List<InetAddress>> slotVips = new ArrayList<>();
        List<long[]> members = new ArrayList<>();
        Map<Set<String>, short[]> shared = new HashMap<>();
        for (RedirectPortConfig r : config.redirectPorts()) {
            short[] table = shared.computeIfAbsent(new LinkedHashSet<>(r.group()), g -> withoutDown(maglev(r.group(), config), r.group(), config, down));
            long[] bits = new long[(n + 63) / 64];
            for (String name : r.group()) {
                int s = config.serverIndex(name);
                bits[s >>> 6] |= 1L << s;
            }
            int owner = r.owner() == null ? -1 : config.serverIndex(r.owner());
            int effectiveOwner = owner >= 0 && down[owner] && dflt >= 0 && !down[dflt] ? dflt : owner;
            for (TransportProtocol p : List.of(TransportProtocol.TCP, TransportProtocol.UDP)) {
                if (r.protocols().contains(p)) {
                    for (int v = 0; v < vipList.size(); v++) {
                        if (r.on(vipList.get(v))) {
                            redirectSlotOf[vipBase[v] + protoSlot(p.number()) * PORTS + r.port()] = tables.size();
                        }
                    }
                    tables.add(table);
                    owners.add(effectiveOwner);
                    configured.add(owner);
                    ports.add(r.port());
                    protos.add(p.number());
                    slotVips.add(r.vips());
                    members.add(bits);
                }
            }
        }
        redirectTables = tables.toArray(new short[0][]);
        redirectOwners = owners.stream().mapToInt(Integer::intValue).toArray();
        configuredOwners = configured.stream().mapToInt(Integer::intValue).toArray();
        redirectPorts = ports.stream().mapToInt(Integer::intValue).toArray();
        redirectProtocols = protos.stream().mapToInt(Integer::intValue).toArray();
        redirectVips = List.copyOf(slotVips);
        redirectMembers = members.toArray(new long[0][]);

        Policies pol = config.policies();
        echoTable = pol.icmpEcho() == Policies.IcmpEcho.BALANCE ? maglev(Arrays.asList(names), config) : null;
        defaultServer = config.defaultServer() == null ? -1 : config.serverIndex(config.defaultServer());
        echoServer = pol.icmpEcho() == Policies.IcmpEcho.SERVER ? config.serverIndex(pol.echoServer())
                : pol.icmpEcho() == Policies.IcmpEcho.DEFAULT ? defaultServer : -1;
    }

    /** A copy sharing every table but with another next-hop MAC. */
    private ForwardingTables(ForwardingTables o, byte[] nextHopMac) {
        config = o.config;
        n = o.n;
        names = o.names;
        interfaces = o.interfaces;
        modes = o.modes;
        serverMacs = o.serverMacs;
        hasServerMac = o.hasServerMac;
        serverSideMacs = o.serverSideMacs;
        networkMac = o.networkMac;
        networkMacKnown = o.networkMacKnown;
        this.nextHopMac = nextHopMac;
        vipList = o.vipList;
        vipBytes = o.vipBytes;
        vipIsV4 = o.vipIsV4;
        serverAddr4 = o.serverAddr4;
        has4 = o.has4;
        serverAddr6 = o.serverAddr6;
        has6 = o.has6;
        returnVip4 = o.returnVip4;
        returnVip6 = o.returnVip6;
        l3Servers = o.l3Servers;
        vipBase = o.vipBase;
        serviceOwner = o.serviceOwner;
        redirectSlotOf = o.redirectSlotOf;
        redirectTables = o.redirectTables;
        redirectOwners = o.redirectOwners;
        configuredOwners = o.configuredOwners;
        down = o.down;
        redirectPorts = o.redirectPorts;
        redirectProtocols = o.redirectProtocols;
        redirectVips = o.redirectVips;
        redirectMembers = o.redirectMembers;
        echoTable = o.echoTable;
        defaultServer = o.defaultServer;
        echoServer = o.echoServer;
    }

    /**
     * Builds the tables. {@code interfaceMac} resolves {@code auto} MACs of the balancer's own
     * interfaces; {@code next-hop-mac: auto} stays unresolved (see {@link #withNextHopMac}).
     *
     * @throws ConfigException when an {@code auto} MAC cannot be resolved (names key and line)
     */
    public static ForwardingTables build(BalancerConfig config, Function<String, byte[]> interfaceMac) throws ConfigException {
        return build(config, interfaceMac, (iface, ip) -> null);
    }

    /**
     * Builds the tables, resolving {@code next-hop-mac: auto} with {@code neighborMac(interface, ip)}
     * for each next hop (first answer wins; null answers leave it unresolved).
     */
    public static ForwardingTables build(BalancerConfig config, Function<String, byte[]> interfaceMac,
                                         BiFunction<String, InetAddress, byte[]> neighborMac) throws ConfigException {
        return build(config, interfaceMac, neighborMac, Set.of());
    }

    /**
     * Builds the tables with the servers named in {@code down} out of service (see the class
     * comment); names that are not servers of {@code config} are ignored.
     */
    public static ForwardingTables build(BalancerConfig config, Function<String, byte[]> interfaceMac,
                                         BiFunction<String, InetAddress, byte[]> neighborMac, Set<String> down) throws ConfigException {
        MacSpec spec = config.network().nextHopMac();
        byte[] hop = spec.isAuto() ? null : spec.bytes();
        if (hop == null) {
            for (InetAddress a : config.network().nextHops()) {
                byte[] m = neighborMac.apply(config.network().interfaceName(), a);
                if (m != null && m.length == 6) {
                    hop = m.clone();
                    break;
                }
            }
        }
        return new ForwardingTables(config, interfaceMac, hop, down);
    }

    /** These tables with the next hop's MAC set (after ARP/NDP resolution); shares every table. */
    public ForwardingTables withNextHopMac(byte[] mac) {
        if (mac == null || mac.length != 6) {
            throw new IllegalArgumentException("a MAC address is 6 bytes");
        }
        return new ForwardingTables(this, mac.clone());
    }

    private byte[] resolve(MacSpec spec, String iface, Function<String, byte[]> interfaceMac, String key, boolean required)
            throws ConfigException {
        if (!spec.isAuto()) {
            return spec.bytes();
        }
        byte[] m = interfaceMac.apply(iface);
        if (m == null || m.length != 6) {
            if (!required) {
                return null;
            }
            throw config.problem(key, "auto: cannot find the MAC of interface " + iface + " (does it exist? or give the MAC)");
        }
        return m.clone();
    }

    private int returnVip(ServerConfig s, boolean v4) {
        for (InetAddress a : s.vips()) {
            if ((a instanceof Inet4Address) == v4) {
                return vipList.indexOf(a);
            }
        }
        int found = -1;
        for (int v = 0; v < vipList.size(); v++) {
            if ((vipList.get(v) instanceof Inet4Address) == v4) {
                if (found >= 0) {
                    return -1;
                }
                found = v;
            }
        }
        return found;
    }

    private static short[] maglev(List<String> group, BalancerConfig config) {
        MaglevTable.Member[] m = new MaglevTable.Member[group.size()];
        for (int i = 0; i < m.length; i++) {
            int s = config.serverIndex(group.get(i));
            m[i] = new MaglevTable.Member(group.get(i), config.servers().get(s).weight(), (short) s);
        }
        return MaglevTable.build(m, config.tableSize());
    }

    /**
     * The group's table with the slots of down members handed to the members that are up: each
     * such slot takes its owner from the table built over the up members alone (so the moved slots
     * follow the weights), and every other slot keeps its owner. Unchanged when no member, or every
     * member, is down.
     */
    static short[] withoutDown(short[] table, List<String> group, BalancerConfig config, boolean[] down) {
        List<String> up = group.stream().filter(name -> !down[config.serverIndex(name)]).toList();
        if (up.size() == group.size() || up.isEmpty()) {
            return table;
        }
        short[] survivors = maglev(up, config);
        short[] out = table.clone();
        for (int i = 0; i < out.length; i++) {
            if (down[out[i]]) {
                out[i] = survivors[i];
            }
        }
        return out;
    }

    private static int protoSlot(int ipProtocol) {
        return ipProtocol == IpProtocol.TCP ? 0 : ipProtocol == IpProtocol.UDP ? 1 : -1;
    }

    // ---------------------------------------------------------------- hot path lookups

    /** The server whose service port this is on VIP index {@code vip} ({@link #vipIndex}), or -1. */
    public int serviceOwner(int vip, int ipProtocol, int port) {
        int p = protoSlot(ipProtocol);
        return p < 0 || port < 0 || vip < 0 ? -1 : serviceOwner[vipBase[vip] + p * PORTS + port];
    }

    /** The redirect slot for (VIP index, protocol, port), or -1 when it is not a redirect port there. */
    public int redirectSlot(int vip, int ipProtocol, int port) {
        int p = protoSlot(ipProtocol);
        return p < 0 || port < 0 || vip < 0 ? -1 : redirectSlotOf[vipBase[vip] + p * PORTS + port];
    }

    /** Rule 2: the group member at {@code index} of the slot's table (a {@link FlowIndex}, below {@link #tableSize()}). */
    public int pickRedirect(int slot, int index) {
        return redirectTables[slot][index];
    }

    /** The legacy owner of a redirect slot, or -1. */
    public int redirectOwner(int slot) {
        return redirectOwners[slot];
    }

    public int redirectSlotCount() {
        return redirectTables.length;
    }

    public int redirectSlotPort(int slot) {
        return redirectPorts[slot];
    }

    /** IP protocol number of a redirect slot. */
    public int redirectSlotProtocol(int slot) {
        return redirectProtocols[slot];
    }

    /** The VIPs a redirect slot is on (empty: every VIP). */
    public List<InetAddress> redirectSlotVips(int slot) {
        return redirectVips.get(slot);
    }

    /** True when server {@code s} belongs to the group of redirect slot {@code slot}. */
    public boolean inRedirectGroup(int slot, int s) {
        return (redirectMembers[slot][s >>> 6] & (1L << s)) != 0;
    }

    /** True when server {@code s} is out of service (its health check failed). */
    public boolean isDown(int s) {
        return down[s];
    }

    /** Names of the servers out of service, in config order. */
    public List<String> downServers() {
        return IntStream.range(0, n).filter(i -> down[i]).mapToObj(i -> names[i]).toList();
    }

    /** The default server, or -1. */
    public int defaultServer() {
        return defaultServer;
    }

    public Policies policies() {
        return config.policies();
    }

    /** The server for a non-error ICMP packet under {@code icmp-echo: balance}, by flow hash. */
    public int balanceEcho(long flowHash) {
        return echoTable == null ? -1 : MaglevTable.lookup(echoTable, flowHash);
    }

    /** The server named by {@code icmp-echo: server:NAME} or the default server for {@code default}; else -1. */
    public int echoServer() {
        return echoServer;
    }

    /** Number of VIPs; VIP indices are 0 to this - 1, in config order. */
    public int vipCount() {
        return vipIsV4.length;
    }

    public ForwardingMode mode(int s) {
        return modes[s];
    }

    /** Index of the VIP at {@code b[offset..offset+length)} in config order, or -1. Allocation-free. */
    public int vipIndex(byte[] b, int offset, int length) {
        if (length == 4) {
            int a = Bytes.i32(b, offset);
            for (int v = 0; v < vipIsV4.length; v++) {
                if (vipIsV4[v] && Bytes.i32(vipBytes, 16 * v) == a) {
                    return v;
                }
            }
        } else if (length == 16) {
            for (int v = 0; v < vipIsV4.length; v++) {
                if (!vipIsV4[v] && Arrays.equals(vipBytes, 16 * v, 16 * v + 16, b, offset, offset + 16)) {
                    return v;
                }
            }
        }
        return -1;
    }

    /** True when server {@code s} has an address of the family (4 or 6). */
    public boolean hasAddress(int s, int ipVersion) {
        return ipVersion == 4 ? has4[s] : has6[s];
    }

    /** The VIP index an l3 server answers for in this family, or -1. */
    public int returnVip(int s, int ipVersion) {
        return ipVersion == 4 ? returnVip4[s] : returnVip6[s];
    }

    /** Copies server {@code s}'s address of the family into {@code dst}; returns its length (4/16). */
    public int copyServerAddress(int s, int ipVersion, byte[] dst, int offset) {
        if (ipVersion == 4) {
            System.arraycopy(serverAddr4, 4 * s, dst, offset, 4);
            return 4;
        }
        System.arraycopy(serverAddr6, 16 * s, dst, offset, 16);
        return 16;
    }

    /** Copies VIP {@code v} into {@code dst}; returns its length. */
    public int copyVip(int v, byte[] dst, int offset) {
        int len = vipIsV4[v] ? 4 : 16;
        System.arraycopy(vipBytes, 16 * v, dst, offset, len);
        return len;
    }

    /**
     * The l3 server owning the address at {@code b[offset..)} ({@code hint} is tried first), or -1.
     * Allocation-free.
     */
    public int l3ServerByAddress(byte[] b, int offset, int length, int hint) {
        if (hint >= 0 && hint < n && modes[hint] == ForwardingMode.L3 && addressIs(hint, b, offset, length)) {
            return hint;
        }
        for (int s : l3Servers) {
            if (addressIs(s, b, offset, length)) {
                return s;
            }
        }
        return -1;
    }

    private boolean addressIs(int s, byte[] b, int offset, int length) {
        if (length == 4) {
            return has4[s] && Arrays.equals(serverAddr4, 4 * s, 4 * s + 4, b, offset, offset + 4);
        }
        return length == 16 && has6[s] && Arrays.equals(serverAddr6, 16 * s, 16 * s + 16, b, offset, offset + 16);
    }

    /**
     * True when server {@code s} sends from (protocol, port) of VIP index {@code vip} on behalf of
     * the balancer: one of its service ports there, or a redirect port there whose group or owner
     * includes it.
     */
    public boolean servesPort(int s, int vip, int ipProtocol, int port) {
        if (serviceOwner(vip, ipProtocol, port) == s) {
            return true;
        }
        int slot = redirectSlot(vip, ipProtocol, port);
        return slot >= 0 && (inRedirectGroup(slot, s) || redirectOwners[slot] == s || configuredOwners[slot] == s);
    }

    /** Writes the server's MAC as destination and the balancer's server-side MAC as source. */
    public void writeToServerMacs(int s, byte[] frame, int frameOffset) {
        System.arraycopy(serverMacs, 6 * s, frame, frameOffset, 6);
        System.arraycopy(serverSideMacs, 6 * s, frame, frameOffset + 6, 6);
    }

    /** Writes the next hop's MAC as destination and the network-side MAC as source. */
    public void writeToNetworkMacs(byte[] frame, int frameOffset) {
        System.arraycopy(nextHopMac, 0, frame, frameOffset, 6);
        System.arraycopy(networkMac, 0, frame, frameOffset + 6, 6);
    }

    // ---------------------------------------------------------------- control-plane view

    public BalancerConfig config() {
        return config;
    }

    public int serverCount() {
        return n;
    }

    public String serverName(int i) {
        return names[i];
    }

    public String serverInterface(int i) {
        return interfaces[i];
    }

    public ForwardingMode serverMode(int i) {
        return modes[i];
    }

    /** Index of a server by name, or -1. */
    public int serverIndex(String name) {
        for (int i = 0; i < n; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of the server's MAC, or null (raw server without one). */
    public byte[] serverMac(int i) {
        return hasServerMac[i] ? Arrays.copyOfRange(serverMacs, 6 * i, 6 * i + 6) : null;
    }

    /** A copy of the balancer's MAC on the server's interface (zeros for a raw server whose MAC was not resolvable). */
    public byte[] serverSideMac(int i) {
        return Arrays.copyOfRange(serverSideMacs, 6 * i, 6 * i + 6);
    }

    /** Servers reached through {@code iface}. */
    public int[] serversOnInterface(String iface) {
        return IntStream.range(0, n).filter(i -> interfaces[i].equals(iface)).toArray();
    }

    public String networkInterface() {
        return config.network().interfaceName();
    }

    /** A copy of the network-side MAC: answer ARP/NDP for the VIPs with it. */
    public byte[] networkMac() {
        return networkMac.clone();
    }

    /** The network-side MAC itself, for the packet path (no copy): do not modify. */
    public byte[] networkMacView() {
        return networkMac;
    }

    /**
     * Whether the frame at {@code off} was sent to the network-side MAC (0), to a group address,
     * broadcast or multicast (1), or to another host (-1). With an offline placeholder MAC (replay
     * without the interface) nothing can be told apart, and every frame counts as ours (0).
     */
    public int destinationMac(byte[] frame, int off) {
        if (!networkMacKnown || Bytes.equal(frame, off, networkMac, 0, 6)) {
            return 0;
        }
        return (frame[off] & 1) != 0 ? 1 : -1;
    }

    /** False when the network MAC is an offline placeholder, so destination MACs go unchecked. */
    public boolean checksDestinationMac() {
        return networkMacKnown;
    }

    /** A copy of the next hop's MAC, or null while unresolved. */
    public byte[] nextHopMac() {
        return nextHopMac == null ? null : nextHopMac.clone();
    }

    public boolean nextHopResolved() {
        return nextHopMac != null;
    }

    /** Next-hop addresses to resolve when {@code next-hop-mac: auto}. */
    public List<InetAddress> nextHops() {
        return config.network().nextHops();
    }

    public List<String> vips() {
        return vipList.stream().map(Addresses::format).toList();
    }

    public List<InetAddress> vipAddresses() {
        return vipList;
    }

    /** Every distinct interface to open, network side first. */
    public List<String> interfaces() {
        Set<String> s = new LinkedHashSet<>();
        s.add(networkInterface());
        s.addAll(Arrays.asList(interfaces));
        return List.copyOf(s);
    }

    /** Size of every distribution table. */
    public int tableSize() {
        return config.tableSize();
    }

    /** Table slots per server index for a redirect slot (copy). */
    public int[] redirectShares(int slot) {
        return MaglevTable.shares(redirectTables[slot], n);
    }

    /** The distribution table of a redirect slot (copy, for tests and tools). */
    public short[] redirectTable(int slot) {
        return redirectTables[slot].clone();
    }

    /**
     * Human-readable summary of the tables, as {@code check-config} prints it; with per-VIP keys,
     * the VIPs each port is on (a VIP column for redirect ports).
     */
    public String summary() {
        boolean perVip = config.perVip();
        int vipWidth = Math.max(3, config.redirectPorts().stream().mapToInt(r -> vipColumn(r.vips()).length()).max().orElse(0));
        StringBuilder sb = new StringBuilder();
        sb.append("config ").append(config.source()).append('\n');
        sb.append("vips: ").append(String.join(", ", vips())).append('\n');
        sb.append("network: ").append(networkInterface()).append(" mac ").append(Bytes.mac(networkMac, 0))
                .append(", next hop ").append(config.network().nextHops().stream().map(Addresses::format).toList())
                .append(" mac ").append(nextHopMac == null ? "unresolved (auto)" : Bytes.mac(nextHopMac, 0)).append('\n');
        sb.append("servers:\n");
        for (int i = 0; i < n; i++) {
            ServerConfig s = config.servers().get(i);
            sb.append(String.format("  %-12s %-4s via %-15s mac %s weight %d", names[i], modes[i].yamlName(), interfaces[i],
                    hasServerMac[i] ? Bytes.mac(serverMacs, 6 * i) : "-", s.weight()));
            if (!s.ips().isEmpty()) {
                sb.append(" ip ").append(s.ips().stream().map(Addresses::format).toList());
            }
            sb.append(" service ports ").append(s.servicePorts());
            if (perVip) {
                sb.append(" on ").append(s.serviceVips().isEmpty() ? "every VIP" : vipColumn(s.serviceVips()));
            }
            if (s.health() != null) {
                io.portredirect.balancer.config.HealthCheck h = s.health();
                sb.append(String.format(" health tcp/%d every %s timeout %s rise %d fall %d", h.port(), ms(h.interval()), ms(h.timeout()),
                        h.rise(), h.fall()));
                if (h.source() != null) {
                    sb.append(" from ").append(Addresses.format(h.source()));
                }
            }
            if (down[i]) {
                sb.append(" DOWN");
            }
            sb.append('\n');
        }
        sb.append("redirect ports (table size ").append(config.tableSize()).append("):\n");
        if (perVip) {
            sb.append(String.format("  %-" + vipWidth + "s port%n", "vip"));
        }
        for (int slot = 0; slot < redirectTables.length; slot++) {
            int[] shares = redirectShares(slot);
            sb.append("  ");
            if (perVip) {
                sb.append(String.format("%-" + vipWidth + "s ", vipColumn(redirectVips.get(slot))));
            }
            sb.append(String.format("%d/%s", redirectPorts[slot], IpProtocol.name(redirectProtocols[slot]).toLowerCase()));
            sb.append(" owner ").append(redirectOwners[slot] < 0 ? "-" : names[redirectOwners[slot]]).append(" shares");
            for (int i = 0; i < n; i++) {
                if (shares[i] > 0) {
                    sb.append(String.format(" %s=%.2f%%", names[i], 100.0 * shares[i] / config.tableSize()));
                }
            }
            sb.append('\n');
        }
        sb.append("default server: ").append(defaultServer < 0 ? "none" : names[defaultServer]).append('\n');
        sb.append("policies: ").append(config.policies()).append('\n');
        if (config.metricsListen() != null) {
            sb.append("metrics: ").append(config.metricsListen()).append('\n');
        }
        return sb.toString();
    }

    private static String ms(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** {@code 198.18.0.10,2001:2::10}, or {@code *} for every VIP. */
    private static String vipColumn(List<InetAddress> vips) {
        return vips.isEmpty() ? "*" : vips.stream().map(Addresses::format).collect(java.util.stream.Collectors.joining(","));
    }
}
