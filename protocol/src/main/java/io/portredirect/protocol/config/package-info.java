/**
 * Configuration-file plumbing shared by the balancer and the agents: a YAML tree that keeps the
 * line of every key and value, so each module's loader can name FILE:LINE: KEY in its errors.
 */
package io.portredirect.protocol.config;
