package io.portredirect.balancer.metrics;

import java.util.concurrent.atomic.LongAdder;

/** Packets and bytes to one server and back from it; keyed by server name, so they survive reloads. */
public final class ServerCounters {
    private final String name;
    final LongAdder packets = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder returnPackets = new LongAdder();
    final LongAdder returnBytes = new LongAdder();

    ServerCounters(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** A frame of {@code length} bytes forwarded to the server. */
    public void toServer(int length) {
        packets.increment();
        bytes.add(length);
    }

    /** A frame of {@code length} bytes from the server sent to the network. */
    public void fromServer(int length) {
        returnPackets.increment();
        returnBytes.add(length);
    }

    public long packets() {
        return packets.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    public long returnPackets() {
        return returnPackets.sum();
    }

    public long returnBytes() {
        return returnBytes.sum();
    }
}
