package io.portredirect.balancer.replay;

import io.portredirect.balancer.decide.DropReason;
import io.portredirect.balancer.decide.Rule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a replay did: frames read, per server frames and bytes written to its pcap, drops by
 * reason and verdicts by rule.
 */
public record ReplaySummary(String input, long frames, Map<String, long[]> servers, Map<DropReason, Long> drops,
                            Map<Rule, Long> rules, List<String> outputs) {
    public ReplaySummary {
        servers = Map.copyOf(servers);
        drops = Map.copyOf(drops);
        rules = Map.copyOf(rules);
        outputs = List.copyOf(outputs);
    }

    public long dropped() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Frames sent to the named server. */
    public long framesTo(String server) {
        long[] v = servers.get(server);
        return v == null ? 0 : v[0];
    }

    /** A plain map for JSON output (stable key order). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", input);
        m.put("frames", frames);
        m.put("forwarded", frames - dropped());
        m.put("dropped", dropped());
        Map<String, Object> s = new LinkedHashMap<>();
        servers.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> s.put(e.getKey(), Map.of("frames", e.getValue()[0], "bytes", e.getValue()[1])));
        m.put("servers", s);
        Map<String, Long> d = new LinkedHashMap<>();
        drops.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> d.put(e.getKey().name(), e.getValue()));
        m.put("drops", d);
        Map<String, Long> r = new LinkedHashMap<>();
        rules.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> r.put(e.getKey().name(), e.getValue()));
        m.put("rules", r);
        m.put("outputs", outputs);
        return m;
    }

    /** The human-readable summary. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("replayed %d frames from %s: %d forwarded, %d dropped%n", frames, input, frames - dropped(), dropped()));
        servers.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(String.format("  %-16s %8d frames %10d bytes%n", e.getKey(), e.getValue()[0], e.getValue()[1])));
        if (!drops.isEmpty()) {
            sb.append("drops:\n");
            drops.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> sb.append(String.format("  %-24s %8d  %s%n", e.getKey(), e.getValue(), e.getKey().description())));
        }
        sb.append("rules:\n");
        rules.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(String.format("  %-24s %8d%n", e.getKey(), e.getValue())));
        return sb.toString();
    }
}
