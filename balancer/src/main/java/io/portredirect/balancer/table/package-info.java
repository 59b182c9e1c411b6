/**
 * The control plane's output: {@link io.portredirect.balancer.table.ForwardingTables} built from a
 * config off the hot path (port lookup arrays, weighted Maglev tables, MACs, addresses) and
 * swapped atomically; the data plane only reads them.
 */
package io.portredirect.balancer.table;
