package io.portredirect.balancer.io;

/** What moves the packets. */
public enum Dataplane {
    /**
     * The kernel: an nftables netdev ruleset rendered from the tables forwards; Java reads only
     * what nft hands it over the Java path (ARP/ND, UDP redirect ports, unusual ICMP quotes, ...).
     */
    NFT,
    /** Java: every frame is captured with libpcap, decided and sent by the balancer process. */
    PCAP
}
