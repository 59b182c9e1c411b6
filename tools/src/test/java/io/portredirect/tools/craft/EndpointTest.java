package io.portredirect.tools.craft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointTest {
    @Test
    void parsesTheForms() {
        assertEquals("198.18.0.1:80", Endpoint.parse("198.18.0.1:80").toString());
        assertEquals("198.18.0.1:0", Endpoint.parse("198.18.0.1").toString());
        Endpoint v6 = Endpoint.parse("[2001:2::1]:8081");
        assertTrue(v6.isIpv6());
        assertEquals(8081, v6.port());
        assertEquals(0, Endpoint.parse("2001:2::fe").port());
        assertEquals(65535, Endpoint.parse("198.18.0.1:65535").port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost:80", "example.com", "198.18.0.1:65536", "198.18.0.256:1", "[198.18.0.1]:80", "[2001:2::1", "1.2.3:4", "[zz::1]:1"})
    void refusesEverythingElse(String s) {
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse(s));
    }
}
