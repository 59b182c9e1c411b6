/** {@code redirect-client-agent} (picocli): {@code run} and {@code check}. */
package io.portredirect.clientagent.cli;
