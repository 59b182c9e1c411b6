package io.portredirect.protocol.pcap;

import io.portredirect.protocol.wire.RedirectWire;
import org.pcap4j.packet.TcpPacket.TcpOption;
import org.pcap4j.packet.factory.PacketFactories;
import org.pcap4j.packet.factory.PacketFactory;
import org.pcap4j.packet.namednumber.TcpOptionKind;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * Teaches pcap4j 1.8.2 the redirect TCP option. Call {@link #install()} once at start-up, before
 * decoding packets on other threads.
 *
 * <p>Why reflection: pcap4j's static factory ({@code StaticTcpOptionFactory}) keeps its kind-to-class
 * table in a private map filled in its constructor and offers no way to add to it, and the
 * {@code PacketFactoryBinder} is picked by {@code ServiceLoader} as the first provider on the class
 * path, so shipping a second provider would work or not depending on jar order. Instead
 * {@code install} registers kind 253 by name ({@link TcpOptionKind#register}) and replaces the
 * binder's TCP option factory with {@link RedirectTcpOptionFactory}, which delegates every other
 * option to the original. It checks the result through pcap4j's public lookup.
 */
public final class Pcap4jRedirect {
    /** Kind 253 under the name IANA gives it. */
    public static final TcpOptionKind TCP_EXPERIMENT_1 =
            new TcpOptionKind((byte) RedirectWire.TCP_OPTION_KIND, "RFC3692-style Experiment 1 (RFC 6994)");

    private static volatile boolean installed;
    private static volatile String failure;

    private Pcap4jRedirect() {
    }

    /**
     * Registers the option with pcap4j (idempotent, thread-safe).
     *
     * @return true when pcap4j now decodes the option as {@link TcpRedirectOption}; false when the
     *         static packet factory is not on the class path or could not be extended ({@link #failure()} says why)
     */
    public static synchronized boolean install() {
        if (installed) {
            return true;
        }
        TcpOptionKind.register(TCP_EXPERIMENT_1);
        PacketFactory<TcpOption, TcpOptionKind> current = PacketFactories.getFactory(TcpOption.class, TcpOptionKind.class);
        if (current instanceof RedirectTcpOptionFactory) {
            installed = true;
            return true;
        }
        try {
            Field binderField = PacketFactories.class.getDeclaredField("FACTORY_BINDER");
            binderField.setAccessible(true);
            Object binder = binderField.get(null);
            if (binder == null) {
                failure = "pcap4j found no packet factory binder (is pcap4j-packetfactory-static on the class path?)";
                return false;
            }
            Field mapField = binder.getClass().getDeclaredField("packetpPieceFactories");
            mapField.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<Class<?>, PacketFactory<?, ?>> pieces = (Map<Class<?>, PacketFactory<?, ?>>) mapField.get(binder);
            pieces.put(TcpOption.class, new RedirectTcpOptionFactory(current));
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = "cannot extend pcap4j's TCP option factory: " + e;
            return false;
        }
        installed = PacketFactories.getFactory(TcpOption.class, TcpOptionKind.class) instanceof RedirectTcpOptionFactory;
        if (!installed) {
            failure = "pcap4j's packet factory binder ignored the redirect option factory";
        }
        return installed;
    }

    /** True once {@link #install()} succeeded. */
    public static boolean isInstalled() {
        return installed;
    }

    /** Why the last {@link #install()} failed, or null. */
    public static String failure() {
        return failure;
    }
}
