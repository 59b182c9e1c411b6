package io.portredirect.protocol.config;

import java.util.HexFormat;

/** MAC addresses as configs write them: {@code 02:00:5e:00:53:01} (or with '-'). */
public final class MacAddress {
    private MacAddress() {
    }

    /** The 6 bytes of {@code text}, or null when it is not a MAC address. */
    public static byte[] parseOrNull(String text) {
        String t = text.trim();
        if (!t.matches("(?i)[0-9a-f]{2}([:-][0-9a-f]{2}){5}")) {
            return null;
        }
        return HexFormat.of().parseHex(t.replaceAll("[:-]", ""));
    }
}
