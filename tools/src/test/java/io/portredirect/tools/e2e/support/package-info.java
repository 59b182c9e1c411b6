/**
 * Shared fixture for the end-to-end tests (owner: the agents e2e helper; other e2e packages use it,
 * ask for changes rather than edit it). It runs the REAL programs from their shaded jars as
 * processes inside the network namespaces of {@code testdata/lab/lab.sh}, never their classes
 * in-process.
 *
 * <h2>Pieces</h2>
 * <ul>
 * <li>{@link io.portredirect.tools.e2e.support.E2eLab}: one per test class, a
 *     {@link io.portredirect.protocol.lab.LabFixture} brought up and closed by a
 *     {@link io.portredirect.protocol.lab.LabExtension} on a {@link io.portredirect.protocol.lab.LabTest}
 *     class: {@code LabExtension.of(() -> E2eLab.up("pri", E2eLab.options(), "curl"))}, injected
 *     into {@code @BeforeAll static void up(E2eLab lab)}; it prints {@code diagnostics()} next to a
 *     failure. {@code E2eLab.assumeLab("curl", ...)} skips with a one-line reason without root / ip netns /
 *     libpcap / the named tools, and fails when a jar is missing (naming the {@code mvn package} to
 *     run). {@code E2eLab.up(prefix, E2eLab.options().router(true).servers(false).extraNamespace("c2"))}
 *     runs {@code lab.sh up} (LAB_ROUTER / LAB_SERVERS) and creates extra namespaces
 *     {@code PREFIX-NAME}; {@code veth(...)} joins them. {@code run(ns, timeout, cmd...)} and
 *     {@code sh(ns, timeout, script)} run commands in a namespace ({@link
 *     io.portredirect.tools.e2e.support.CommandResult}); {@code exec} throws on failure;
 *     {@code inNamespace(ns, callable)} opens sockets there from the test JVM. Namespaces are given
 *     by short name ("client", "gw", "s1", "rt", or an extra one). {@code close()} stops every
 *     process it started (SIGTERM by PID, newest first), closes raw ports, removes extra
 *     namespaces, runs {@code lab.sh down} and deletes the work directory
 *     ({@code -Dportredirect.e2e.keep=true} keeps configs, logs and pcaps).</li>
 * <li>Programs: {@code startBalancer(BalancerYaml)} (PREFIX-gw, ready = {@code event=started} +
 *     {@code /healthz} 200), {@code startServerAgent(n, ServerAgentYaml)} /
 *     {@code startServerAgents()} (PREFIX-sN, ready = {@code ready} log line),
 *     {@code startClientAgent(name, ns, ClientAgentYaml)} (ready = {@code client agent running}),
 *     {@code startProcess(name, ns, cmd...)} for anything else (iperf3, socat);
 *     {@code startHttpServer(n, port)} adds a python HTTP server in PREFIX-sN whose
 *     {@code GET /FILE?rate=B} is paced by the server (a transfer that stays established on the
 *     server; curl's --limit-rate does not, kernels buffer megabytes), {@code serveFile(name, bytes)}
 *     puts a payload in every server's web root ({@code webRoot(n)}). Each returns a
 *     {@link io.portredirect.protocol.lab.LabProcess}: {@code pid()}, {@code stop()} (SIGTERM,
 *     shutdown hooks run), {@code kill()} (SIGKILL, as a crash), {@code restart()},
 *     {@code signal("HUP")}, {@code log()}, {@code awaitLog(text, timeout)}.</li>
 * <li>{@link io.portredirect.tools.e2e.support.AgentStack}: the balancer, the server agents of
 *     s1..s3 and named client agents started in that order, each kind awaited before the next
 *     ({@code AgentStack.on(lab).clientAgent("cached", 8080, "61000-61099", "60s").start()}).</li>
 * <li>Counters: {@link io.portredirect.tools.e2e.support.BalancerProcess#metrics()} scrapes
 *     {@code /metrics} into {@link io.portredirect.tools.e2e.support.Metrics} ({@code toServer("s2")},
 *     {@code decisions("redirect_hash")}, {@code drops(reason)}, {@code get(name, label, value, ...)},
 *     {@code after.minus(before)}); {@code reload()} = SIGHUP + wait for {@code event=reload
 *     result=ok} (after {@code lab.writeBalancerConfig(b, yaml)}).
 *     {@link io.portredirect.tools.e2e.support.ClientAgentProcess#stat(String)} reads the client
 *     agent's JSON stats file (written every 100 ms: {@code probes}, {@code cache_hits},
 *     {@code fallbacks}, {@code ignored_redirects}, {@code probe_not_supported}, ...;
 *     {@code awaitStat}, {@code settle()} before a baseline read).
 *     {@link io.portredirect.tools.e2e.support.ServerAgentProcess#stats()} parses the server agent's
 *     latest {@code stats} log line (logged every second: {@code synAcks()}, {@code probeRsts()},
 *     {@code named(port)}).</li>
 * <li>Configs (immutable, rendered to YAML): {@link io.portredirect.tools.e2e.support.BalancerYaml}
 *     starts from {@code testdata/lab/balancer.yaml} ({@code group(80, "s1", "s2")},
 *     {@code owner}, {@code weight}, {@code addServicePort("s1", "8101")}, {@code replace}); {@link
 *     io.portredirect.tools.e2e.support.ServerAgentYaml#forServer(int)} (eth0, VIP for s1/s2, own
 *     address for s3 in l3 mode, redirect port 80, service port 800N, tcp, round robin, stats every
 *     1 s); {@link io.portredirect.tools.e2e.support.ClientAgentYaml#forLab(int)} (probe on eth0
 *     from 61000-61099, VIP service ports 8000-8999, listener 127.0.0.1:PORT -> VIP:80; builders
 *     for cache TTL, fallback, more listeners).</li>
 * <li>Packets: {@code capture(ns, iface, bpf)} runs {@code tcpdump -w} (returns once it listens);
 *     {@link io.portredirect.tools.e2e.support.Capture#stop()} decodes the pcap with the protocol
 *     module's PacketParser into {@link io.portredirect.tools.e2e.support.Segment} values (flags,
 *     seq/ack, redirect flags and port); the pcap file stays for tshark. {@code rawPort(ns, iface,
 *     bpf, direction)} opens a live RawPort inside a namespace to inject CraftedPacket frames.</li>
 * </ul>
 *
 * <h2>Lab facts</h2>
 * VIP 198.18.0.10 / 2001:2::10; client 198.18.0.2 (198.18.2.2 behind the router); servers
 * 198.18.1N.2 ({@code E2eLab.serverAddress(n)}); s1, s2 l2 (VIP on lo), s3 l3; weights 1:2:1; lab
 * HTTP servers on 80 and 800N answer "sN"; balancer metrics on 127.0.0.1:9100 inside PREFIX-gw.
 * Programs run with {@code -XX:+UseSerialGC -Xss512k -Xmx256m}: the machine is shared.
 */
package io.portredirect.tools.e2e.support;
