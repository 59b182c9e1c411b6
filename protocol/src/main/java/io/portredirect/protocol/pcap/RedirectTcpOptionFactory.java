package io.portredirect.protocol.pcap;

import io.portredirect.protocol.wire.RedirectWire;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IllegalTcpOption;
import org.pcap4j.packet.TcpPacket.TcpOption;
import org.pcap4j.packet.factory.PacketFactory;
import org.pcap4j.packet.namednumber.TcpOptionKind;

/**
 * pcap4j's TCP option factory with the redirect option added: kind 253 with our ExID becomes a
 * {@link TcpRedirectOption} (or an {@link IllegalTcpOption} when malformed, as pcap4j treats its
 * own options); everything else, including other RFC 6994 experiments on kind 253, goes to the
 * factory that was installed before.
 */
final class RedirectTcpOptionFactory implements PacketFactory<TcpOption, TcpOptionKind> {
    private final PacketFactory<TcpOption, TcpOptionKind> delegate;

    RedirectTcpOptionFactory(PacketFactory<TcpOption, TcpOptionKind> delegate) {
        this.delegate = delegate;
    }

    PacketFactory<TcpOption, TcpOptionKind> delegate() {
        return delegate;
    }

    private static boolean isExperiment1(TcpOptionKind kind) {
        // NamedNumber.equals compares names too; the value alone decides
        return kind != null && (kind.value() & 0xFF) == RedirectWire.TCP_OPTION_KIND;
    }

    @Override
    public TcpOption newInstance(byte[] rawData, int offset, int length, TcpOptionKind number) {
        if (isExperiment1(number) && rawData != null && TcpRedirectOption.isOurs(rawData, offset, length)) {
            try {
                return TcpRedirectOption.newInstance(rawData, offset, length);
            } catch (IllegalRawDataException e) {
                return IllegalTcpOption.newInstance(rawData, offset, length);
            }
        }
        return delegate.newInstance(rawData, offset, length, number);
    }

    @Override
    public TcpOption newInstance(byte[] rawData, int offset, int length) {
        return delegate.newInstance(rawData, offset, length);
    }

    @Override
    public Class<? extends TcpOption> getTargetClass(TcpOptionKind number) {
        return isExperiment1(number) ? TcpRedirectOption.class : delegate.getTargetClass(number);
    }

    @Override
    public Class<? extends TcpOption> getTargetClass() {
        return delegate.getTargetClass();
    }
}
