package io.portredirect.serveragent.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The server agent's validated configuration (immutable).
 *
 * @param source            the file it came from (null when built in code)
 * @param interfaceName     where REDIRECT SYNs and datagrams arrive and answers leave
 * @param vips              destination addresses clients use (the VIP on loopback in l2/raw mode; the
 *                          server's own address in l3 mode)
 * @param redirectPorts     redirect ports this agent answers REDIRECT on
 * @param servicePorts      this server's own service ports, in config order
 * @param legacyProxies     per redirect port, where the agent proxies legacy (non-REDIRECT) clients
 * @param policy            selection policy
 * @param tcp               answer TCP SYNs
 * @param udp               answer UDP datagrams
 * @param refreshMillis     how often kernel socket state is re-read for the policies
 * @param allFull           what to do when no service port is usable
 * @param mss               MSS to announce in SYN-ACKs (0: from the interface MTU)
 * @param nftTable          name of the agent's nft table (family inet)
 * @param reserveLocalPorts keep redirect and service ports out of the kernel's ephemeral range
 * @param proxyBacklog      listen backlog of proxy listeners
 * @param statsSeconds      print counters every so many seconds (0: only at exit)
 * @param absorbUdp         bind UDP redirect ports nobody uses, so first datagrams draw no ICMP error
 * @param guardTimeoutMillis how long the nft guard outlives the agent's last refresh (the agent
 *                          refreshes it every quarter of this): after a SIGKILL the kernel answers
 *                          REDIRECT SYNs again within this time
 */
public record ServerAgentConfig(
        Path source,
        String interfaceName,
        List<InetAddress> vips,
        List<Integer> redirectPorts,
        List<ServicePort> servicePorts,
        Map<Integer, InetSocketAddress> legacyProxies,
        SelectionPolicy policy,
        boolean tcp,
        boolean udp,
        int refreshMillis,
        AllFullAction allFull,
        int mss,
        String nftTable,
        boolean reserveLocalPorts,
        int proxyBacklog,
        int statsSeconds,
        boolean absorbUdp,
        int guardTimeoutMillis) {

    /** What the agent answers when every service port is full or down. */
    public enum AllFullAction {
        /** RST carrying REDIRECT_CONFIRM without a port: the client falls back to the redirect port at once. */
        RESET,
        /** No answer (seed 001's "the request is dropped"): the client falls back after its timeout. */
        DROP
    }

    public ServerAgentConfig {
        vips = List.copyOf(vips);
        redirectPorts = List.copyOf(redirectPorts);
        servicePorts = List.copyOf(servicePorts);
        legacyProxies = Map.copyOf(legacyProxies);
    }

    /** How often the agent refreshes its nft guard: a quarter of the timeout, so three refreshes may fail or stall. */
    public int guardRefreshMillis() {
        return Math.max(1, guardTimeoutMillis / 4);
    }

    /** Service port numbers in config order. */
    public int[] servicePortNumbers() {
        return servicePorts.stream().mapToInt(ServicePort::port).toArray();
    }

    /** The service ports that serve TCP, in config order. */
    public List<ServicePort> tcpServicePorts() {
        return servicePorts.stream().filter(ServicePort::tcp).toList();
    }

    /** The service ports that serve UDP, in config order. */
    public List<ServicePort> udpServicePorts() {
        return servicePorts.stream().filter(ServicePort::udp).toList();
    }
}
