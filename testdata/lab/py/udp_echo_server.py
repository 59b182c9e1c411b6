#!/usr/bin/env python3
"""The lab servers' UDP echo: answers every datagram with its own bytes, from the address it
was sent to, on one socket in one loop.

    udp_echo_server.py ADDRESS PORT      (ADDRESS 0.0.0.0 for any)

It replaces socat UDP4-RECVFROM,fork: each socat child inherits the listening socket and, when
one misses its exit, keeps reading datagrams meant for the parent and never answers them. A lab
run then loses every datagram of some flows (seen: a stuck child, minutes old, in pselect on the
shared socket), which looks like a balancer fault.
"""
import socket
import sys


def main():
    address, port = sys.argv[1], int(sys.argv[2])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.bind((address, port))
        while True:
            data, peer = s.recvfrom(65535)
            try:
                s.sendto(data, peer)
            except OSError:
                pass  # e.g. no route back: the next datagram is answered as usual


if __name__ == "__main__":
    main()
