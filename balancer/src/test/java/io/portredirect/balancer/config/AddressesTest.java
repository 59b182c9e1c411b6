package io.portredirect.balancer.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AddressesTest {
    @Test
    void rfc5952() throws Exception {
        String[][] cases = {{"2001:2::10", "2001:2::10"}, {"2001:2:0:2::2", "2001:2:0:2::2"}, {"::1", "::1"}, {"::", "::"},
                {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"}, {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
                {"fe80::", "fe80::"}, {"198.18.0.10", "198.18.0.10"}};
        for (String[] c : cases) {
            assertEquals(c[1], Addresses.format(InetAddress.getByName(c[0])), c[0]);
        }
    }
}
