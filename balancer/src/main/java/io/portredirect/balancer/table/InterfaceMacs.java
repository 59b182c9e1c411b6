package io.portredirect.balancer.table;

import io.portredirect.balancer.config.MacSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/** Ways to resolve {@code auto} MACs of the balancer's own interfaces. */
public final class InterfaceMacs {
    private InterfaceMacs() {
    }

    /** Reads {@code /sys/class/net/IF/address}; null when the interface does not exist here. */
    public static Function<String, byte[]> sysfs() {
        return iface -> {
            try {
                MacSpec m = MacSpec.parse(Files.readString(Path.of("/sys/class/net", iface, "address"), StandardCharsets.US_ASCII).trim());
                return m == null || m.isAuto() ? null : m.bytes();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        };
    }

    /**
     * A stable, locally administered stand-in MAC per interface name (02:xx:xx:xx:xx:xx), for
     * offline work (replay, check-config) on a machine that lacks the interfaces.
     */
    public static Function<String, byte[]> placeholder() {
        return iface -> {
            long h = FlowHash.name(iface, FlowHash.FLOW_SEED);
            return new byte[] {0x02, (byte) (h >>> 32), (byte) (h >>> 24), (byte) (h >>> 16), (byte) (h >>> 8), (byte) h};
        };
    }

    /** Whether {@code mac} is the {@link #placeholder()} of {@code iface} (so not a MAC any frame was sent to). */
    public static boolean isPlaceholder(String iface, byte[] mac) {
        return Arrays.equals(placeholder().apply(iface), mac);
    }

    /** {@link #sysfs()} where the interface exists, else {@link #placeholder()}. */
    public static Function<String, byte[]> sysfsOrPlaceholder() {
        Function<String, byte[]> s = sysfs();
        Function<String, byte[]> p = placeholder();
        return iface -> {
            byte[] m = s.apply(iface);
            return m != null ? m : p.apply(iface);
        };
    }
}
