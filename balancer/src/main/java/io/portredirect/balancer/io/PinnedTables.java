package io.portredirect.balancer.io;

import io.portredirect.balancer.table.ForwardingTables;

import java.util.function.Supplier;

/**
 * The tables a reader thread pinned for the packet in hand. The processor asks its supplier once
 * per packet; handing it this instead of the live reference keeps its verdict (a server index)
 * and the reader's port array from two different generations during a reload.
 */
final class PinnedTables implements Supplier<ForwardingTables> {
    ForwardingTables tables;

    @Override
    public ForwardingTables get() {
        return tables;
    }
}
