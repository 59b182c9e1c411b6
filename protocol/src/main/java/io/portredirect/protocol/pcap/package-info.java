/**
 * pcap4j integration for tools and agents (not the balancer's hot path): the redirect TCP option
 * as a pcap4j {@link org.pcap4j.packet.TcpPacket.TcpOption} ({@link
 * io.portredirect.protocol.pcap.TcpRedirectOption}), its registration with pcap4j's static packet
 * factory ({@link io.portredirect.protocol.pcap.Pcap4jRedirect#install()}), and crafted packets
 * as pcap4j packets ({@link io.portredirect.protocol.pcap.Pcap4jPackets#of}).
 */
package io.portredirect.protocol.pcap;
