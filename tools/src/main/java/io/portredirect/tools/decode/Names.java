package io.portredirect.tools.decode;

import io.portredirect.protocol.packet.IcmpView;

/** Names of ICMP and ICMPv6 types and codes, as decode prints them. */
final class Names {
    private Names() {
    }

    static String icmpType(int version, int type) {
        if (version == 6) {
            return switch (type) {
                case IcmpView.V6_DEST_UNREACHABLE -> "destination-unreachable";
                case IcmpView.V6_PACKET_TOO_BIG -> "packet-too-big";
                case IcmpView.V6_TIME_EXCEEDED -> "time-exceeded";
                case IcmpView.V6_PARAMETER_PROBLEM -> "parameter-problem";
                case IcmpView.V6_ECHO_REQUEST -> "echo-request";
                case IcmpView.V6_ECHO_REPLY -> "echo-reply";
                case IcmpView.V6_ROUTER_SOLICITATION -> "router-solicitation";
                case IcmpView.V6_ROUTER_ADVERTISEMENT -> "router-advertisement";
                case IcmpView.V6_NEIGHBOR_SOLICITATION -> "neighbor-solicitation";
                case IcmpView.V6_NEIGHBOR_ADVERTISEMENT -> "neighbor-advertisement";
                default -> "type-" + type;
            };
        }
        return switch (type) {
            case IcmpView.V4_ECHO_REPLY -> "echo-reply";
            case IcmpView.V4_DEST_UNREACHABLE -> "destination-unreachable";
            case IcmpView.V4_SOURCE_QUENCH -> "source-quench";
            case IcmpView.V4_REDIRECT -> "redirect";
            case IcmpView.V4_ECHO_REQUEST -> "echo-request";
            case IcmpView.V4_TIME_EXCEEDED -> "time-exceeded";
            case IcmpView.V4_PARAMETER_PROBLEM -> "parameter-problem";
            default -> "type-" + type;
        };
    }

    /** A code name where the type defines well-known codes, else null. */
    static String icmpCode(int version, int type, int code) {
        if (version == 6) {
            if (type == IcmpView.V6_DEST_UNREACHABLE) {
                return switch (code) {
                    case 0 -> "no-route";
                    case 1 -> "admin-prohibited";
                    case 2 -> "beyond-scope";
                    case 3 -> "address-unreachable";
                    case IcmpView.V6_CODE_PORT_UNREACHABLE -> "port-unreachable";
                    case 5 -> "source-policy-failed";
                    case 6 -> "reject-route";
                    default -> null;
                };
            }
            if (type == IcmpView.V6_TIME_EXCEEDED) {
                return code == 0 ? "hop-limit-exceeded" : code == 1 ? "reassembly-time-exceeded" : null;
            }
            return null;
        }
        if (type == IcmpView.V4_DEST_UNREACHABLE) {
            return switch (code) {
                case 0 -> "net-unreachable";
                case 1 -> "host-unreachable";
                case 2 -> "protocol-unreachable";
                case IcmpView.V4_CODE_PORT_UNREACHABLE -> "port-unreachable";
                case IcmpView.V4_CODE_FRAG_NEEDED -> "fragmentation-needed";
                case 5 -> "source-route-failed";
                case 9, 10, 13 -> "admin-prohibited";
                default -> null;
            };
        }
        if (type == IcmpView.V4_TIME_EXCEEDED) {
            return code == 0 ? "ttl-exceeded" : code == 1 ? "reassembly-time-exceeded" : null;
        }
        return null;
    }
}
