package io.portredirect.tools.e2e.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A client agent configuration (client-agent config keys, kebab-case), immutable. {@link #forLab}
 * gives the lab's: probe on eth0 from 61000-61099, VIP 198.18.0.10 with service ports 8000-8999,
 * one listener 127.0.0.1:PORT -> VIP:80.
 */
public final class ClientAgentYaml {
    /** A listener line: {@code listen} (host:port) to {@code target} (VIP:port). */
    public record Listener(String listen, String target, String protocol) {
    }

    /** A VIP with the service-port ranges a REDIRECT_OPT may name. */
    public record Vip(String address, List<String> servicePorts) {
    }

    private final String iface;
    private final String sourcePorts;
    private final String timeout;
    private final int retries;
    private final String cacheTtl;
    private final String fallback;
    private final int maxChain;
    private final List<Vip> vips;
    private final List<Listener> listeners;
    private final List<String> intercepts;
    private final int interceptSpread;

    private ClientAgentYaml(Builder b) {
        iface = b.iface;
        sourcePorts = b.sourcePorts;
        timeout = b.timeout;
        retries = b.retries;
        cacheTtl = b.cacheTtl;
        fallback = b.fallback;
        maxChain = b.maxChain;
        vips = List.copyOf(b.vips);
        listeners = List.copyOf(b.listeners);
        intercepts = List.copyOf(b.intercepts);
        interceptSpread = b.interceptSpread;
    }

    /** The lab default with one listener on 127.0.0.1:{@code listenPort} to VIP:80. */
    public static ClientAgentYaml forLab(int listenPort) {
        return builderForLab(listenPort).build();
    }

    /** A builder preset as {@link #forLab}. */
    public static Builder builderForLab(int listenPort) {
        return new Builder().vip(E2eLab.VIP4, "8000-8999").listener("127.0.0.1:" + listenPort, E2eLab.VIP4 + ":80");
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Listener> listeners() {
        return listeners;
    }

    public String yaml() {
        StringBuilder sb = new StringBuilder("# written by the e2e lab fixture\n");
        sb.append("probe:\n");
        sb.append("  interface: ").append(iface).append('\n');
        sb.append("  source-ports: ").append(sourcePorts).append('\n');
        sb.append("  timeout: ").append(timeout).append('\n');
        sb.append("  retries: ").append(retries).append('\n');
        sb.append("cache:\n  ttl: ").append(cacheTtl).append('\n');
        sb.append("fallback: ").append(fallback).append('\n');
        sb.append("max-chain: ").append(maxChain).append('\n');
        sb.append("vips:\n");
        for (Vip v : vips) {
            sb.append("  - address: ").append(v.address()).append('\n');
            sb.append("    service-ports: [").append(String.join(", ", v.servicePorts())).append("]\n");
        }
        if (!intercepts.isEmpty()) {
            sb.append("intercept: [").append(String.join(", ", intercepts.stream().map(i -> "\"" + i + "\"").toList())).append("]\n");
            sb.append("intercept-spread: ").append(interceptSpread).append('\n');
        }
        if (!listeners.isEmpty() || intercepts.isEmpty()) {
            sb.append("listeners:\n");
        }
        for (Listener l : listeners) {
            sb.append("  - {listen: \"").append(l.listen()).append("\", target: \"").append(l.target()).append("\", protocol: ")
                    .append(l.protocol()).append("}\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return yaml();
    }

    /** Builder; defaults: eth0, probe ports 61000-61099, timeout 250ms x 2 retries, cache 60s, fallback plain, max-chain 3. */
    public static final class Builder {
        private String iface = "eth0";
        private String sourcePorts = "61000-61099";
        private String timeout = "250ms";
        private int retries = 2;
        private String cacheTtl = "60s";
        private String fallback = "plain";
        private int maxChain = 3;
        private final List<Vip> vips = new ArrayList<>();
        private final List<Listener> listeners = new ArrayList<>();
        private final List<String> intercepts = new ArrayList<>();
        private int interceptSpread = 4;

        /** Intercepts VIP:PORT transparently (no listener needed). */
        public Builder intercept(String vipPort) {
            intercepts.add(vipPort);
            return this;
        }

        public Builder interceptSpread(int v) {
            interceptSpread = v;
            return this;
        }

        public Builder probeInterface(String v) {
            iface = v;
            return this;
        }

        /** e.g. "61000-61099"; must not overlap the service ports. */
        public Builder sourcePorts(String v) {
            sourcePorts = v;
            return this;
        }

        /** e.g. "250ms". */
        public Builder timeout(String v) {
            timeout = v;
            return this;
        }

        public Builder retries(int v) {
            retries = v;
            return this;
        }

        /** e.g. "60s"; "0s" probes for every connection. */
        public Builder cacheTtl(String v) {
            cacheTtl = v;
            return this;
        }

        /** plain | fail */
        public Builder fallback(String v) {
            fallback = v;
            return this;
        }

        public Builder maxChain(int v) {
            maxChain = v;
            return this;
        }

        /** Adds a VIP with its allowed service-port ranges ("8000-8999", "9000"). */
        public Builder vip(String address, String... servicePortRanges) {
            vips.add(new Vip(address, List.of(servicePortRanges)));
            return this;
        }

        public Builder clearVips() {
            vips.clear();
            return this;
        }

        /** Adds a TCP listener. */
        public Builder listener(String listen, String target) {
            return listener(listen, target, "tcp");
        }

        public Builder listener(String listen, String target, String protocol) {
            listeners.add(new Listener(listen, target, protocol));
            return this;
        }

        public Builder clearListeners() {
            listeners.clear();
            return this;
        }

        public ClientAgentYaml build() {
            return new ClientAgentYaml(this);
        }
    }
}
