package io.portredirect.protocol.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogTest {
    private static final PrintStream STDERR = System.err;

    @AfterEach
    void restore() {
        System.setErr(STDERR);
        LogLevel.debug(false);
    }

    private static String captured(Runnable r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(STDERR);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void oneLineOfKeyValuePairsWithQuotingWhereNeeded() {
        String line = captured(() -> EventLog.warn("reload_failed", "file", "/etc/b.yaml", "line", 12, "error",
                "b.yaml:12: servers[0].weight: 'x' is not an integer", "empty", "", "multi", "a\nb"));
        assertTrue(line.matches("ts=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=warn event=reload_failed .*\n"), line);
        assertTrue(line.endsWith(" file=/etc/b.yaml line=12 error=\"b.yaml:12: servers[0].weight: 'x' is not an integer\""
                + " empty=\"\" multi=\"a\\nb\"\n"), line);
        assertEquals(line.length() - 1, line.indexOf('\n'));
    }

    @Test
    void valuesWithEqualsOrQuotesAreQuotedAndEscaped() {
        assertEquals("event=e k=\"a=b\" q=\"say \\\"hi\\\"\" extra=x", KeyValues.message("e", "k", "a=b", "q", "say \"hi\"", "x"));
    }

    @Test
    void debugEventsOnlyWhenSwitchedOn() {
        assertEquals("", captured(() -> EventLog.debug("probe", "n", 1)));
        LogLevel.debug(true);
        assertTrue(captured(() -> EventLog.debug("probe", "n", 1)).contains(" level=debug event=probe n=1\n"));
    }

    @Test
    void freeTextFromOtherLoggersKeepsTheKeyValueShape() {
        String line = captured(() -> LoggerFactory.getLogger("io.portredirect.x.ClientRuntime").info("listening on {}", "0.0.0.0:80"));
        assertTrue(line.endsWith(" level=info event=log logger=ClientRuntime msg=\"listening on 0.0.0.0:80\"\n"), line);
    }
}
