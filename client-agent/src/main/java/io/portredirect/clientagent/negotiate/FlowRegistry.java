package io.portredirect.clientagent.negotiate;

import io.portredirect.clientagent.config.ListenerProtocol;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's established upstream flows, so a captured mid-connection redirect can be matched to
 * the VIP:redirect-port it was opened for. Keyed by (local port, VIP, service port). Thread-safe.
 */
public final class FlowRegistry {
    /** The flow's identity as the capture sees it. */
    public record Key(int localPort, InetAddress vip, int servicePort) {
    }

    /** What the flow was opened for. */
    public record Flow(ListenerProtocol protocol, InetAddress vip, int redirectPort, int servicePort) {
    }

    private final Map<Key, Flow> flows = new ConcurrentHashMap<>();

    public void register(int localPort, Flow flow) {
        flows.put(new Key(localPort, flow.vip(), flow.servicePort()), flow);
    }

    public void unregister(int localPort, Flow flow) {
        flows.remove(new Key(localPort, flow.vip(), flow.servicePort()), flow);
    }

    public Flow lookup(int localPort, InetAddress vip, int servicePort) {
        return flows.get(new Key(localPort, vip, servicePort));
    }

    public int size() {
        return flows.size();
    }
}
