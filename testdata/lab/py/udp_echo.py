#!/usr/bin/env python3
"""Sends COUNT datagrams to HOST:PORT, each from a fresh socket (a new source port: a new flow, and
through the client agent a new negotiation), and prints how many came back intact.

    udp_echo.py HOST:PORT COUNT
"""
import socket
import sys


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ok = 0
    for i in range(int(sys.argv[2])):
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            msg = b"datagram %d" % i
            s.sendto(msg, (host.strip("[]"), int(port)))
            try:
                if s.recv(2048) == msg:
                    ok += 1
            except socket.timeout:
                pass
    print(ok)


if __name__ == "__main__":
    main()
