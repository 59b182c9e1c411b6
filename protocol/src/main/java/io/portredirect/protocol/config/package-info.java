/**
 * Configuration-file plumbing shared by the balancer and the agents: a YAML tree that keeps the
 * line of every key and value ({@link io.portredirect.protocol.config.YamlReader}), and the typed
 * reader all three loaders use ({@link io.portredirect.protocol.config.ConfigReader}), so every
 * program reports problems the same way: {@code FILE:LINE: KEY: what is wrong}.
 */
package io.portredirect.protocol.config;
