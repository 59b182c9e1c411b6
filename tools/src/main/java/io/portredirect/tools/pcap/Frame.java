package io.portredirect.tools.pcap;

import java.time.Instant;

/**
 * One captured or crafted frame: its bytes, where its IP header sits (by link type) and when it
 * was seen (null for frames that have no time, such as hex input).
 */
public record Frame(byte[] data, LinkType link, Instant time) {
}
