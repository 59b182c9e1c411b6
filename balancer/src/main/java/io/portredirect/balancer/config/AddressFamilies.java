package io.portredirect.balancer.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/** IPv4/IPv6 checks shared by the sections: several keys allow one address per family. */
final class AddressFamilies {
    private AddressFamilies() {
    }

    static boolean sameFamily(List<InetAddress> list, InetAddress a) {
        for (InetAddress b : list) {
            if ((b instanceof Inet4Address) == (a instanceof Inet4Address)) {
                return true;
            }
        }
        return false;
    }

    static String family(InetAddress a) {
        return a instanceof Inet4Address ? "IPv4" : "IPv6";
    }
}
