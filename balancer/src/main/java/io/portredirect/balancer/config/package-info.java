/**
 * The balancer's configuration: YAML read through Jackson into a line-keeping tree, validated
 * against the schema of {@code testdata/balancer/sample.yaml} (every error names file, line and
 * key), and handed on as an immutable {@link io.portredirect.balancer.config.BalancerConfig}.
 */
package io.portredirect.balancer.config;
