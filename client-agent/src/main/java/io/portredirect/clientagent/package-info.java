/**
 * The client side of port redirection.
 *
 * <p>{@link io.portredirect.clientagent.ClientRuntime} is the live machinery (probe guard, capture,
 * probe loop, cache, resolver) shared by the agent ({@link io.portredirect.clientagent.ClientAgent},
 * a local proxy run by {@code redirect-client-agent run}) and by applications that embed it through
 * {@link io.portredirect.clientagent.api.Redirect}. Packages by capability: {@code config} (YAML with
 * file/line/key errors), {@code negotiate} (the pure probe state machine, cache and resolution
 * policy), {@code probe} (running negotiations over raw packets), {@code host} (reserved ports and
 * the nft drop), {@code relay} (TCP splice, UDP sessions), {@code stats}, {@code api}, {@code cli}.
 */
package io.portredirect.clientagent;
