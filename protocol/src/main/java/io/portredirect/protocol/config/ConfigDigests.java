package io.portredirect.protocol.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The short config digest the three programs export ({@code *_config_info{digest=...}}) and
 * {@code check-config} prints: the first 12 hex digits of the SHA-256 of a config's canonical
 * text. Each program renders its own canonical text from its validated config, so comments,
 * whitespace and key order in the file do not change the digest.
 */
public final class ConfigDigests {
    /** Hex digits kept: 48 bits tell configs apart at a glance and fit a label comfortably. */
    public static final int LENGTH = 12;

    private ConfigDigests() {
    }

    /** The first {@link #LENGTH} hex digits of SHA-256 over the UTF-8 of {@code canonical}. */
    public static String digest(String canonical) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
