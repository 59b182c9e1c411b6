package io.portredirect.balancer.config;

import io.portredirect.protocol.config.MacAddress;
import io.portredirect.protocol.packet.Bytes;

import java.util.Arrays;

/** A MAC address as configured: a literal, or {@code auto} (resolved when the tables are built). */
public final class MacSpec {
    private static final MacSpec AUTO = new MacSpec(null);

    private final byte[] bytes;

    private MacSpec(byte[] bytes) {
        this.bytes = bytes;
    }

    public static MacSpec auto() {
        return AUTO;
    }

    /** A literal MAC (6 bytes, copied). */
    public static MacSpec of(byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address is 6 bytes");
        }
        return new MacSpec(mac.clone());
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (or with '-') or {@code auto}; returns null when neither.
     */
    public static MacSpec parse(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        if (t.equalsIgnoreCase("auto")) {
            return AUTO;
        }
        byte[] mac = MacAddress.parseOrNull(t);
        return mac == null ? null : new MacSpec(mac);
    }

    public boolean isAuto() {
        return bytes == null;
    }

    /** A copy of the literal MAC, or null when auto. */
    public byte[] bytes() {
        return bytes == null ? null : bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacSpec m && Arrays.equals(m.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes == null ? "auto" : Bytes.mac(bytes, 0);
    }
}
