package io.portredirect.clientagent.negotiate;

/**
 * Where in one upstream flow's sequence space a mid-connection redirect must sit to count. An
 * off-path sender who does not see the flow has to guess the server's sequence number; requiring it
 * inside the receive window (RFC 793's acceptability test, the same bar RFC 5961 sets for a reset)
 * makes a blind guess succeed about once in 2^32 / (3 x window).
 *
 * <p>The agent captures only the flow's SYN-ACK, not its data (the bulk must not go through pcap),
 * so it reconstructs RCV.NXT as {@code irs + 1 + bytes the relay read from the upstream socket}.
 * What the kernel holds unread, the window the kernel advertises and what the relay reads between
 * the segment's arrival and its handling all fall within {@code slack} (the largest receive buffer,
 * {@code net.ipv4.tcp_rmem}'s maximum), so a segment counts when
 * {@code -slack <= seq - RCV.NXT < 2 x slack}.
 *
 * <pre>
 *   NO_HANDSHAKE --(SYN-ACK from VIP:Y captured: irs)--> TRACKING --(relay reads n bytes)--> TRACKING
 *   NO_HANDSHAKE: check() = NO_HANDSHAKE (the redirect is counted and ignored)
 *   TRACKING:     check(seq) = IN_WINDOW or OUT_OF_WINDOW
 * </pre>
 * One writer per field: the capture loop sets the handshake, the relay's event loop adds bytes; the
 * capture loop reads both.
 */
public final class ReceiveWindow {
    /** What {@link #check} says of a segment's sequence number. */
    public enum Verdict { IN_WINDOW, NO_HANDSHAKE, OUT_OF_WINDOW }

    private static final long UNKNOWN = -1;

    private volatile long irs = UNKNOWN;
    private volatile long received;

    /** The server's initial sequence number, from the captured SYN-ACK. */
    public void handshake(long serverIsn) {
        irs = serverIsn & 0xFFFFFFFFL;
    }

    /** The relay read {@code n} more bytes (a FIN counts 1). Single writer. */
    public void received(long n) {
        received = received + n;
    }

    public long received() {
        return received;
    }

    /** RCV.NXT as far as the agent knows, or -1 before the handshake was seen. */
    public long next() {
        long i = irs;
        return i == UNKNOWN ? UNKNOWN : next(i, received);
    }

    public Verdict check(long seq, long slack) {
        long n = next();
        if (n == UNKNOWN) {
            return Verdict.NO_HANDSHAKE;
        }
        return inWindow(n, seq, slack) ? Verdict.IN_WINDOW : Verdict.OUT_OF_WINDOW;
    }

    /** {@code irs + 1 + received} modulo 2^32. */
    public static long next(long irs, long received) {
        return (irs + 1 + received) & 0xFFFFFFFFL;
    }

    /** True when {@code -slack <= seq - next < 2 x slack}, in 32-bit sequence arithmetic. */
    public static boolean inWindow(long next, long seq, long slack) {
        long d = (int) ((seq - next) & 0xFFFFFFFFL);
        return d >= -slack && d < 2 * slack;
    }
}
