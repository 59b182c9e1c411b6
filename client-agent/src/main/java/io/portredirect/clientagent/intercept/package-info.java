/**
 * Transparent interception: unmodified applications connect to VIP:port and the kernel (nft, output
 * hook) sends each new connection to a negotiated service port, or, on a miss, to the agent's
 * loopback listener, which negotiates and relays. {@link io.portredirect.clientagent.intercept.InterceptRuleset}
 * renders the table, {@link io.portredirect.clientagent.intercept.SpreadSlots} decides which slots to
 * probe, {@link io.portredirect.clientagent.intercept.Interceptor} runs both.
 */
package io.portredirect.clientagent.intercept;
