package io.portredirect.balancer.lab;

import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.balancer.table.InterfaceMacs;

import java.nio.file.Path;

/**
 * The balancer's own decision code run offline on the lab config: which server a frame must reach.
 * Placement depends on the config alone (DESIGN.md section 2), so this is what the live balancer
 * has to do.
 */
final class Predictor {
    private final ForwardingTables tables;
    private final PacketProcessor processor;

    Predictor(Path config) throws Exception {
        tables = ForwardingTables.build(ConfigLoader.load(config), InterfaceMacs.placeholder(), (iface, ip) -> null);
        processor = new PacketProcessor(() -> tables, new BalancerCounters());
    }

    /** Server name, or "DROP:REASON". */
    String serverFor(byte[] frame) {
        byte[] copy = frame.clone();
        int r = processor.fromNetwork(copy, 0, copy.length);
        return r >= 0 ? tables.serverName(r) : "DROP:" + DropReason.values()[processor.lastDropReason()];
    }

    int weight(String server) {
        return tables.config().servers().get(tables.serverIndex(server)).weight();
    }
}
