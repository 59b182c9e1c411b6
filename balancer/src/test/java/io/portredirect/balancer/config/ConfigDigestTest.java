package io.portredirect.balancer.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The digest follows what the config means, not how the file spells it. */
class ConfigDigestTest {
    private static final String A = """
            # two servers
            vips: [198.18.0.10]
            network: {interface: net0, mac: auto, next-hop: [198.18.0.2], next-hop-mac: auto}
            servers:
              - {name: s1, interface: srv1, mac: 02:00:00:00:11:02, mode: l2, service-ports: ["8001", "9001/udp"]}
              - {name: s2, interface: srv2, mac: 02:00:00:00:12:02, mode: l2, weight: 2, service-ports: ["8002"]}
            redirect-ports:
              - {port: 80, protocols: [tcp, udp], group: [s1, s2]}
            """;
    /** A with other comments, block style, keys in another order, quotes and a default written out. */
    private static final String SAME = """
            servers:
              - service-ports: [8001, 9001/udp]   # quotes are optional
                name: s1
                mode: l2
                mac: 02:00:00:00:11:02
                interface: srv1
                weight: 1
              - {weight: 2, name: s2, interface: srv2, mac: 02:00:00:00:12:02, mode: l2, service-ports: ["8002"]}
            redirect-ports:
              - {group: [s1, s2], protocols: [udp, tcp], port: 80}
            network:
              next-hop-mac: auto
              next-hop: [198.18.0.2]
              mac: auto
              interface: net0

            vips:
              - 198.18.0.10
            """;

    private static String digest(String yaml) throws Exception {
        return ConfigDigest.of(ConfigLoader.parse(yaml, "b.yaml"));
    }

    @Test
    void commentsLayoutAndKeyOrderDoNotCount() throws Exception {
        assertTrue(digest(A).matches("[0-9a-f]{12}"), digest(A));
        assertEquals(digest(A), digest(SAME));
    }

    @Test
    void aChangedPortChangesIt() throws Exception {
        assertNotEquals(digest(A), digest(A.replace("\"8002\"", "\"8012\"")));
        assertNotEquals(digest(A), digest(A.replace("port: 80,", "port: 81,")));
        assertNotEquals(digest(A), digest(A.replace("weight: 2", "weight: 3")));
    }

    @Test
    void perVipKeysChangeIt() throws Exception {
        String twoVips = A.replace("vips: [198.18.0.10]", "vips: [198.18.0.10, 198.18.0.20]");
        String narrowed = twoVips.replace("service-ports: [\"8002\"]}", "service-ports: [\"8002\"], service-vips: [198.18.0.20]}");
        assertNotEquals(twoVips, narrowed, "fixture replacement did not apply");
        assertNotEquals(digest(twoVips), digest(narrowed));
        String redirectNarrowed = twoVips.replace("group: [s1, s2]}", "group: [s1, s2], vips: [198.18.0.10]}");
        assertNotEquals(twoVips, redirectNarrowed, "fixture replacement did not apply");
        assertNotEquals(digest(twoVips), digest(redirectNarrowed));
        assertNotEquals(digest(redirectNarrowed), digest(redirectNarrowed.replace("vips: [198.18.0.10]}", "vips: [198.18.0.20]}")));
        assertTrue(ConfigDigest.canonical(ConfigLoader.parse(narrowed, "b.yaml")).contains("servers[1].service-vips=198.18.0.20\n"));
    }

    /** Configs without per-VIP keys keep the digest they had before the keys existed. */
    @Test
    void absentPerVipKeysAddNoLines() throws Exception {
        String canonical = ConfigDigest.canonical(ConfigLoader.parse(A, "b.yaml"));
        assertFalse(canonical.contains("service-vips=") || canonical.contains("].vips="), canonical);
    }

    @Test
    void theSameFileGivesTheSameDigestAsLoadedFromDisk() throws Exception {
        var file = ConfigLoaderTest.TESTDATA.resolve("sample.yaml");
        assertEquals(ConfigDigest.of(ConfigLoader.load(file)), digest(Files.readString(file)));
    }
}
