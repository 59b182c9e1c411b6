package io.portredirect.tools.decode;

/** Names of ICMP and ICMPv6 types and codes, as decode prints them. */
final class Names {
    private Names() {
    }

    static String icmpType(int version, int type) {
        if (version == 6) {
            return switch (type) {
                case 1 -> "destination-unreachable";
                case 2 -> "packet-too-big";
                case 3 -> "time-exceeded";
                case 4 -> "parameter-problem";
                case 128 -> "echo-request";
                case 129 -> "echo-reply";
                case 133 -> "router-solicitation";
                case 134 -> "router-advertisement";
                case 135 -> "neighbor-solicitation";
                case 136 -> "neighbor-advertisement";
                default -> "type-" + type;
            };
        }
        return switch (type) {
            case 0 -> "echo-reply";
            case 3 -> "destination-unreachable";
            case 4 -> "source-quench";
            case 5 -> "redirect";
            case 8 -> "echo-request";
            case 11 -> "time-exceeded";
            case 12 -> "parameter-problem";
            default -> "type-" + type;
        };
    }

    /** A code name where the type defines well-known codes, else null. */
    static String icmpCode(int version, int type, int code) {
        if (version == 6) {
            if (type == 1) {
                return switch (code) {
                    case 0 -> "no-route";
                    case 1 -> "admin-prohibited";
                    case 2 -> "beyond-scope";
                    case 3 -> "address-unreachable";
                    case 4 -> "port-unreachable";
                    case 5 -> "source-policy-failed";
                    case 6 -> "reject-route";
                    default -> null;
                };
            }
            if (type == 3) {
                return code == 0 ? "hop-limit-exceeded" : code == 1 ? "reassembly-time-exceeded" : null;
            }
            return null;
        }
        if (type == 3) {
            return switch (code) {
                case 0 -> "net-unreachable";
                case 1 -> "host-unreachable";
                case 2 -> "protocol-unreachable";
                case 3 -> "port-unreachable";
                case 4 -> "fragmentation-needed";
                case 5 -> "source-route-failed";
                case 9, 10, 13 -> "admin-prohibited";
                default -> null;
            };
        }
        if (type == 11) {
            return code == 0 ? "ttl-exceeded" : code == 1 ? "reassembly-time-exceeded" : null;
        }
        return null;
    }
}
