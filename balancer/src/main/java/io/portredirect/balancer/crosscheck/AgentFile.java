package io.portredirect.balancer.crosscheck;

import io.portredirect.clientagent.config.AgentConfig;
import io.portredirect.serveragent.config.ServerAgentConfig;

/** An agent's validated config, the name of its file as the operator gave it, and its lines. */
public sealed interface AgentFile {
    /** The file as named on the command line (what findings print). */
    String file();

    /** Line of a key path in the file, 0 when unknown. */
    YamlLines lines();

    /** A {@code redirect-server-agent} config. */
    record Server(String file, ServerAgentConfig config, YamlLines lines) implements AgentFile {
    }

    /** A {@code redirect-client-agent} config. */
    record Client(String file, AgentConfig config, YamlLines lines) implements AgentFile {
    }
}
