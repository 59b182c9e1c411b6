/**
 * {@code check-config FILE --agent AGENT.yaml ...}: compares a balancer config with the server and
 * client agent configs that must agree with it (issue 13: a mismatch silently misroutes).
 * {@link io.portredirect.balancer.crosscheck.ConfigCrossCheck} is the comparison, free of files;
 * {@link io.portredirect.balancer.crosscheck.AgentFiles} reads an agent file with its own loader.
 */
package io.portredirect.balancer.crosscheck;
