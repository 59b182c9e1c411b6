package io.portredirect.tools.decode;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders the tree {@link PacketDecoder} builds as indented text, one line per layer, so the text
 * and the JSON of a packet can never disagree.
 */
public final class TextRenderer {
    private static final int MAX_PAYLOAD_HEX = 64;

    private TextRenderer() {
    }

    /** The text of one decoded packet, lines separated by '\n', no trailing newline. */
    public static String render(JsonNode d) {
        List<String> lines = new ArrayList<>();
        StringBuilder head = new StringBuilder("#").append(d.path("index").asLong());
        if (d.has("time")) {
            head.append(' ').append(d.get("time").asText());
        }
        head.append(' ').append(d.path("link").asText()).append(' ').append(d.path("length").asInt()).append(" bytes");
        if (d.path("malformed").asBoolean()) {
            head.append(" MALFORMED");
        }
        lines.add(head.toString());
        if (d.has("eth")) {
            JsonNode e = d.get("eth");
            line(lines, "eth", e.path("src").asText() + " > " + e.path("dst").asText()
                    + (e.has("type") ? String.format(" type 0x%04x", e.get("type").asInt()) : "")
                    + (e.path("vlan_tags").asInt() > 0 ? " vlan " + e.path("vlan_id").asInt() + " (" + e.get("vlan_tags").asInt() + " tags)" : ""));
        }
        if (d.has("sll")) {
            line(lines, "sll", String.format("protocol 0x%04x packet type %d", d.get("sll").path("protocol").asInt(), d.get("sll").path("packet_type").asInt()));
        }
        if (d.has("ip")) {
            lines.add(ip(d.get("ip")));
        }
        if (d.has("tcp")) {
            tcp(lines, d.get("tcp"));
        }
        if (d.has("udp")) {
            udp(lines, d.get("udp"));
        }
        if (d.has("icmp")) {
            icmp(lines, d.get("icmp"));
        }
        if (d.has("redirect")) {
            line(lines, "redirect", redirect(d.get("redirect")));
        }
        if (d.has("trailer_length")) {
            line(lines, "trailer", d.get("trailer_length").asInt() + " bytes after the IP packet (link padding)");
        }
        for (JsonNode pr : d.path("problems")) {
            line(lines, "!", pr.path("layer").asText() + ": " + pr.path("text").asText() + " [" + pr.path("code").asText() + "]");
        }
        return String.join("\n", lines);
    }

    private static void line(List<String> lines, String label, String text) {
        lines.add(String.format("  %-9s %s", label, text));
    }

    private static String ip(JsonNode ip) {
        StringBuilder sb = new StringBuilder();
        sb.append(ip.path("src").asText()).append(" > ").append(ip.path("dst").asText())
                .append(' ').append(ip.path("protocol_name").asText());
        if (ip.path("version").asInt() == 4) {
            sb.append(" ttl ").append(ip.path("ttl").asInt()).append(" id ").append(ip.path("id").asInt());
            if (ip.path("df").asBoolean()) {
                sb.append(" DF");
            }
            if (ip.path("mf").asBoolean()) {
                sb.append(" MF");
            }
            if (ip.path("fragment_offset").asInt() > 0) {
                sb.append(" frag-offset ").append(ip.get("fragment_offset").asInt());
            }
            sb.append(" len ").append(ip.path("total_length").asInt()).append(" hdr ").append(ip.path("header_length").asInt())
                    .append(String.format(" checksum 0x%04x %s", ip.path("checksum").asInt(), ip.path("checksum_status").asText()));
        } else {
            sb.append(" hlim ").append(ip.path("hop_limit").asInt()).append(" plen ").append(ip.path("payload_length").asInt());
            if (ip.path("next_header").asInt() != ip.path("protocol").asInt()) {
                sb.append(" next-header ").append(ip.path("next_header").asInt());
            }
            if (ip.path("flow_label").asInt() != 0) {
                sb.append(String.format(" flow 0x%05x", ip.get("flow_label").asInt()));
            }
        }
        if (!"none".equals(ip.path("fragment").asText())) {
            sb.append(" fragment ").append(ip.get("fragment").asText());
        }
        return String.format("  %-9s %s", ip.path("version").asInt() == 4 ? "ipv4" : "ipv6", sb);
    }

    private static void tcp(List<String> lines, JsonNode t) {
        List<String> flags = new ArrayList<>();
        t.path("flag_names").forEach(f -> flags.add(f.asText()));
        line(lines, "tcp", t.path("src_port").asInt() + " > " + t.path("dst_port").asInt()
                + " [" + String.join(",", flags) + "] seq " + t.path("seq").asLong() + " ack " + t.path("ack").asLong()
                + " win " + t.path("window").asInt() + " hdr " + t.path("header_length").asInt()
                + " payload " + t.path("payload_length").asInt()
                + String.format(" checksum 0x%04x %s", t.path("checksum").asInt(), t.path("checksum_status").asText()));
        if (!t.path("options").isEmpty() || t.has("options_error")) {
            line(lines, "options", options(t));
        }
        payload(lines, t);
    }

    private static void udp(List<String> lines, JsonNode u) {
        line(lines, "udp", u.path("src_port").asInt() + " > " + u.path("dst_port").asInt()
                + " len " + u.path("length").asInt() + " payload " + u.path("payload_length").asInt()
                + String.format(" checksum 0x%04x %s", u.path("checksum").asInt(), u.path("checksum_status").asText())
                + (u.path("surplus_length").asInt() > 0 ? " surplus " + u.get("surplus_length").asInt() : ""));
        if (u.has("ocs_status")) {
            String ocs = u.path("ocs").isNull() ? "none" : String.format("0x%04x", u.path("ocs").asInt());
            line(lines, "udp-opts", "ocs " + ocs + " " + u.get("ocs_status").asText()
                    + (u.has("options") ? "; " + options(u) : ""));
        }
        payload(lines, u);
    }

    private static void icmp(List<String> lines, JsonNode i) {
        StringBuilder sb = new StringBuilder();
        sb.append(i.path("type").asInt()).append('/').append(i.path("code").asInt()).append(' ').append(i.path("type_name").asText());
        if (i.has("code_name")) {
            sb.append(' ').append(i.get("code_name").asText());
        }
        if (i.has("mtu")) {
            sb.append(" mtu ").append(i.get("mtu").asLong());
        }
        sb.append(String.format(" checksum 0x%04x %s", i.path("checksum").asInt(), i.path("checksum_status").asText()));
        line(lines, "icmp", sb.toString());
        if (i.has("quote")) {
            JsonNode q = i.get("quote");
            StringBuilder qs = new StringBuilder();
            qs.append(q.path("length").asInt()).append(" bytes, ").append(q.path("status").asText());
            if (q.has("src")) {
                qs.append(": ").append(endpoint(q.get("src").asText(), q.path("src_port")))
                        .append(" > ").append(endpoint(q.path("dst").asText(), q.path("dst_port")))
                        .append(' ').append(q.path("protocol_name").asText());
            }
            if (q.has("redirect") && !"absent".equals(q.get("redirect").path("status").asText())) {
                qs.append(", redirect ").append(redirect(q.get("redirect")));
            }
            line(lines, "quote", qs.toString());
        } else {
            payload(lines, i);
        }
    }

    /** ADDR:PORT, with the IPv6 address in brackets so the port stays readable. */
    private static String endpoint(String address, JsonNode port) {
        if (port.isMissingNode()) {
            return address;
        }
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port.asInt();
    }

    private static void payload(List<String> lines, JsonNode layer) {
        int n = layer.path("payload_length").asInt();
        if (n > 0) {
            String hex = layer.path("payload").asText();
            line(lines, "payload", n + " bytes " + (hex.length() > MAX_PAYLOAD_HEX ? hex.substring(0, MAX_PAYLOAD_HEX) + "..." : hex));
        }
    }

    private static String options(JsonNode layer) {
        List<String> parts = new ArrayList<>();
        for (JsonNode o : layer.path("options")) {
            StringBuilder sb = new StringBuilder(o.path("name").asText());
            if (o.has("mss")) {
                sb.append(' ').append(o.get("mss").asInt());
            } else if (o.has("shift")) {
                sb.append(' ').append(o.get("shift").asInt());
            } else if (o.has("tsval")) {
                sb.append(" val ").append(o.get("tsval").asLong()).append(" ecr ").append(o.get("tsecr").asLong());
            } else if (o.has("blocks")) {
                o.get("blocks").forEach(bl -> sb.append(' ').append(bl.get(0).asLong()).append('-').append(bl.get(1).asLong()));
            } else if (o.has("exid")) {
                sb.append(String.format(" exid 0x%04x", o.get("exid").asInt())).append(" data ").append(o.path("data").asText());
            } else if (o.has("data")) {
                sb.append(" len ").append(o.path("length").asInt()).append(" data ").append(o.get("data").asText());
            }
            parts.add(sb.toString());
        }
        String s = parts.isEmpty() ? "none" : String.join(", ", parts);
        if (layer.has("options_error")) {
            s += " | broken: " + layer.get("options_error_text").asText();
        }
        return s;
    }

    private static String redirect(JsonNode r) {
        String status = r.path("status").asText();
        return switch (status) {
            case "present" -> r.path("text").asText() + String.format(" (flags 0x%02x, option length %d)", r.path("flags").asInt(), r.path("length").asInt());
            case "malformed" -> "malformed: " + r.path("reason_text").asText() + " (" + r.path("reason").asText() + ")";
            default -> "absent";
        };
    }
}
