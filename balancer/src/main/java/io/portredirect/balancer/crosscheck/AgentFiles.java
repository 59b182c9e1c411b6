package io.portredirect.balancer.crosscheck;

import io.portredirect.protocol.config.ConfigException;
import io.portredirect.protocol.config.ConfigReader;
import io.portredirect.protocol.config.YamlException;
import io.portredirect.protocol.config.YamlNode;
import io.portredirect.protocol.config.YamlReader;

import java.nio.file.Path;

/**
 * Reads an agent file with the loader of its kind, told apart by top-level keys: {@code probe} or
 * {@code listeners} make a client agent config, {@code service-ports} a server agent config
 * (the client agent has service ports only under {@code vips}).
 */
public final class AgentFiles {
    private AgentFiles() {
    }

    /** Loads {@code file}; its problems, or that it is neither kind, as a {@link ConfigException}. */
    public static AgentFile read(Path file) throws ConfigException {
        return parse(ConfigReader.readFile(file), file.toString());
    }

    /** Like {@link #read}, from text; {@code file} is what messages call it. */
    public static AgentFile parse(String text, String file) throws ConfigException {
        YamlNode root;
        try {
            root = YamlReader.read(text);
        } catch (YamlException e) {
            root = null; // the loader below reports it with its line
        }
        boolean client = root != null && root.isMap() && (root.get("probe") != null || root.get("listeners") != null);
        boolean server = root != null && root.isMap() && root.get("service-ports") != null;
        if (client == server && root != null) {
            throw new ConfigException(file, root.line(), "(file)", client
                    ? "has both server agent keys (service-ports) and client agent keys (probe, listeners)"
                    : "is neither a server agent config (service-ports) nor a client agent config (probe, listeners)");
        }
        YamlLines lines = YamlLines.of(text);
        if (client) {
            return new AgentFile.Client(file, io.portredirect.clientagent.config.ConfigLoader.read(text, file).config(), lines);
        }
        // no readable root: the server agent's loader reports the syntax error
        return new AgentFile.Server(file, io.portredirect.serveragent.config.ConfigLoader.parse(Path.of(file), text), lines);
    }
}
