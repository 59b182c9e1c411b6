/**
 * Reliability suite: the real balancer, server agents and client agents (their shaded jars, as
 * processes in the lab's namespaces, through {@link io.portredirect.tools.e2e.support.E2eLab})
 * under load, faults, malformed input and hostile input. Every test prints its figures on one line
 * starting with {@code RELIABILITY} and asserts the functional target (no established connection
 * broken, new connections complete, every drop counted, memory flat, forged answers ignored).
 * <ul>
 * <li>{@link io.portredirect.tools.e2e.reliability.LoadAndFaultsE2eTest} (prefix {@code prrl}, lab with
 *     its router): 50 long-lived connections through a client agent stay open across a 20 s load of
 *     new connections, a balancer crash and restart, a server taken out of the redirect group (edit +
 *     SIGHUP), a server agent restart and 30 % probe loss on the client's link.</li>
 * <li>{@link io.portredirect.tools.e2e.reliability.BadInputE2eTest} ({@code prri}): hping3 and
 *     random crafted frames at the balancer while good traffic flows; dropped + legitimately
 *     forwarded = sent.</li>
 * <li>{@link io.portredirect.tools.e2e.reliability.SecurityE2eTest} ({@code prrs}): spoofed ICMP
 *     errors quoting unowned ports dropped and reflected nowhere; a 60 000-flow SYN flood with
 *     REDIRECT leaves the balancer's live heap flat; forged probe answers outside the allowed range
 *     (or with a wrong ack) are ignored and counted.</li>
 * </ul>
 * Servers are {@link io.portredirect.tools.e2e.reliability.EchoServers} (in the test JVM, bound inside
 * the server namespaces), which name themselves in a banner so a client knows where it landed.
 * Packet loss uses {@link io.portredirect.tools.e2e.reliability.PacketLoss} (htb + classic BPF with
 * a random draw + a dropping pfifo), because the lab machines' kernel has no netem.
 */
package io.portredirect.tools.e2e.reliability;
