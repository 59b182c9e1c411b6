package io.portredirect.clientagent.probe;

import io.portredirect.protocol.config.PortRange;

/**
 * The reserved probe source ports, handed out round-robin so a port is reused as late as possible
 * (a straggling answer to an old probe then meets no new one). Not thread-safe: the probe loop owns it.
 */
final class ProbePortPool {
    private final PortRange range;
    private final boolean[] busy;
    private int next;
    private int inUse;

    ProbePortPool(PortRange range) {
        this.range = range;
        this.busy = new boolean[range.size()];
    }

    /** A free port, or -1 when every port has a probe in flight. */
    int acquire() {
        if (inUse == busy.length) {
            return -1;
        }
        for (int i = 0; i < busy.length; i++) {
            int idx = (next + i) % busy.length;
            if (!busy[idx]) {
                busy[idx] = true;
                inUse++;
                next = (idx + 1) % busy.length;
                return range.first() + idx;
            }
        }
        return -1;
    }

    void release(int port) {
        int idx = port - range.first();
        if (idx >= 0 && idx < busy.length && busy[idx]) {
            busy[idx] = false;
            inUse--;
        }
    }

    boolean contains(int port) {
        return range.contains(port);
    }

    int inUse() {
        return inUse;
    }
}
