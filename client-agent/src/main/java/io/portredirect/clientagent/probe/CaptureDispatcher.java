package io.portredirect.clientagent.probe;

import io.portredirect.clientagent.negotiate.MidFlowWatcher;
import io.portredirect.clientagent.stats.AgentStats;
import io.portredirect.clientagent.stats.Counter;
import io.portredirect.protocol.io.RawPort;
import io.portredirect.protocol.packet.PacketParser;
import io.portredirect.protocol.packet.ParsedPacket;
import io.portredirect.protocol.packet.TcpView;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Receives the capture's frames and routes each to whoever it concerns: a mid-connection redirect
 * on an established flow or a UDP notice on the probe loop; an answer to a probe ({@link ProbeEngine}
 * is thread-safe) and an upstream connection's SYN-ACK (the start of its receive window,
 * thread-safe {@link MidFlowWatcher#onHandshake}) on the capture thread itself, so neither a cold
 * connection's probe nor the warm path waits for the probe loop to wake up. Frames are parsed into reused
 * {@link ParsedPacket}s, one per thread.
 */
public final class CaptureDispatcher implements RawPort.FrameHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureDispatcher.class);
    /** Receives UDP datagrams that carry the redirect option. */
    @FunctionalInterface
    public interface UdpNoticeHandler {
        /** Returns true when the notice was for one of the handler's sessions. */
        boolean onNotice(ParsedPacket p);
    }

    private final Executor loop;
    private final boolean ethernet;
    private final ProbeEngine probes;
    private final MidFlowWatcher midFlow;
    private final AgentStats stats;
    private static final int SYN_ACK = TcpView.SYN | TcpView.ACK;

    /** Parsed on the loop. */
    private final ParsedPacket parsed = new ParsedPacket();
    /** Parsed on the capture thread. */
    private final ParsedPacket onCapture = new ParsedPacket();
    private volatile UdpNoticeHandler[] udp = new UdpNoticeHandler[0];

    public CaptureDispatcher(Executor loop, boolean ethernet, ProbeEngine probes, MidFlowWatcher midFlow, AgentStats stats) {
        this.loop = loop;
        this.ethernet = ethernet;
        this.probes = probes;
        this.midFlow = midFlow;
        this.stats = stats;
    }

    /** Adds a receiver of UDP notices (one per UDP listener). */
    public synchronized void addUdpHandler(UdpNoticeHandler h) {
        UdpNoticeHandler[] next = Arrays.copyOf(udp, udp.length + 1);
        next[udp.length] = h;
        udp = next;
    }

    @Override
    public void frame(byte[] frame, int length) {
        // an upstream connection's SYN-ACK (one per connection) is noted here, on the capture thread:
        // handing it to the probe loop cost a thread switch per connection on the warm path
        ParsedPacket h = ethernet ? PacketParser.parseFrame(frame, 0, length, onCapture) : PacketParser.parseIp(frame, 0, length, onCapture);
        if (h.ok() && probes.wants(h)) {
            // an answer to a probe, here too: a cold connection's upstream connect starts from it
            stats.inc(Counter.CAPTURED);
            try {
                probes.onPacket(h);
            } catch (RuntimeException e) {
                stats.inc(Counter.CAPTURE_ERRORS);
                LOG.warn("captured packet not handled: {}", e.toString());
            }
            return;
        }
        if (h.ok() && h.isTcp() && (h.tcpFlags() & SYN_ACK) == SYN_ACK) {
            stats.inc(Counter.CAPTURED);
            midFlow.onHandshake(h);
            return;
        }
        byte[] copy = Arrays.copyOf(frame, length);
        try {
            loop.execute(() -> {
                try {
                    dispatch(copy);
                } catch (RuntimeException e) {
                    // a packet must never stop the loop: count it and go on
                    stats.inc(Counter.CAPTURE_ERRORS);
                    LOG.warn("captured packet not handled: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Routes one frame; runs on the loop (tests call it directly). */
    public void dispatch(byte[] frame) {
        stats.inc(Counter.CAPTURED);
        ParsedPacket p = ethernet ? PacketParser.parseFrame(frame, 0, frame.length, parsed)
                : PacketParser.parseIp(frame, 0, frame.length, parsed);
        if (!p.ok()) {
            stats.inc(Counter.CAPTURE_UNPARSED);
            return;
        }
        if (probes.wants(p)) {
            probes.onPacket(p);
            return;
        }
        if (p.isTcp()) {
            int synAck = TcpView.SYN | TcpView.ACK;
            if ((p.tcpFlags() & synAck) == synAck) {
                midFlow.onHandshake(p);
            } else if ((p.tcpFlags() & TcpView.SYN) == 0 && p.redirect().isPresent()) {
                midFlow.onSegment(p);
            }
            return;
        }
        if (p.isUdp() && p.redirect().isPresent()) {
            for (UdpNoticeHandler h : udp) {
                if (h.onNotice(p)) {
                    return;
                }
            }
            stats.inc(Counter.UDP_NOTICES_IGNORED);
        }
    }
}
