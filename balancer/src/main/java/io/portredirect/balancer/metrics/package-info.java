/** Counters of the data plane and their Prometheus text rendering. */
package io.portredirect.balancer.metrics;
