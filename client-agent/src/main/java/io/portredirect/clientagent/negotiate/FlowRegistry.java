package io.portredirect.clientagent.negotiate;

import io.portredirect.protocol.config.TransportProtocol;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's established upstream flows, so a captured mid-connection redirect can be matched to
 * the VIP:redirect-port it was opened for and checked against the flow's {@link ReceiveWindow}.
 * Keyed by (local port, VIP, service port). Thread-safe.
 *
 * <p>A flow's SYN-ACK is captured while its connect is still completing, so it may come before the
 * flow is registered: such handshakes wait in a bounded memo ({@link #MEMO_LIMIT}, emptied when
 * full: it also sees SYN-ACKs of connections other programs make to a VIP) until
 * {@link #register} picks them up.
 */
public final class FlowRegistry {
    /** Most handshakes remembered for flows not registered yet. */
    public static final int MEMO_LIMIT = 65536;

    /** The flow's identity as the capture sees it. */
    public record Key(int localPort, InetAddress vip, int servicePort) {
    }

    /** What the flow was opened for, and its receive window (for mid-connection redirects). */
    public record Flow(TransportProtocol protocol, InetAddress vip, int redirectPort, int servicePort, ReceiveWindow window) {
        /** A flow with a new, untracked window. */
        public Flow(TransportProtocol protocol, InetAddress vip, int redirectPort, int servicePort) {
            this(protocol, vip, redirectPort, servicePort, new ReceiveWindow());
        }
    }

    private final Map<Key, Flow> flows = new ConcurrentHashMap<>();
    private final Map<Key, Long> handshakes = new ConcurrentHashMap<>();

    public void register(int localPort, Flow flow) {
        Key k = new Key(localPort, flow.vip(), flow.servicePort());
        flows.put(k, flow);
        Long isn = handshakes.remove(k);
        if (isn != null) {
            flow.window().handshake(isn);
        }
    }

    public void unregister(int localPort, Flow flow) {
        Key k = new Key(localPort, flow.vip(), flow.servicePort());
        flows.remove(k, flow);
        handshakes.remove(k);
    }

    public Flow lookup(int localPort, InetAddress vip, int servicePort) {
        return flows.get(new Key(localPort, vip, servicePort));
    }

    /** A SYN-ACK from VIP:servicePort to localPort was captured: its flow's window starts at {@code isn}. */
    public void handshake(int localPort, InetAddress vip, int servicePort, long isn) {
        Key k = new Key(localPort, vip, servicePort);
        Flow f = flows.get(k);
        if (f != null) {
            f.window().handshake(isn);
            return;
        }
        if (handshakes.size() >= MEMO_LIMIT) {
            handshakes.clear();
        }
        handshakes.put(k, isn);
        // registered meanwhile: hand it over (register may have looked before the put)
        Flow again = flows.get(k);
        if (again != null && handshakes.remove(k) != null) {
            again.window().handshake(isn);
        }
    }

    public int size() {
        return flows.size();
    }

    /** Handshakes waiting for their flow (for tests). */
    int memoSize() {
        return handshakes.size();
    }
}
