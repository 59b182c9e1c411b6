package io.portredirect.tools.e2e.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A server agent configuration (server-agent/README.md keys), immutable; {@link #forServer} gives the
 * lab's: interface eth0, VIP (s1, s2: l2, VIP on lo) or the server's own address (s3: l3), redirect
 * port 80, service port 800N, TCP only, round robin, stats logged every second.
 */
public final class ServerAgentYaml {
    private final String iface;
    private final List<String> vips;
    private final List<Integer> redirectPorts;
    private final List<Integer> servicePorts;
    private final List<Integer> udpServicePorts;
    private final String policy;
    private final List<String> protocols;
    private final int statsSeconds;
    private final String nftTable;
    private final String extra;

    private ServerAgentYaml(Builder b) {
        iface = b.iface;
        vips = List.copyOf(b.vips);
        redirectPorts = List.copyOf(b.redirectPorts);
        servicePorts = List.copyOf(b.servicePorts);
        udpServicePorts = List.copyOf(b.udpServicePorts);
        policy = b.policy;
        protocols = List.copyOf(b.protocols);
        statsSeconds = b.statsSeconds;
        nftTable = b.nftTable;
        extra = b.extra;
    }

    /** The lab default for server {@code n} (1..3). */
    public static ServerAgentYaml forServer(int n) {
        return builderFor(n).build();
    }

    /** A builder preset with the lab default for server {@code n} (1..3). */
    public static Builder builderFor(int n) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("lab servers are s1..s3: " + n);
        }
        return new Builder().vips(List.of(n == 3 ? E2eLab.serverAddress(3) : E2eLab.VIP4))
                .servicePorts(List.of(8000 + n));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().iface(iface).vips(vips).redirectPorts(redirectPorts).servicePorts(servicePorts).udpServicePorts(udpServicePorts).policy(policy)
                .protocols(protocols).statsSeconds(statsSeconds).nftTable(nftTable).extra(extra);
    }

    public List<Integer> servicePorts() {
        return servicePorts;
    }

    public String yaml() {
        StringBuilder sb = new StringBuilder("# written by the e2e lab fixture\n");
        sb.append("interface: ").append(iface).append('\n');
        sb.append("vips: [").append(String.join(", ", vips)).append("]\n");
        sb.append("redirect-ports: ").append(redirectPorts).append('\n');
        List<String> service = new ArrayList<>();
        servicePorts.forEach(p -> service.add(p + (udpServicePorts.isEmpty() ? "" : "/tcp")));
        udpServicePorts.forEach(p -> service.add(p + "/udp"));
        sb.append("service-ports: [").append(String.join(", ", service)).append("]\n");
        sb.append("policy: ").append(policy).append('\n');
        sb.append("protocols: [").append(String.join(", ", protocols)).append("]\n");
        sb.append("stats-interval: ").append(statsSeconds).append("s\n");
        if (nftTable != null) {
            sb.append("nft-table: ").append(nftTable).append('\n');
        }
        if (extra != null && !extra.isBlank()) {
            sb.append(extra.endsWith("\n") ? extra : extra + "\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return yaml();
    }

    /** Builder; defaults: eth0, redirect port 80, round-robin, tcp, stats every 1 s. */
    public static final class Builder {
        private String iface = "eth0";
        private List<String> vips = new ArrayList<>(List.of(E2eLab.VIP4));
        private List<Integer> redirectPorts = new ArrayList<>(List.of(80));
        private List<Integer> servicePorts = new ArrayList<>();
        private List<Integer> udpServicePorts = new ArrayList<>();
        private String policy = "round-robin";
        private List<String> protocols = new ArrayList<>(List.of("tcp"));
        private int statsSeconds = 1;
        private String nftTable;
        private String extra;

        public Builder iface(String v) {
            iface = v;
            return this;
        }

        public Builder vips(List<String> v) {
            vips = new ArrayList<>(v);
            return this;
        }

        public Builder redirectPorts(List<Integer> v) {
            redirectPorts = new ArrayList<>(v);
            return this;
        }

        public Builder servicePorts(List<Integer> v) {
            servicePorts = new ArrayList<>(v);
            return this;
        }

        /** Service ports that serve UDP only ({@code N/udp}); given, the {@link #servicePorts} serve TCP only. */
        public Builder udpServicePorts(List<Integer> v) {
            udpServicePorts = new ArrayList<>(v);
            return this;
        }

        /** round-robin | least-connections | queue-aware */
        public Builder policy(String v) {
            policy = v;
            return this;
        }

        public Builder protocols(List<String> v) {
            protocols = new ArrayList<>(v);
            return this;
        }

        /** 0 turns the periodic stats line off (then {@link ServerAgentProcess#stats()} sees only the exit line). */
        public Builder statsSeconds(int v) {
            statsSeconds = v;
            return this;
        }

        public Builder nftTable(String v) {
            nftTable = v;
            return this;
        }

        /** Raw YAML lines appended verbatim (keys this builder does not model). */
        public Builder extra(String v) {
            extra = v;
            return this;
        }

        public ServerAgentYaml build() {
            if (servicePorts.isEmpty()) {
                throw new IllegalStateException("a server agent needs service ports");
            }
            return new ServerAgentYaml(this);
        }
    }
}
