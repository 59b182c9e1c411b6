package io.portredirect.clientagent.stats;

/** Every event the client agent counts; the names are the keys of the JSON stats. */
public enum Counter {
    CONNECTIONS("connections", "application TCP connections accepted"),
    CONNECTIONS_FAILED("connections_failed", "application connections closed without an upstream"),
    UPSTREAM_RETRIES("upstream_retries", "kernel connects to a cached port that failed and were re-resolved"),
    PROBES("probes", "negotiations started (its retries from new source ports are probe_retries_new_port)"),
    PROBE_SYNS("probe_syns", "probe SYNs sent, retransmissions included"),
    SEND_FAILURES("send_failures", "probe packets the host failed to send (a lost SYN is retried by the timer)"),
    PROBE_RSTS("probe_rsts", "RSTs sent to close probes or stale SYN-ACKs"),
    PROBE_REDIRECTED("probe_redirected", "probes answered with CONFIRM + an allowed REDIRECT_OPT"),
    PROBE_CONFIRMED_HERE("probe_confirmed_here", "probes confirmed without a new port"),
    PROBE_CHAINED("probe_chained", "probes answered with a further redirect port"),
    PROBE_NOT_SUPPORTED("probe_not_supported", "probes answered by a SYN-ACK without the extension"),
    PROBE_REFUSED("probe_refused", "probes answered by RST"),
    PROBE_UNREACHABLE("probe_unreachable", "probes answered by ICMP unreachable"),
    PROBE_TIMED_OUT("probe_timed_out", "probes without an answer after all retries"),
    PROBE_RETRIES_NEW_PORT("probe_retries_new_port", "probe retries sent from a new source port (a new hash on the balancer)"),
    SERVERS_MARKED_FAILED("servers_marked_failed", "servers (VIP, service port) put in the negative cache"),
    NEGATIVE_CACHE_HITS("negative_cache_hits", "probes steered off a failed server: source ports passed over, or a waiting probe moved on early"),
    PROBE_NOT_SENT("probe_not_sent", "probes that could not be sent (no port, route or link address)"),
    CACHE_HITS("cache_hits", "resolutions served from the cache"),
    CACHE_MISSES("cache_misses", "resolutions that needed a probe"),
    FALLBACKS("fallbacks", "connections sent plainly to VIP:redirect-port"),
    REFUSED_BY_POLICY("refused_by_policy", "connections refused because fallback is 'fail'"),
    CHAIN_TOO_LONG("chain_too_long", "redirect chains cut at max-chain"),
    IGNORED_REDIRECTS("ignored_redirects", "answers naming a port outside the allowed range"),
    IGNORED_WRONG_ACK("ignored_wrong_ack", "answers with a wrong acknowledgment number"),
    IGNORED_WRONG_SOURCE("ignored_wrong_source", "answers from another address or port"),
    IGNORED_OTHER("ignored_other", "other packets to probe ports that changed nothing"),
    LATE_ANSWERS("late_answers", "SYN-ACKs to a probe port with no probe waiting (reset)"),
    MALFORMED_OPTIONS("malformed_options", "answers whose redirect option was malformed (treated as absent)"),
    MID_FLOW_REDIRECTS("mid_flow_redirects", "mid-connection redirects applied to the cache"),
    MID_FLOW_IGNORED("mid_flow_ignored", "mid-connection redirects ignored (unknown flow or port not allowed)"),
    MID_FLOW_OUT_OF_WINDOW("mid_flow_out_of_window", "mid-connection redirects ignored: sequence number outside the flow's receive window"),
    MID_FLOW_NO_HANDSHAKE("mid_flow_no_handshake", "mid-connection redirects ignored: the flow's SYN-ACK was not seen, so no window to check against"),
    CAPTURED("captured", "packets the capture handed to the agent"),
    CAPTURE_UNPARSED("capture_unparsed", "captured packets that did not parse"),
    CAPTURE_ERRORS("capture_errors", "captured packets whose handling failed (a bug: logged)"),
    BYTES_UP("bytes_up", "bytes spliced from applications to servers"),
    BYTES_DOWN("bytes_down", "bytes spliced from servers to applications"),
    RELAY_RESETS("relay_resets", "spliced connections ended by a reset or error on one side, passed on as a reset"),
    RELAY_IDLE_CLOSED("relay_idle_closed", "spliced connections reset after idle-timeout without a byte either way"),
    UDP_SESSIONS("udp_sessions", "UDP client sessions opened"),
    UDP_RAW_SENT("udp_raw_sent", "UDP datagrams sent raw with REDIRECT"),
    UDP_NOTICES("udp_notices", "UDP notices with CONFIRM + REDIRECT_OPT applied"),
    UDP_NOTICES_IGNORED("udp_notices_ignored", "UDP notices ignored (unknown session or port not allowed)"),
    UDP_FALLBACKS("udp_fallbacks", "UDP sessions that fell back to VIP:redirect-port"),
    UDP_DATAGRAMS_UP("udp_datagrams_up", "UDP datagrams relayed to servers"),
    UDP_DATAGRAMS_DOWN("udp_datagrams_down", "UDP datagrams relayed to clients"),
    UDP_DROPPED("udp_dropped", "UDP datagrams dropped (policy fail or send error)"),
    UDP_FOREIGN_DROPPED("udp_foreign_dropped", "UDP datagrams to a session socket from another source than VIP:service-port, dropped");

    private final String key;
    private final String description;

    Counter(String key, String description) {
        this.key = key;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String description() {
        return description;
    }
}
