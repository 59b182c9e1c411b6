package io.portredirect.protocol.wire;

import io.portredirect.protocol.packet.Checksum;

/**
 * The RFC 9868 option area in a UDP datagram's surplus area (the bytes between the end of the UDP
 * length and the end of the IP payload). It starts with the 2-byte option checksum (OCS), 2-byte
 * aligned relative to the UDP header (one zero pad byte first when the UDP length is odd); the
 * options follow. The OCS is the Internet checksum over the area from the OCS on plus a 16-bit
 * pseudo-header holding that area's length; a zero OCS means "not computed" and is accepted.
 */
public final class UdpOptionArea {
    private UdpOptionArea() {
    }

    /** Absolute offset of the OCS, given the UDP header offset and the UDP length field. */
    public static int ocsOffset(int udpOffset, int udpLength) {
        return udpOffset + udpLength + (udpLength & 1);
    }

    /** The OCS value for the area {@code [ocsOffset, end)} (the OCS field itself taken as 0). */
    public static int computeOcs(byte[] b, int ocsOffset, int end) {
        int sum = Checksum.add(0, b, ocsOffset + RedirectWire.UDP_OCS_LENGTH, end - ocsOffset - RedirectWire.UDP_OCS_LENGTH);
        sum = Checksum.fold(sum) + (end - ocsOffset);
        int c = Checksum.finish(sum);
        return c == 0 ? 0xFFFF : c;
    }

    /** True when the OCS at {@code ocsOffset} verifies (or is zero: not computed). */
    public static boolean ocsValid(byte[] b, int ocsOffset, int end) {
        int ocs = Checksum.field(b, ocsOffset);
        if (ocs == 0) {
            return true;
        }
        int sum = Checksum.add(0, b, ocsOffset, end - ocsOffset);
        sum = Checksum.fold(sum) + (end - ocsOffset);
        return Checksum.verifies(sum);
    }

    /** Bytes {@link #write} needs for one extension after a UDP payload of {@code udpLength}. */
    public static int encodedLength(int udpLength, RedirectExtension ext) {
        return (udpLength & 1) + RedirectWire.UDP_OCS_LENGTH + ext.encodedLength();
    }

    /**
     * Writes pad, OCS and the redirect option right after the UDP payload and fills in the OCS.
     *
     * @return the number of surplus bytes written
     */
    public static int write(byte[] b, int udpOffset, int udpLength, RedirectExtension ext) {
        int start = udpOffset + udpLength;
        int ocs = ocsOffset(udpOffset, udpLength);
        if (ocs != start) {
            b[start] = 0;
        }
        int end = ocs + RedirectWire.UDP_OCS_LENGTH + ext.encodeUdp(b, ocs + RedirectWire.UDP_OCS_LENGTH);
        Checksum.putField(b, ocs, 0);
        Checksum.putField(b, ocs, computeOcs(b, ocs, end));
        return end - start;
    }

    /**
     * Scans the surplus area {@code [udpOffset + udpLength, end)} for the redirect option into
     * {@code scan}: absent when there is no surplus area, malformed when the OCS is missing or wrong.
     */
    public static RedirectOptionScan scan(byte[] b, int udpOffset, int udpLength, int end, RedirectOptionScan scan) {
        scan.reset();
        int start = udpOffset + udpLength;
        if (end <= start) {
            return scan;
        }
        int ocs = ocsOffset(udpOffset, udpLength);
        if (ocs + RedirectWire.UDP_OCS_LENGTH > end) {
            scan.markMalformed(MalformedReason.UDP_NO_OCS);
            return scan;
        }
        if (!ocsValid(b, ocs, end)) {
            scan.markMalformed(MalformedReason.UDP_BAD_OCS);
            return scan;
        }
        int opts = ocs + RedirectWire.UDP_OCS_LENGTH;
        return scan.scanUdpOptions(b, opts, end - opts);
    }
}
