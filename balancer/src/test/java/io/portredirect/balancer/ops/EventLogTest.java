package io.portredirect.balancer.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogTest {
    @Test
    void oneLineOfKeyValuePairsWithQuotingWhereNeeded() {
        String line = EventLog.format("warn", "reload_failed", "file", "/etc/b.yaml", "line", 12, "error",
                "b.yaml:12: servers[0].weight: 'x' is not an integer", "empty", "", "multi", "a\nb");
        assertTrue(line.matches("ts=\\S+Z level=warn event=reload_failed .*"), line);
        assertTrue(line.endsWith(" file=/etc/b.yaml line=12 error=\"b.yaml:12: servers[0].weight: 'x' is not an integer\""
                + " empty=\"\" multi=\"a\\nb\""), line);
        assertEquals(-1, line.indexOf('\n'));
    }

    @Test
    void valuesWithEqualsOrQuotesAreQuotedAndEscaped() {
        String line = EventLog.format("info", "e", "k", "a=b", "q", "say \"hi\"");
        assertTrue(line.endsWith(" k=\"a=b\" q=\"say \\\"hi\\\"\""), line);
    }
}
