/**
 * Metrics shared by the balancer and the two agents: one Prometheus client registry
 * ({@link io.portredirect.protocol.metrics.MetricRegistry}), its text exposition and the
 * {@code /metrics} + {@code /healthz} HTTP endpoint.
 */
package io.portredirect.protocol.metrics;
