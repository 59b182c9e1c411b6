package io.portredirect.protocol.wire;

/**
 * Every constant of the redirect extension's wire format, in one place.
 *
 * <pre>
 * TCP (RFC 6994 experimental option):
 *   +--------+--------+--------+--------+--------+--------+--------+
 *   | kind   | len    | ExID = 0x5244   | flags  | port (optional)  |
 *   | 253    | 5 or 7 |                 |        | big-endian, != 0 |
 *   +--------+--------+--------+--------+--------+--------+--------+
 * UDP (RFC 9868 surplus area): OCS, then EXP option kind 127 laid out as above, or in RFC 9868's
 * extended-length form, where the fields follow a 16-bit length (data length 3 or 5):
 *   | 127    | 255    | length = 7 or 9 | ExID = 0x5244   | flags  | port (optional)  |
 * </pre>
 * The field offsets below are those of the compact form (kind, length, data).
 */
public final class RedirectWire {
    private RedirectWire() {
    }

    /** RFC 6994 shared experimental TCP option kind (RFC 4727 allocates 253 and 254). */
    public static final int TCP_OPTION_KIND = 253;
    /** RFC 9868 experimental UDP option kind (EXP, carries an ExID like RFC 6994). */
    public static final int UDP_OPTION_KIND = 127;
    /** Experiment identifier: ASCII "RD". */
    public static final int EXID = 0x5244;

    /** Option length with flags only. */
    public static final int LENGTH_FLAGS_ONLY = 5;
    /** Option length with flags and the REDIRECT_OPT port. */
    public static final int LENGTH_WITH_PORT = 7;

    /** Kind and length bytes before an option's data (the compact form). */
    public static final int OPTION_HEADER_LENGTH = 2;
    /** Kind, 255 and the 16-bit length before a UDP option's data in the extended-length form. */
    public static final int UDP_EXTENDED_HEADER_LENGTH = 4;

    public static final int KIND_OFFSET = 0;
    public static final int LENGTH_OFFSET = 1;
    public static final int EXID_OFFSET = 2;
    public static final int FLAGS_OFFSET = 4;
    public static final int PORT_OFFSET = 5;

    /** The sender supports redirection (SYN), or asks the peer to move (mid-connection). */
    public static final int FLAG_REDIRECT = 0x01;
    /** The sender confirms redirection; REDIRECT_OPT names the port to reopen on. */
    public static final int FLAG_CONFIRM = 0x02;
    /** Bits this version defines; the others are sent as 0 and ignored on receipt. */
    public static final int KNOWN_FLAGS = FLAG_REDIRECT | FLAG_CONFIRM;

    /** TCP option kinds the walker names. */
    public static final int TCP_EOL = 0;
    public static final int TCP_NOP = 1;
    public static final int TCP_MSS = 2;
    public static final int TCP_WINDOW_SCALE = 3;
    public static final int TCP_SACK_PERMITTED = 4;
    public static final int TCP_SACK = 5;
    public static final int TCP_TIMESTAMPS = 8;
    public static final int TCP_EXPERIMENT_2 = 254;

    /** UDP option kinds (RFC 9868) the surplus-area walker names. */
    public static final int UDP_EOL = 0;
    public static final int UDP_NOP = 1;
    /** RFC 9868 unsafe experimental option (UEXP); carries an ExID like EXP. */
    public static final int UDP_EXPERIMENT_UNSAFE = 254;
    /** Length byte value announcing a 16-bit extended length (RFC 9868). */
    public static final int UDP_EXTENDED_LENGTH = 255;
    /** Size of the option checksum (OCS) that starts the UDP option area. */
    public static final int UDP_OCS_LENGTH = 2;

    /** Largest TCP option area (data offset 15 words minus the fixed header). */
    public static final int TCP_MAX_OPTIONS_LENGTH = 40;
}
