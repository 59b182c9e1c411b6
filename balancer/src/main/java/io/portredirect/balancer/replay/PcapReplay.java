package io.portredirect.balancer.replay;

import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.PacketProcessor;
import io.portredirect.balancer.decide.Rule;
import io.portredirect.balancer.metrics.BalancerCounters;
import io.portredirect.balancer.table.ForwardingTables;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.BufferedWriter;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Runs a capture through the real decision and rewrite code (Katran's simulator idea): every
 * frame of an Ethernet pcap goes through {@link PacketProcessor#fromNetwork}; forwarded frames,
 * as rewritten, land in {@code OUT/SERVER.pcap}; drops are listed in {@code OUT/drops.log} as
 * {@code FRAME REASON} (frame numbers count from 1, like tshark's).
 */
public final class PcapReplay {
    /** Largest frame written to the output pcaps. */
    public static final int SNAPLEN = 262144;

    private final ForwardingTables tables;

    public PcapReplay(ForwardingTables tables) {
        this.tables = tables;
    }

    /** Replays {@code input} into {@code outDir} (created when missing). */
    public ReplaySummary run(Path input, Path outDir) throws IOException, ReplayException {
        Files.createDirectories(outDir);
        BalancerCounters counters = new BalancerCounters();
        PacketProcessor processor = new PacketProcessor(() -> tables, counters);
        PcapHandle in;
        try {
            in = Pcaps.openOffline(input.toString());
        } catch (PcapNativeException e) {
            throw new ReplayException("cannot open " + input + ": " + e.getMessage());
        }
        List<PcapHandle> dead = new ArrayList<>();
        PcapDumper[] dumpers = new PcapDumper[tables.serverCount()];
        List<String> outputs = new ArrayList<>();
        long frames = 0;
        long[][] perServer = new long[tables.serverCount()][2];
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        Map<Rule, Long> rules = new EnumMap<>(Rule.class);
        try (BufferedWriter log = Files.newBufferedWriter(outDir.resolve("drops.log"), StandardCharsets.UTF_8)) {
            if (in.getDlt() != DataLinkType.EN10MB) {
                throw new ReplayException(input + ": link type " + in.getDlt() + " is not Ethernet (EN10MB)");
            }
            for (int i = 0; i < dumpers.length; i++) {
                PcapHandle h = Pcaps.openDead(DataLinkType.EN10MB, SNAPLEN);
                dead.add(h);
                Path out = outDir.resolve(tables.serverName(i) + ".pcap");
                dumpers[i] = h.dumpOpen(out.toString());
                outputs.add(out.toString());
            }
            outputs.add(outDir.resolve("drops.log").toString());
            while (true) {
                byte[] frame;
                try {
                    frame = in.getNextRawPacketEx();
                } catch (EOFException e) {
                    break;
                } catch (TimeoutException e) {
                    continue;
                }
                frames++;
                Timestamp ts = in.getTimestamp();
                int verdict = processor.fromNetwork(frame, 0, frame.length);
                Rule rule = Rule.of(processor.lastRule());
                rules.merge(rule, 1L, Long::sum);
                if (verdict >= 0) {
                    dumpers[verdict].dumpRaw(frame, ts);
                    perServer[verdict][0]++;
                    perServer[verdict][1] += frame.length;
                } else {
                    DropReason why = DropReason.of(processor.lastDropReason());
                    drops.merge(why, 1L, Long::sum);
                    log.write(frames + " " + why.name());
                    log.newLine();
                }
            }
        } catch (PcapNativeException | NotOpenException e) {
            throw new ReplayException("pcap failure: " + e.getMessage());
        } finally {
            for (PcapDumper d : dumpers) {
                if (d != null) {
                    d.close();
                }
            }
            dead.forEach(PcapHandle::close);
            in.close();
        }
        Map<String, long[]> servers = new HashMap<>();
        for (int i = 0; i < perServer.length; i++) {
            servers.put(tables.serverName(i), perServer[i]);
        }
        return new ReplaySummary(input.toString(), frames, servers, drops, rules, outputs);
    }

    /** The input cannot be replayed (unreadable, not Ethernet, pcap library failure). */
    public static final class ReplayException extends Exception {
        private static final long serialVersionUID = 1L;

        public ReplayException(String message) {
            super(message);
        }
    }
}
