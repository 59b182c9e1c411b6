package io.portredirect.protocol.packet;

/**
 * The packet an ICMP error quotes (RFC 792: the IP header plus at least 8 bytes; RFC 4443: as much
 * as fits). For the balancer it is the packet a server sent, so its source is VIP:service-port and
 * its destination the client. Offsets point into the same buffer as the outer packet.
 */
public final class QuotedPacket {
    /** How much of the quote could be read. */
    public enum Status {
        /** No quote parsed (not an ICMP error). */
        NONE,
        /** IP header and both ports read. */
        COMPLETE,
        /** IP header read, transport ports cut off. */
        NO_PORTS,
        /** Not even a whole IP header, or a header that makes no sense. */
        BAD
    }

    Status status;
    int ipVersion;
    int addrLength;
    int srcAddrOffset;
    int dstAddrOffset;
    int protocol;
    int srcPort;
    int dstPort;
    int l4Offset;

    void reset() {
        status = Status.NONE;
        ipVersion = 0;
        addrLength = 0;
        srcAddrOffset = -1;
        dstAddrOffset = -1;
        protocol = -1;
        srcPort = -1;
        dstPort = -1;
        l4Offset = -1;
    }

    public Status status() {
        return status;
    }

    public boolean hasPorts() {
        return status == Status.COMPLETE;
    }

    public int ipVersion() {
        return ipVersion;
    }

    public int addrLength() {
        return addrLength;
    }

    public int srcAddrOffset() {
        return srcAddrOffset;
    }

    public int dstAddrOffset() {
        return dstAddrOffset;
    }

    public int protocol() {
        return protocol;
    }

    /** Source port of the quoted packet (the server's port), or -1. */
    public int srcPort() {
        return srcPort;
    }

    /** Destination port of the quoted packet (the client's port), or -1. */
    public int dstPort() {
        return dstPort;
    }

    /** Offset of the quoted transport header, or -1. */
    public int l4Offset() {
        return l4Offset;
    }

    @Override
    public String toString() {
        return status == Status.COMPLETE
                ? IpProtocol.name(protocol) + " sport=" + srcPort + " dport=" + dstPort
                : status.name().toLowerCase();
    }
}
