package io.portredirect.protocol.wire;

import io.portredirect.protocol.packet.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TcpOptionWalker and RedirectOptionScan over a table of option areas, one line each:
 * the area in hex | the options visited (name/length at offset) | the walk's verdict | the scan.
 */
class TcpOptionWalkerTest {
    // FD = 253, 5244 = ExID "RD"
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
        empty area                  |                                   |                                                  | ok                         | absent
        EOL only                    | 00 00 00 00                       | EOL/1@0                                          | ok                         | absent
        NOPs                        | 01 01 01 01                       | NOP/1@0 NOP/1@1 NOP/1@2 NOP/1@3                  | ok                         | absent
        MSS                         | 02 04 05 b4                       | MSS/4@0                                          | ok                         | absent
        WS                          | 01 03 03 07                       | NOP/1@0 WS/3@1                                   | ok                         | absent
        SACK permitted              | 04 02 01 01                       | SACK_PERM/2@0 NOP/1@2 NOP/1@3                    | ok                         | absent
        SACK one block              | 01 01 05 0a 00 00 00 01 00 00 00 02 | NOP/1@0 NOP/1@1 SACK/10@2                      | ok                         | absent
        SACK four blocks            | 05 22 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 | SACK/34@0 | ok     | absent
        timestamps                  | 01 01 08 0a 00 00 00 01 00 00 00 00 | NOP/1@0 NOP/1@1 TS/10@2                        | ok                         | absent
        Linux SYN options           | 02 04 05 b4 04 02 08 0a 00 01 02 03 00 00 00 00 01 03 03 07 | MSS/4@0 SACK_PERM/2@4 TS/10@6 NOP/1@16 WS/3@17 | ok | absent
        unknown kind skipped        | 1e 04 aa bb 01 01 01 01           | kind30/4@0 NOP/1@4 NOP/1@5 NOP/1@6 NOP/1@7       | ok                         | absent
        unknown kind len 2          | 63 02 01 01                       | kind99/2@0 NOP/1@2 NOP/1@3                       | ok                         | absent
        bytes after EOL ignored     | 00 ff ff ff                       | EOL/1@0                                          | ok                         | absent
        REDIRECT alone              | 01 01 01 fd 05 52 44 01           | NOP/1@0 NOP/1@1 NOP/1@2 EXP1/5@3                 | ok                         | REDIRECT
        CONFIRM + port first        | fd 07 52 44 02 1f 41 01           | EXP1/7@0 NOP/1@7                                 | ok                         | REDIRECT_CONFIRM port=8001
        redirect in the middle      | 02 04 05 b4 fd 07 52 44 01 1f 42 01 01 03 03 07 | MSS/4@0 EXP1/7@4 NOP/1@11 NOP/1@12 WS/3@13 | ok | REDIRECT port=8002
        redirect last after TS      | 01 01 08 0a 00 00 00 01 00 00 00 00 01 fd 07 52 44 03 ff ff | NOP/1@0 NOP/1@1 TS/10@2 NOP/1@12 EXP1/7@13 | ok | 'REDIRECT|REDIRECT_CONFIRM port=65535'
        unknown flag bits ignored   | 01 01 01 fd 05 52 44 fd           | NOP/1@0 NOP/1@1 NOP/1@2 EXP1/5@3                 | ok                         | 'REDIRECT|0xfc'
        no known flag               | 01 01 01 fd 05 52 44 00           | NOP/1@0 NOP/1@1 NOP/1@2 EXP1/5@3                 | ok                         | none
        port 0 is malformed         | 01 fd 07 52 44 02 00 00           | NOP/1@0 EXP1/7@1                                 | ok                         | malformed (redirect option port 0)
        len 6 is malformed          | 01 01 fd 06 52 44 01 00           | NOP/1@0 NOP/1@1 EXP1/6@2                         | ok                         | malformed (redirect option length not 5 or 7)
        len 4 is malformed          | fd 04 52 44                       | EXP1/4@0                                         | ok                         | malformed (redirect option length not 5 or 7)
        len 8 is malformed          | fd 08 52 44 01 1f 41 00           | EXP1/8@0                                         | ok                         | malformed (redirect option length not 5 or 7)
        duplicate                   | 01 01 01 fd 05 52 44 01 01 01 01 fd 05 52 44 02 | NOP/1@0 NOP/1@1 NOP/1@2 EXP1/5@3 NOP/1@8 NOP/1@9 NOP/1@10 EXP1/5@11 | ok | malformed (more than one redirect option)
        other experiment on 253     | fd 06 12 34 aa bb 01 01           | EXP1/6@0 NOP/1@6 NOP/1@7                         | ok                         | absent
        kind 254 with our ExID      | fe 05 52 44 01 01 01 01           | EXP2/5@0 NOP/1@5 NOP/1@6 NOP/1@7                 | ok                         | absent
        253 too short for an ExID   | fd 03 52 01                       | EXP1/3@0 NOP/1@3                                 | ok                         | absent
        redirect after EOL unseen   | 00 01 01 fd 05 52 44 01           | EOL/1@0                                          | ok                         | absent
        length byte missing         | 01 01 01 02                       | NOP/1@0 NOP/1@1 NOP/1@2                          | TRUNCATED_OPTION           | malformed (option length byte missing)
        length 0                    | 1e 00 01 01                       |                                                  | OPTION_LENGTH_TOO_SMALL    | malformed (option length below 2)
        length 1                    | 01 1e 01 01                       | NOP/1@0                                          | OPTION_LENGTH_TOO_SMALL    | malformed (option length below 2)
        past the end                | 01 01 1e 08 00 00                 | NOP/1@0 NOP/1@1                                  | OPTION_PAST_END            | malformed (option runs past the end of the option area)
        redirect past the end       | 01 01 01 fd 07 52 44 01           | NOP/1@0 NOP/1@1 NOP/1@2                          | OPTION_PAST_END            | malformed (option runs past the end of the option area)
        MSS length 3                | 02 03 05 01                       |                                                  | BAD_KNOWN_OPTION_LENGTH    | malformed (well-known option with wrong length)
        WS length 4                 | 03 04 07 01                       |                                                  | BAD_KNOWN_OPTION_LENGTH    | malformed (well-known option with wrong length)
        SACK permitted length 3     | 04 03 00 01                       |                                                  | BAD_KNOWN_OPTION_LENGTH    | malformed (well-known option with wrong length)
        TS length 8                 | 08 08 00 00 00 00 00 00           |                                                  | BAD_KNOWN_OPTION_LENGTH    | malformed (well-known option with wrong length)
        SACK length 6               | 05 06 00 00 00 00 01 01           |                                                  | BAD_KNOWN_OPTION_LENGTH    | malformed (well-known option with wrong length)
        good redirect, broken later | fd 05 52 44 01 1e 09 00           | EXP1/5@0                                         | OPTION_PAST_END            | malformed (option runs past the end of the option area)
        """)
    void walksAndScans(String name, String hex, String visited, String verdict, String scan) {
        byte[] area = hex == null ? new byte[0] : Bytes.fromHex(hex);
        // the area sits inside a larger buffer so a walk that strays out of it is caught
        byte[] buf = new byte[area.length + 8];
        java.util.Arrays.fill(buf, (byte) 0x02);
        System.arraycopy(area, 0, buf, 4, area.length);
        List<String> seen = new ArrayList<>();
        MalformedReason why = TcpOptionWalker.walk(buf, 4, area.length, (b, off, kind, len) -> {
            seen.add(TcpOptionWalker.kindName(kind) + "/" + len + "@" + (off - 4));
            return true;
        });
        assertEquals(visited == null ? "" : visited, String.join(" ", seen), name + " visited");
        assertEquals(verdict, why == null ? "ok" : why.name(), name + " verdict");
        assertEquals(scan, new RedirectOptionScan().scanTcp(buf, 4, area.length).toString(), name + " scan");
    }

    @Test
    void visitorCanStopTheWalk() {
        byte[] area = Bytes.fromHex("01 01 02 04 05 b4 01 01");
        List<Integer> kinds = new ArrayList<>();
        MalformedReason why = TcpOptionWalker.walk(area, 0, area.length, (b, off, kind, len) -> {
            kinds.add(kind);
            return kind != 2;
        });
        assertEquals(null, why);
        assertEquals(List.of(1, 1, 2), kinds);
    }

    @Test
    void scanRecordsWhereTheOptionSits() {
        byte[] area = Bytes.fromHex("02 04 05 b4 01 fd 07 52 44 02 1f 41");
        RedirectOptionScan scan = new RedirectOptionScan().scanTcp(area, 0, area.length);
        assertTrue(scan.isPresent());
        assertTrue(scan.isConfirm());
        assertFalse(scan.isRedirect());
        assertEquals(5, scan.optionOffset());
        assertEquals(7, scan.optionLength());
        assertEquals(RedirectExtension.confirm(8001), scan.toExtension());
    }

    @Test
    void reusedScanForgetsThePreviousResult() {
        RedirectOptionScan scan = new RedirectOptionScan();
        byte[] bad = Bytes.fromHex("01 fd 07 52 44 02 00 00");
        scan.scanTcp(bad, 0, bad.length);
        assertTrue(scan.isMalformed());
        byte[] none = Bytes.fromHex("02 04 05 b4");
        scan.scanTcp(none, 0, none.length);
        assertEquals(RedirectOptionScan.Status.ABSENT, scan.status());
        assertEquals(null, scan.reason());
        assertEquals(-1, scan.optionOffset());
        assertEquals(null, scan.toExtension());
    }
}
