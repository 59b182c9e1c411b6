package io.portredirect.protocol.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Start-up checks that turn "nothing happens" into one clear sentence: raw capture needs root and
 * libpcap; owning ports and dropping kernel answers needs nft.
 */
public final class HostSupport {
    private HostSupport() {
    }

    /** Null when this host can run an agent (root, libpcap, nft), else the first reason it cannot. */
    public static String whyNot() {
        String why = whyNotCapture();
        return why != null ? why : whyNotNft();
    }

    /** Null when raw capture can run here (root, libpcap). */
    public static String whyNotCapture() {
        if (!isRoot()) {
            return "raw capture needs root (CAP_NET_RAW, CAP_NET_ADMIN); running as " + System.getProperty("user.name");
        }
        return PcapLibrary.whyNot();
    }

    /** Null when nft is installed. */
    public static String whyNotNft() {
        return executable("nft") ? null : "nft (package nftables) is not installed";
    }

    public static boolean isRoot() {
        try {
            return NetNamespace.libc().geteuid() == 0;
        } catch (Throwable e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** True when {@code tool} is an executable on PATH or in /usr/sbin, /sbin. */
    public static boolean executable(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
