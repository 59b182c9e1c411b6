/** What the agent changes on the host while it runs (reserved probe ports, an nft drop), and undoes at exit. */
package io.portredirect.clientagent.host;
