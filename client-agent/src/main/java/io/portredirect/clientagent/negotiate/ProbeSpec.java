package io.portredirect.clientagent.negotiate;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Everything one probe needs, fixed before its SYN leaves: the 4-tuple (local address and reserved
 * probe port to VIP:port), the initial sequence number, the MSS to announce, the policy the answer
 * is checked against, and the retry schedule (timeout doubling per retry).
 *
 * @param previousPort   0, or the port a mid-connection redirect moved away from (sent as REDIRECT_OPT,
 *                       as the seed's client does when it reopens after being redirected)
 * @param firstAttempt   where in the retry schedule this probe's first SYN is (0, or later for a
 *                       retry moved to a new source port)
 * @param newPortOnRetry retry from a new source port rather than resend the same SYN
 */
public record ProbeSpec(InetAddress local, int localPort, InetAddress vip, int port, long isn, int mss,
                        VipPolicy policy, int retries, Duration timeout, int previousPort, int firstAttempt,
                        boolean newPortOnRetry) {
    /** A spec whose retries resend the same SYN. */
    public ProbeSpec(InetAddress local, int localPort, InetAddress vip, int port, long isn, int mss, VipPolicy policy,
                     int retries, Duration timeout, int previousPort) {
        this(local, localPort, vip, port, isn, mss, policy, retries, timeout, previousPort, 0, false);
    }

    public ProbeSpec {
        if (firstAttempt < 0 || firstAttempt > retries) {
            throw new IllegalArgumentException("first attempt must be 0-" + retries);
        }
        if ((local instanceof Inet4Address) != (vip instanceof Inet4Address)) {
            throw new IllegalArgumentException("local address and VIP must be the same IP version");
        }
        if (localPort < 1 || localPort > 65535 || port < 1 || port > 65535) {
            throw new IllegalArgumentException("ports must be 1-65535");
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0");
        }
        isn &= 0xFFFFFFFFL;
    }

    /** The same probe continued from another source port and ISN, at {@code attempt} of the schedule. */
    public ProbeSpec movedTo(int newLocalPort, long newIsn, int attempt) {
        return new ProbeSpec(local, newLocalPort, vip, port, newIsn, mss, policy, retries, timeout, previousPort, attempt,
                newPortOnRetry);
    }

    /** The acknowledgment number a genuine SYN-ACK carries. */
    public long expectedAck() {
        return (isn + 1) & 0xFFFFFFFFL;
    }

    /** Wait after attempt {@code attempt} (0 = the first SYN): timeout * 2^attempt. */
    public long timeoutMillis(int attempt) {
        return timeout.toMillis() << Math.min(attempt, 16);
    }
}
