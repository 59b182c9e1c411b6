#!/usr/bin/env python3
"""ICMP echo without a ping binary (raw socket, root): prints "ANSWERED/SENT" for each SIZE given.

    icmp_echo.py HOST SIZE:COUNT [SIZE:COUNT ...]      e.g. icmp_echo.py 198.18.0.10 56:3 2000:2
"""
import os
import socket
import struct
import sys
import time


def checksum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo(host, size, count):
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        ident, ok = os.getpid() & 0xFFFF, 0
        for seq in range(1, count + 1):
            body = struct.pack("!HH", ident, seq) + bytes(size)
            s.sendto(struct.pack("!BBH", 8, 0, checksum(b"\x08\x00\x00\x00" + body)) + body, (host, 0))
            deadline = time.monotonic() + 1
            while time.monotonic() < deadline:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    data = s.recv(4096)
                except socket.timeout:
                    break
                ihl = (data[0] & 15) * 4
                if data[ihl] == 0 and struct.unpack("!HH", data[ihl + 4:ihl + 8]) == (ident, seq):
                    ok += 1
                    break
        return "%d/%d" % (ok, count)


def main():
    host = sys.argv[1]
    print(" ".join(echo(host, int(a.split(":")[0]), int(a.split(":")[1])) for a in sys.argv[2:]))


if __name__ == "__main__":
    main()
