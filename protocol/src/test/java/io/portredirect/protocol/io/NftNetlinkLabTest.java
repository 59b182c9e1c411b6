package io.portredirect.protocol.io;

import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabTest;
import io.portredirect.protocol.lab.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NftNetlink against the kernel in a namespace (prefix "prnl"): tables loaded with {@code nft -f},
 * elements changed over netlink, read back with {@code nft list}, and compared with what the same
 * change written as nft text leaves in a twin set.
 */
@LabTest
class NftNetlinkLabTest {
    private static final String TABLE = "prnl_t";
    private static final String BODY = """
            set alive { type inet_proto; flags timeout; timeout 10s; }
            set alive_text { type inet_proto; flags timeout; timeout 10s; }
            map neg4 { typeof ip daddr . tcp dport . numgen random mod 4 : ip daddr . tcp dport; flags timeout; }
            map neg4_text { typeof ip daddr . tcp dport . numgen random mod 4 : ip daddr . tcp dport; flags timeout; }
            map neg6 { typeof ip6 daddr . udp dport . numgen random mod 4 : ip6 daddr . udp dport; flags timeout; }
            map neg6_text { typeof ip6 daddr . udp dport . numgen random mod 4 : ip6 daddr . udp dport; flags timeout; }
            """;
    private static final Pattern EXPIRES = Pattern.compile(" expires ((?:\\d+d)?(?:\\d+h)?(?:\\d+m(?!s))?(?:\\d+s)?(?:\\d+ms)?)");
    private static final Pattern PART = Pattern.compile("(\\d+)(d|h|ms|m|s)");

    @RegisterExtension
    static final LabExtension<Netns> LAB = LabExtension.of(() -> new Netns("prnl"));
    private static Netns lab;
    private static String ns;
    private static Nft table;
    private static NftNetlink nl;

    @BeforeAll
    static void setUp(Netns fixture) throws IOException {
        lab = fixture;
        ns = lab.create("a");
        table = NetNamespace.call(ns, () -> Nft.install(TABLE, BODY));
        nl = NetNamespace.call(ns, NftNetlink::open);
    }

    @AfterAll
    static void tearDown() {
        if (nl != null) {
            nl.close();
        }
        if (table != null) {
            table.close();
        }
    }

    @BeforeEach
    void empty() {
        lab.exec(ns, "nft", "flush", "set", "inet", TABLE, "alive");
        lab.exec(ns, "nft", "flush", "set", "inet", TABLE, "alive_text");
        for (String m : List.of("neg4", "neg4_text", "neg6", "neg6_text")) {
            lab.exec(ns, "nft", "flush", "map", "inet", TABLE, m);
        }
    }

    @Test
    void renewalRestartsTheSetsTimeoutLikeTheNftScript() throws Exception {
        nl.renew(TABLE, "alive", NftNetlink.INET_PROTO_TCP);
        nft(Nft.renewalScript(TABLE, "alive_text", "tcp"));
        assertEquals(List.of("tcp"), elements("alive"));
        assertEquals(elements("alive_text"), elements("alive"), "same element as the nft text renewal");
        long first = expires("alive").get(0);
        // the set's default timeout (10 s, long enough that a loaded machine's slow nft list does not matter)
        assertTrue(first > 8000 && first <= 10_000, "a fresh element expires after the set's timeout: " + first);
        Thread.sleep(1500);
        long aged = expires("alive").get(0);
        assertTrue(aged < first - 1000, "the element ages: " + aged);
        nl.renew(TABLE, "alive", NftNetlink.INET_PROTO_TCP);
        long renewed = expires("alive").get(0);
        assertTrue(renewed > aged + 700, "a renewal starts the timeout again (a plain add would keep " + aged + " ms): " + renewed);
    }

    @Test
    void mapElementsWithTimeoutsAndDataMatchTheNftTextVersion() throws Exception {
        InetAddress v4 = InetAddress.getByName("198.18.0.10");
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        nl.begin().flush(TABLE, "neg4").flush(TABLE, "neg6")
                .add(TABLE, "neg4")
                .element(key(v4, 8080, 3), 30_000, value(v4, 40001))
                .element(key(v4, 8080, 0), 1_500, value(v4, 8080))
                .add(TABLE, "neg6")
                .element(key(v6, 53, 2), 20_000, value(v6, 40053));
        nl.commit();
        nft("flush map inet " + TABLE + " neg4_text\nflush map inet " + TABLE + " neg6_text\n"
                + "add element inet " + TABLE + " neg4_text { 198.18.0.10 . 8080 . 3 timeout 30000ms : 198.18.0.10 . 40001, "
                + "198.18.0.10 . 8080 . 0 timeout 1500ms : 198.18.0.10 . 8080 }\n"
                + "add element inet " + TABLE + " neg6_text { 2001:db8::1 . 53 . 2 timeout 20000ms : 2001:db8::1 . 40053 }\n");
        assertEquals(List.of("198.18.0.10 . 8080 . 0 timeout 1s500ms : 198.18.0.10 . 8080",
                "198.18.0.10 . 8080 . 3 timeout 30s : 198.18.0.10 . 40001"), elements("neg4"));
        assertEquals(List.of("2001:db8::1 . 53 . 2 timeout 20s : 2001:db8::1 . 40053"), elements("neg6"));
        assertEquals(elements("neg4_text"), elements("neg4"));
        assertEquals(elements("neg6_text"), elements("neg6"));
        for (long e : expires("neg4")) {
            assertTrue(e > 1000 && e <= 30_000, "expires within its own timeout: " + e);
        }
        // the 1.5 s element goes by itself, the 30 s one stays
        Thread.sleep(1700);
        assertEquals(List.of("198.18.0.10 . 8080 . 3 timeout 30s : 198.18.0.10 . 40001"), elements("neg4"));
    }

    @Test
    void flushAndDeleteRemoveElements() throws Exception {
        InetAddress v4 = InetAddress.getByName("198.18.0.20");
        nl.begin().add(TABLE, "neg4").element(key(v4, 80, 0), 10_000, value(v4, 81)).element(key(v4, 80, 1), 10_000, value(v4, 82));
        nl.commit();
        assertEquals(2, elements("neg4").size());
        nl.begin().delete(TABLE, "neg4").element(key(v4, 80, 0), 0, null);
        nl.commit();
        assertEquals(List.of("198.18.0.20 . 80 . 1 timeout 10s : 198.18.0.20 . 82"), elements("neg4"));
        nl.begin().flush(TABLE, "neg4");
        nl.commit();
        assertEquals(List.of(), elements("neg4"));
        nl.begin().flush(TABLE, "neg4");
        nl.commit();
        assertEquals(List.of(), elements("neg4"), "flushing an empty map is no error");
    }

    @Test
    void aFailedTransactionRaisesAndChangesNothing() throws Exception {
        InetAddress v4 = InetAddress.getByName("198.18.0.30");
        nl.begin().add(TABLE, "neg4").element(key(v4, 443, 1), 10_000, value(v4, 444));
        nl.commit();
        List<String> before = elements("neg4");
        IOException e = assertThrows(IOException.class, () -> {
            nl.begin().flush(TABLE, "neg4")
                    .add(TABLE, "neg4").element(key(v4, 443, 2), 10_000, value(v4, 445))
                    .add(TABLE, "no_such_set").element(key(v4, 443, 3), 10_000, value(v4, 446));
            nl.commit();
        });
        assertEquals("add element inet prnl_t no_such_set: No such file or directory (errno 2)", e.getMessage());
        assertEquals(before, elements("neg4"), "the flush and add before the failure were not applied");
        // a key of the wrong length for the map: the kernel refuses it too
        IOException bad = assertThrows(IOException.class, () -> {
            nl.begin().add(TABLE, "neg4").element(new byte[] {1, 2, 3}, 10_000, value(v4, 1));
            nl.commit();
        });
        assertTrue(bad.getMessage().startsWith("add element inet prnl_t neg4: "), bad.getMessage());
        // the socket still works after errors: no stale answer is taken for the next batch's
        nl.renew(TABLE, "alive", NftNetlink.INET_PROTO_TCP);
        assertEquals(List.of("tcp"), elements("alive"));
        assertEquals(before, elements("neg4"));
    }

    /**
     * What the switch from forking nft saves: the same renewal N times each way
     * ({@code -Dprnl.renewals=1000} for the figures in the README), on a thread in the namespace.
     * CPU is the JVM's (every thread, from getProcessCpuTime, so JIT and GC too) plus the children
     * it waited for (cutime + cstime of /proc/self/stat, 10 ms ticks): forked nft processes count
     * too; and, finer, the renewing thread's own CPU (user + system) plus those children.
     */
    @Test
    void aNetlinkRenewalCostsAFractionOfAForkedOne() throws Exception {
        int n = Integer.getInteger("prnl.renewals", 100);
        String script = Nft.renewalScript(TABLE, "alive_text", "tcp");
        long[] fork = NetNamespace.call(ns, () -> cost(n, () -> HostCommand.run(List.of("nft", "-f", "-"), script)));
        long[] netlink = NetNamespace.call(ns, () -> cost(n, () -> nl.renew(TABLE, "alive", NftNetlink.INET_PROTO_TCP)));
        System.out.printf("%d renewals: fork nft: wall %d ms, cpu %d ms (renewing thread + nft: %.3f ms each); "
                        + "netlink: wall %d ms, cpu %d ms (renewing thread: %.3f ms each)%n",
                n, fork[0], fork[1], fork[2] / 1e6 / n, netlink[0], netlink[1], netlink[2] / 1e6 / n);
        assertTrue(netlink[1] * 5 < fork[1] + 10, "netlink " + netlink[1] + " ms of CPU against " + fork[1] + " ms forking");
        assertEquals(List.of("tcp"), elements("alive"));
    }

    /** Wall ms, process + children CPU ms, and renewing thread + children CPU ns of {@code n} renewals. */
    private static long[] cost(int n, GuardLease.Renewal r) throws Exception {
        r.renew();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long children0 = childrenCpuNanos();
        long cpu0 = os.getProcessCpuTime();
        long thread0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r.renew();
        }
        long wall = System.nanoTime() - t0;
        long thread = threads.getCurrentThreadCpuTime() - thread0;
        long children = childrenCpuNanos() - children0;
        long cpu = os.getProcessCpuTime() - cpu0 + children;
        return new long[] {wall / 1_000_000, cpu / 1_000_000, thread + children};
    }

    private static long childrenCpuNanos() throws IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 16 and 17 of proc(5) (cutime, cstime), counted from field 3 after the command name
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10_000_000L;
    }

    private static byte[] key(InetAddress a, int port, int slot) {
        return NftBatch.concat(NftBatch.address(a), NftBatch.port(port), NftBatch.hostU32(slot));
    }

    private static byte[] value(InetAddress a, int port) {
        return NftBatch.concat(NftBatch.address(a), NftBatch.port(port));
    }

    private static void nft(String script) throws IOException {
        NetNamespace.call(ns, () -> HostCommand.run(List.of("nft", "-f", "-"), script));
    }

    private static String listing(String set) {
        return lab.exec(ns, "nft", "list", set.startsWith("neg") ? "map" : "set", "inet", TABLE, set);
    }

    /** The set's elements as nft prints them, without their "expires", sorted. */
    private static List<String> elements(String set) {
        List<String> out = new ArrayList<>();
        for (String e : rawElements(set)) {
            out.add(EXPIRES.matcher(e).replaceAll(""));
        }
        out.sort(null);
        return out;
    }

    /** Milliseconds left of each element, in listing order. */
    private static List<Long> expires(String set) {
        List<Long> out = new ArrayList<>();
        for (String e : rawElements(set)) {
            Matcher m = EXPIRES.matcher(e);
            assertTrue(m.find(), "an element of a timeout set shows its expiry: " + e);
            out.add(millis(m.group(1)));
        }
        return out;
    }

    private static List<String> rawElements(String set) {
        String l = listing(set);
        int at = l.indexOf("elements = {");
        if (at < 0) {
            return List.of();
        }
        String body = l.substring(at + "elements = {".length(), l.indexOf('}', at));
        List<String> out = new ArrayList<>();
        for (String e : body.split(",")) {
            out.add(e.trim().replaceAll("\\s+", " "));
        }
        return out;
    }

    private static long millis(String d) {
        Matcher m = PART.matcher(d);
        long ms = 0;
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            ms += switch (m.group(2)) {
                case "d" -> n * 86_400_000;
                case "h" -> n * 3_600_000;
                case "m" -> n * 60_000;
                case "s" -> n * 1000;
                default -> n;
            };
        }
        return ms;
    }
}
