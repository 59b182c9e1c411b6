package io.portredirect.tools.e2e.reliability;

import io.portredirect.tools.e2e.support.CommandResult;
import io.portredirect.tools.e2e.support.E2eLab;
import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random loss of the packets leaving an interface that match a tcpdump filter (e.g. to or from the
 * client agents' probe ports), in the kernel's egress path. Put it on a forwarding hop (the lab's
 * router): there the loss is silent, as on a wire. On the sending host itself the dropping qdisc
 * reports it (ENOBUFS), and a program injecting with libpcap sees a failed send, not a lost packet.
 * <p>
 * netem would be the usual tool, but kernels built without it (CONFIG_NET_SCH_NETEM, as on the
 * project's machines) exist; this uses what such kernels keep: an HTB root whose class 1:2 holds a
 * {@code pfifo limit 0} (drops everything enqueued) and a classic-BPF classifier that sends a
 * matching packet there with the given probability: tcpdump compiles the port match, and the
 * accepting returns jump to {@code ld rand; jgt THRESHOLD} (SKF_AD_RANDOM).
 */
final class PacketLoss {
    private static final long SKF_AD_RANDOM = 0x1_0000_0000L - 0x1000 + 56;

    private PacketLoss() {
    }

    /**
     * Loses packets leaving {@code dev} that match {@code filter} (tcpdump syntax, IPv4) with
     * {@code probability} (1 = all); skips the calling test (one line) when the kernel lacks htb or
     * cls_bpf.
     */
    static void add(E2eLab lab, String ns, String dev, String filter, double probability) {
        String bytecode = program(lab, ns, dev, filter, probability);
        String[][] cmds = {
            {"tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1", "r2q", "100000"},
            {"tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit"},
            {"tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:2", "htb", "rate", "10gbit"},
            {"tc", "qdisc", "add", "dev", dev, "parent", "1:2", "handle", "20:", "pfifo", "limit", "0"},
            {"tc", "filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "1", "bpf", "bytecode", bytecode, "flowid", "1:2"}};
        for (String[] c : cmds) {
            CommandResult r = lab.run(ns, 20, c);
            if (!r.ok()) {
                remove(lab, ns, dev);
                Assumptions.assumeTrue(false, () -> "SKIPPED: the kernel cannot emulate packet loss here (" + String.join(" ", c).substring(0, 30)
                        + "...: " + r.text() + ")");
            }
        }
    }

    /** Removes the root qdisc (idempotent). */
    static void remove(E2eLab lab, String ns, String dev) {
        lab.run(ns, 20, "tc", "qdisc", "del", "dev", dev, "root");
    }

    /** Packets dropped by the loss qdiscs, summed over the {@code tc -s qdisc show} outputs given; 0 when none. */
    static long dropped(String tcStats) {
        boolean in = false;
        long n = 0;
        Pattern p = Pattern.compile("dropped (\\d+)");
        for (String line : tcStats.split("\n")) {
            if (line.startsWith("qdisc ")) {
                in = line.startsWith("qdisc pfifo 20:");
            } else if (in) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    n += Long.parseLong(m.group(1));
                    in = false;
                }
            }
        }
        return n;
    }

    /** tcpdump's classic BPF for {@code filter}, with every accept turned into "accept with {@code probability}". */
    private static String program(E2eLab lab, String ns, String dev, String filter, double probability) {
        CommandResult r = lab.run(ns, 20, "tcpdump", "-i", dev, "-ddd", filter);
        if (!r.ok()) {
            throw new IllegalStateException("tcpdump -ddd " + filter + ": " + r);
        }
        List<long[]> insns = new ArrayList<>();
        List<String> lines = r.output().lines().map(String::trim).filter(l -> l.matches("\\d+ \\d+ \\d+ \\d+")).toList();
        for (String l : lines) {
            String[] f = l.split(" ");
            insns.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
        }
        int block = insns.size();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            long[] in = insns.get(i);
            if (in[0] == 6 && in[3] != 0) {
                out.add("5 0 0 " + (block - i - 1)); // ja to the random block
            } else {
                out.add(in[0] + " " + in[1] + " " + in[2] + " " + in[3]);
            }
        }
        long threshold = Math.min(0xFFFF_FFFFL, (long) (probability * 0x1_0000_0000L)); // rand > 0xffffffff never: all lost
        out.add("32 0 0 " + SKF_AD_RANDOM);                 // ld rand
        out.add("37 0 1 " + threshold);                     // jgt #threshold: keep, else lose
        out.add("6 0 0 0");                                 // no match: the packet goes on
        out.add("6 0 0 " + 0xFFFF_FFFFL);                   // match: the filter's class (the dropping one)
        return String.format(Locale.ROOT, "%d,%s", out.size(), String.join(",", out));
    }
}
