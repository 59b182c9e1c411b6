/**
 * Application traffic: {@link io.portredirect.clientagent.relay.TcpRelay} accepts, resolves, reopens
 * on VIP:service-port and hands both sockets to the {@link io.portredirect.clientagent.relay.SpliceLoop}s;
 * {@link io.portredirect.clientagent.relay.UdpRelay} keeps one upstream socket per UDP client.
 */
package io.portredirect.clientagent.relay;
