/**
 * The portredirect wire format and zero-copy packet views.
 *
 * <p>{@link io.portredirect.protocol.wire} holds the redirect extension (the TCP option and the
 * UDP option) and the option walkers; {@link io.portredirect.protocol.packet} holds flyweight views
 * over Ethernet, IPv4, IPv6, TCP, UDP and ICMP headers in a {@code byte[]}, the checksum helpers
 * and the one-pass {@link io.portredirect.protocol.packet.PacketParser}.
 */
package io.portredirect.protocol;
