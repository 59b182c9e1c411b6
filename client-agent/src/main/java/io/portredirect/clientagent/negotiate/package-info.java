/**
 * Negotiation without I/O: {@link io.portredirect.clientagent.negotiate.Negotiator} judges the
 * answers to one probe, {@link io.portredirect.clientagent.negotiate.Resolver} turns probe outcomes,
 * the {@link io.portredirect.clientagent.negotiate.RedirectCache} and the fallback policy into the
 * port a connection uses, and {@link io.portredirect.clientagent.negotiate.MidFlowWatcher} applies
 * mid-connection redirects. Unit tests drive exactly the code the agent runs.
 */
package io.portredirect.clientagent.negotiate;
