/**
 * The data plane's decision (DESIGN.md section 2, rules 1-7) on raw frames:
 * {@link io.portredirect.balancer.decide.PacketProcessor}, allocation-free and stateless per flow.
 */
package io.portredirect.balancer.decide;
