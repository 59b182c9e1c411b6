package io.portredirect.serveragent.select;

import java.io.IOException;
import java.util.Collection;

/** Reads kernel socket state for a set of local TCP ports. */
@FunctionalInterface
public interface SocketLoadReader {
    SocketLoad read(Collection<Integer> ports) throws IOException;
}
