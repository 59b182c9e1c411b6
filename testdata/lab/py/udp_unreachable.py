#!/usr/bin/env python3
"""Sends one datagram from LOCAL_IP:LOCAL_PORT over a connected socket to a closed port and prints
what the socket saw: "ECONNREFUSED after N ms" when the ICMP port unreachable came back to it.

    udp_unreachable.py LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT
"""
import socket
import sys
import time


def main():
    local_ip, local_port, peer_ip, peer_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((local_ip, local_port))
        s.connect((peer_ip, peer_port))
        s.settimeout(3)
        t = time.monotonic()
        s.send(b"is anyone there?")
        try:
            s.recv(100)
            print("answered?")
        except ConnectionRefusedError:
            print("ECONNREFUSED after %.1f ms" % ((time.monotonic() - t) * 1000))
        except socket.timeout:
            print("no ICMP error within 3 s")


if __name__ == "__main__":
    main()
