/**
 * Live raw packet I/O and host plumbing shared by the client and server agents (and usable by
 * tools and lab tests). Small, stable API:
 *
 * <ul>
 *   <li>{@link io.portredirect.protocol.io.RawPort} — {@code RawPort.open(ifName, bpfFilter, Direction.IN|OUT|INOUT)}
 *       over pcap4j 1.8.2 (immediate mode, snaplen 65536, 4 MB buffer, non-promiscuous unless asked).
 *       {@code start(handler)} runs the receive loop on its own daemon thread and calls
 *       {@code handler.frame(byte[] frame, int length)} per frame (array valid during the call only;
 *       handler exceptions are counted, not propagated). {@code send(frame, off, len)} injects a whole
 *       link-layer frame, thread-safe. {@code mac()} (null on raw-IP links), {@code linkType()}
 *       ({@code ETHERNET}: 14-byte header, also {@code lo}; {@code RAW}: frames start at the IP header),
 *       {@code parse(frame, len, parsed)} dispatches to {@code PacketParser.parseFrame/parseIp}.
 *       {@code close()} stops the loop and the capture.</li>
 *   <li>{@link io.portredirect.protocol.io.FrameCollector} — a handler that queues copies;
 *       {@code next(timeout[, predicate])} for tests and one-shot tools.</li>
 *   <li>{@link io.portredirect.protocol.io.Nft} — {@code Nft.install(table, body)} loads
 *       {@code table inet <table> { body }} with {@code nft -f -} atomically (replacing a leftover),
 *       {@code close()} and a shutdown hook (SIGTERM/SIGINT/normal exit) delete it;
 *       {@code Nft.exists(table)} for checks.</li>
 *   <li>{@link io.portredirect.protocol.io.NftNetlink} — set-element transactions with no fork:
 *       {@code NftNetlink.open()} (one NETLINK_NETFILTER socket), {@code begin()} gives the reused
 *       {@link io.portredirect.protocol.io.NftBatch} ({@code flush}, {@code add}/{@code delete} +
 *       {@code element(key, timeoutMillis, data)}), {@code commit()} sends it as one batch and reads
 *       every ack (IOException naming operation, table, set and errno; nothing applied then);
 *       {@code renew(table, set, key)} is a lease renewal.</li>
 *   <li>{@link io.portredirect.protocol.io.LocalPortReservation} — {@code reserve(from, to)} or
 *       {@code reserve(ports)} adds to {@code /proc/sys/net/ipv4/ip_local_reserved_ports};
 *       {@code close()} and a shutdown hook remove exactly the ports it added.</li>
 *   <li>{@link io.portredirect.protocol.io.Neighbors} — {@code new Neighbors(ttl).resolve(dst, timeout)}
 *       gives the {@code NextHop} (device, gateway, preferred source, MAC) from {@code ip route get} and
 *       {@code ip neigh}, triggering ARP/NDP when the entry is missing; {@code Neighbors.lookup} uncached.</li>
 *   <li>{@link io.portredirect.protocol.io.HostSupport} — {@code whyNot()} (root, libpcap, nft),
 *       {@code whyNotCapture()} (root, libpcap): null when fine, else one sentence for a start-up error.</li>
 *   <li>{@link io.portredirect.protocol.io.NetNamespace} — {@code NetNamespace.call(nsName, callable)} runs
 *       code on a thread inside a named network namespace (setns(2)); ports, sockets and commands
 *       created there stay in it. Lets a test JVM inject and capture inside lab namespaces.</li>
 *   <li>{@link io.portredirect.protocol.io.HostCommand} — {@code run(cmd[, stdin])}: stdout, or an
 *       IOException naming the command and its stderr.</li>
 * </ul>
 *
 * <p>Everything here acts on the network namespace of the calling thread. Nothing here is on a
 * balancer hot path: pcap4j allocates one array per captured frame.
 */
package io.portredirect.protocol.io;
