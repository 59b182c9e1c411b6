/**
 * In-place rewrites per forwarding mode (l2 MACs, l3 addresses with RFC 1624 incremental
 * checksums, ICMP quotes included; raw untouched).
 */
package io.portredirect.balancer.rewrite;
