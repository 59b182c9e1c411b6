/**
 * rdtool, the operator's and tester's view of the redirect extension: {@code craft} builds one
 * packet from options and writes it to a pcap file, prints it as hex or injects it on an interface;
 * {@code decode} reads pcap files, hex or a live interface and prints every header field, every
 * option and every checksum verdict. The testdata generator writes the committed pcap and hex
 * vectors other implementations test against.
 */
package io.portredirect.tools;
