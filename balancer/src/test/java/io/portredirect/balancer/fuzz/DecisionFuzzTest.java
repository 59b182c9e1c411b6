package io.portredirect.balancer.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portredirect.balancer.config.ConfigLoader;
import io.portredirect.balancer.config.ForwardingMode;
import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.decide.Rule;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import io.portredirect.protocol.fuzz.FuzzCorpus;
import io.portredirect.protocol.packet.Bytes;
import io.portredirect.protocol.packet.IpProtocol;
import io.portredirect.protocol.packet.ParseError;
import io.portredirect.protocol.packet.ParsedPacket;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.portredirect.protocol.fuzz.PacketInvariants.checksumsValid;
import static io.portredirect.protocol.fuzz.PacketInvariants.fixChecksums;
import static io.portredirect.protocol.fuzz.PacketInvariants.parse;
import static io.portredirect.protocol.fuzz.PacketInvariants.require;

/**
 * Fuzz targets for the balancer's decision ({@link PacketProcessor}) on any frame, with the tables
 * of {@code testdata/balancer/sample.yaml} (l2, l3 and raw servers, redirect ports, default
 * server). Input of {@code fromNetwork}: a control byte (bit 0 keep checksums as they are instead
 * of fixing them first, bits 1-2 bytes before the frame), then the frame; {@code fromServer} has a
 * server selector byte first (index + 1; 0 and past the last server are invalid indexes).
 * Corpus: {@code testdata/fuzz/balancer-from-network}, {@code balancer-from-server}.
 */
class DecisionFuzzTest {
    private static final byte GUARD = 0x5A;
    private static final byte[] NEXT_HOP_MAC = Bytes.fromHex("02:00:5e:00:53:fe");
    private static final ForwardingTables TABLES = loadSample();

    private final ParsedPacket before = new ParsedPacket();
    private final ParsedPacket after = new ParsedPacket();
    private final byte[] scratch = new byte[16];

    static ForwardingTables loadSample() {
        try {
            return ForwardingTables.build(ConfigLoader.load(repoRoot().resolve("testdata/balancer/sample.yaml")),
                    iface -> Bytes.fromHex("02:00:5e:00:53:00"), (iface, ip) -> NEXT_HOP_MAC.clone());
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the tables of testdata/balancer/sample.yaml", e);
        }
    }

    private static Path repoRoot() {
        String configured = System.getProperty("portredirect.root");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata/balancer"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found; set -Dportredirect.root");
    }

    /** A frame with its checksums made valid unless the control byte says otherwise; returns the buffer. */
    private byte[] place(byte[] data, int skip, int control) {
        int lead = (control >>> 1) & 3;
        int length = data.length - skip;
        byte[] b = new byte[lead + length + 3];
        Arrays.fill(b, GUARD);
        System.arraycopy(data, skip, b, lead, length);
        if ((control & 1) == 0) {
            fixChecksums(parse(b, lead, length, true, before));
        }
        return b;
    }

    /**
     * Never throws; the verdict is a server or DROP; every frame is counted exactly once, as sent to
     * one server or as one drop with a reason; a dropped frame is untouched; a forwarded one keeps
     * its length, parses as before, is addressed to its server and keeps valid checksums valid.
     */
    @FuzzTest(maxDuration = "30s")
    void fromNetwork(byte[] data) {
        if (data.length < 1) {
            return;
        }
        int control = data[0] & 0xFF;
        int lead = (control >>> 1) & 3;
        int length = data.length - 1;
        byte[] b = place(data, 1, control);
        byte[] original = b.clone();
        ParsedPacket in = parse(b, lead, length, true, before);
        boolean valid = checksumsValid(in) && checksumDefined(in);
        String shape = shape(in);

        BalancerCounters c = new BalancerCounters();
        PacketProcessor p = new PacketProcessor(() -> TABLES, c);
        int r = p.fromNetwork(b, lead, length);

        require(r == PacketProcessor.DROP || (r >= 0 && r < TABLES.serverCount()), "verdict is a server or DROP");
        require(c.networkFrames() == 1 && c.serverFrames() == 0, "one network frame counted");
        require(Arrays.equals(b, 0, lead, original, 0, lead)
                && Arrays.equals(b, lead + length, b.length, original, lead + length, b.length), "no write outside the frame");
        long forwarded = 0;
        for (int s = 0; s < TABLES.serverCount(); s++) {
            forwarded += c.serverPackets(TABLES.serverName(s));
        }
        require(forwarded + c.totalDrops() == 1, "counted exactly once, as forwarded or dropped");
        if (r == PacketProcessor.DROP) {
            requireDropReason(p, c);
            DropReason why = DropReason.of(p.lastDropReason());
            long parseErrors = 0;
            for (ParseError e : ParseError.values()) {
                parseErrors += c.parseErrors(e);
            }
            require((why == DropReason.MALFORMED) == (parseErrors == 1), "a MALFORMED drop counts its parse error");
            require(Arrays.equals(b, original), "a dropped frame is untouched");
            return;
        }
        String name = TABLES.serverName(r);
        require(c.serverPackets(name) == 1 && c.serverBytes(name) == length, "the chosen server counts the frame");
        requireOneDecision(p, c);
        require(Rule.of(p.lastRule()) != Rule.NONE && Rule.of(p.lastRule()) != Rule.RETURN && Rule.of(p.lastRule()) != Rule.PASS,
                "a forwarding rule");
        ParsedPacket out = parse(b, lead, length, true, after);
        require(out.ok() && shape(out).equals(shape), "the rewritten frame parses as before");
        ForwardingMode mode = TABLES.mode(r);
        if (mode == ForwardingMode.RAW) {
            require(Arrays.equals(b, original), "raw forwarding changes nothing");
            return;
        }
        byte[] mac = TABLES.serverMac(r);
        require(Arrays.equals(b, lead, lead + 6, mac, 0, 6), "destination MAC is the server's");
        if (mode == ForwardingMode.L2) {
            require(Arrays.equals(b, lead + 12, lead + length, original, lead + 12, lead + length), "l2 changes the MACs only");
        } else {
            int n = TABLES.copyServerAddress(r, out.ipVersion(), scratch, 0);
            require(Arrays.equals(b, out.dstAddrOffset(), out.dstAddrOffset() + n, scratch, 0, n), "l3: destination is the server's address");
        }
        require(!valid || checksumsValid(out), "forwarding keeps valid checksums valid");
    }

    /**
     * Never throws; TO_NETWORK, DROP or PASS; each frame counted exactly once (returned, dropped
     * with a reason, or passed); only returned frames change, and they go to the next hop from a
     * VIP with valid checksums kept valid.
     */
    @FuzzTest(maxDuration = "30s")
    void fromServer(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int serverIndex = (data[0] & 0xFF) % (TABLES.serverCount() + 2) - 1;
        int control = data[1] & 0xFF;
        int lead = (control >>> 1) & 3;
        int length = data.length - 2;
        byte[] b = place(data, 2, control);
        byte[] original = b.clone();
        ParsedPacket in = parse(b, lead, length, true, before);
        boolean valid = checksumsValid(in) && checksumDefined(in);
        String shape = shape(in);

        BalancerCounters c = new BalancerCounters();
        PacketProcessor p = new PacketProcessor(() -> TABLES, c);
        int r = p.fromServer(serverIndex, b, lead, length);

        require(r == PacketProcessor.TO_NETWORK || r == PacketProcessor.DROP || r == PacketProcessor.PASS, "verdict is TO_NETWORK, DROP or PASS");
        require(c.serverFrames() == 1 && c.networkFrames() == 0, "one server frame counted");
        require(Arrays.equals(b, 0, lead, original, 0, lead)
                && Arrays.equals(b, lead + length, b.length, original, lead + length, b.length), "no write outside the frame");
        long returned = 0;
        for (int s = 0; s < TABLES.serverCount(); s++) {
            returned += c.returnPackets(TABLES.serverName(s));
        }
        long passed = c.decisions(Rule.PASS);
        require(returned + c.totalDrops() + passed == 1, "counted exactly once, as returned, dropped or passed");
        if (r != PacketProcessor.TO_NETWORK) {
            require(Arrays.equals(b, original), "a dropped or passed frame is untouched");
            if (r == PacketProcessor.DROP) {
                requireDropReason(p, c);
            } else {
                require(passed == 1, "PASS counted as such");
            }
            return;
        }
        require(serverIndex >= 0 && serverIndex < TABLES.serverCount(), "only a known server's frame returns");
        require(returned == 1, "the server counts its return frame");
        requireOneDecision(p, c);
        require(Rule.of(p.lastRule()) == Rule.RETURN, "rule RETURN");
        ParsedPacket out = parse(b, lead, length, true, after);
        require(out.ok() && shape(out).equals(shape), "the rewritten frame parses as before");
        require(Arrays.equals(b, lead, lead + 6, NEXT_HOP_MAC, 0, 6), "destination MAC is the next hop's");
        require(TABLES.vipIndex(b, out.srcAddrOffset(), out.addrLength()) >= 0, "return traffic leaves from a VIP");
        require(!valid || checksumsValid(out), "the return rewrite keeps valid checksums valid");
    }

    /**
     * True when the transport checksum has a meaning for the IP version: ICMPv6 (protocol 58) in
     * IPv4 has none. TransportChecksum still sums it with a pseudo-header, the rewriter leaves it
     * alone (no pseudo-header in IPv4), so "valid stays valid" is not a property there.
     */
    private static boolean checksumDefined(ParsedPacket p) {
        return p.protocol() != IpProtocol.ICMPV6 || p.ipVersion() == 6;
    }

    private static void requireDropReason(PacketProcessor p, BalancerCounters c) {
        int reason = p.lastDropReason();
        require(reason >= 0 && reason < DropReason.values().length, "DROP has a reason");
        require(c.drops(DropReason.of(reason)) == 1 && c.totalDrops() == 1, "the drop is counted under its reason");
    }

    private static void requireOneDecision(PacketProcessor p, BalancerCounters c) {
        long decisions = 0;
        for (Rule rule : Rule.values()) {
            decisions += c.decisions(rule);
        }
        require(decisions == 1 && c.decisions(Rule.of(p.lastRule())) == 1, "one decision, under the rule reported");
    }

    /** What a rewrite must not change: version, protocol, ports, fragment, option and quote status. */
    private static String shape(ParsedPacket p) {
        return p.error() + "|" + p.ipVersion() + "|" + p.protocol() + "|" + p.srcPort() + "|" + p.dstPort() + "|"
                + p.fragment() + "|" + p.redirect().status() + "|" + p.isIcmpError() + "|" + p.quoted().status()
                + "|" + p.quoted().srcPort() + "|" + p.quoted().dstPort() + "|" + p.l4Offset() + "|" + p.ipEnd();
    }

    @Test
    void corpusIsOnTheClassPath() throws IOException {
        FuzzCorpus.assertPresent(getClass(), "fromNetwork", 20);
        FuzzCorpus.assertPresent(getClass(), "fromServer", 5);
    }

    @Test
    void sampleTablesHaveEveryMode() {
        boolean l2 = false;
        boolean l3 = false;
        boolean raw = false;
        for (int s = 0; s < TABLES.serverCount(); s++) {
            l2 |= TABLES.mode(s) == ForwardingMode.L2;
            l3 |= TABLES.mode(s) == ForwardingMode.L3;
            raw |= TABLES.mode(s) == ForwardingMode.RAW;
        }
        require(l2 && l3 && raw && TABLES.nextHopResolved(), "sample.yaml has l2, l3 and raw servers and a resolved next hop");
    }
}
