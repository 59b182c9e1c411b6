/**
 * For applications that embed the client side: {@link io.portredirect.clientagent.api.Redirect}
 * returns ordinary connected sockets on the negotiated service port, and
 * {@link io.portredirect.clientagent.api.RedirectingSocketFactory} plugs that into libraries.
 */
package io.portredirect.clientagent.api;
