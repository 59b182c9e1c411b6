/**
 * Application traffic: {@link io.portredirect.clientagent.relay.TcpRelay} listens; the
 * {@link io.portredirect.clientagent.relay.TcpSplicer} (the relay's entry point, for any accepted
 * connection whose destination is known) resolves, reopens on VIP:service-port and splices on the
 * {@link io.portredirect.clientagent.relay.SpliceLoops} (one event loop per core, buffers from a
 * {@link io.portredirect.clientagent.relay.BufferPool}); {@link io.portredirect.clientagent.relay.UdpRelay}
 * keeps one upstream socket per UDP client.
 */
package io.portredirect.clientagent.relay;
