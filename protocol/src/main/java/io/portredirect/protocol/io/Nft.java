package io.portredirect.protocol.io;

import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One named nftables table of family {@code inet}, owned by this process: {@link #install} loads it
 * atomically with {@code nft -f -} (replacing a table of the same name left by a crashed run),
 * {@link #close} deletes it, and a shutdown hook deletes it on a normal exit or SIGTERM/SIGINT. A
 * SIGKILL leaves it behind; the next install replaces it.
 */
public final class Nft implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

    private final String table;
    private final Thread hook;
    private boolean closed;

    private Nft(String table) {
        this.table = table;
        this.hook = new Thread(this::deleteQuietly, "nft-cleanup-" + table);
    }

    /**
     * Installs table {@code inet <table>} with {@code body} (chains, sets; the text between the
     * table's braces), replacing any table of that name in one transaction.
     *
     * @throws IOException with nft's error message when the rules do not load
     */
    public static Nft install(String table, String body) throws IOException {
        checkName(table);
        String script = "table inet " + table + " {}\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n" + body + "\n}\n";
        HostCommand.run(List.of("nft", "-f", "-"), script);
        Nft nft = new Nft(table);
        Runtime.getRuntime().addShutdownHook(nft.hook);
        return nft;
    }

    /**
     * One transaction that renews {@code element} of timeout set {@code set} in {@code inet <table>}:
     * add, delete, add. On nft 1.0.6 / kernel 6.18 a plain add of an existing element keeps its old
     * expiry; the first add makes the delete safe when the element has expired already, the last one
     * starts a fresh timeout. For leases: rules that match only while the element is there. The
     * agents send this transaction over netlink ({@link NftNetlink#renew}); the text is for tests
     * and by-hand checks.
     */
    public static String renewalScript(String table, String set, String element) {
        checkName(table);
        String el = " element inet " + table + " " + set + " { " + element + " }\n";
        return "add" + el + "delete" + el + "add" + el;
    }

    /** True when {@code inet <table>} exists in this (thread's) network namespace. */
    public static boolean exists(String table) throws IOException {
        checkName(table);
        for (String line : HostCommand.run(List.of("nft", "list", "tables")).split("\n")) {
            if (line.trim().equals("table inet " + table)) {
                return true;
            }
        }
        return false;
    }

    /** The table as {@code nft list table inet <table>} prints it (with counters). */
    public String list() throws IOException {
        return HostCommand.run(List.of("nft", "list", "table", "inet", table));
    }

    public String table() {
        return table;
    }

    private static void checkName(String table) {
        if (!NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("nft table name must match " + NAME + ": " + table);
        }
    }

    private synchronized void deleteQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            HostCommand.run(List.of("nft", "delete", "table", "inet", table));
        } catch (IOException e) {
            // already gone
        }
    }

    /** Deletes the table. Idempotent. */
    @Override
    public void close() {
        deleteQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutdown in progress: the hook is running or has run
        }
    }
}
