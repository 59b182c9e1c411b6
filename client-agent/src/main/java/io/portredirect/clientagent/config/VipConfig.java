package io.portredirect.clientagent.config;

import io.portredirect.protocol.config.PortRange;

import java.net.InetAddress;
import java.util.List;

/** A VIP and the service ports a redirect from it may name; anything else is ignored and counted. */
public record VipConfig(InetAddress address, List<PortRange> servicePorts) {
    public VipConfig {
        servicePorts = List.copyOf(servicePorts);
    }

    /** True when {@code port} may be a REDIRECT_OPT from this VIP. */
    public boolean allows(int port) {
        for (PortRange r : servicePorts) {
            if (r.contains(port)) {
                return true;
            }
        }
        return false;
    }
}
