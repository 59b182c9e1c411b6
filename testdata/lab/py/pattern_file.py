#!/usr/bin/env python3
"""Writes SIZE bytes where byte i is i % 251 (a prime: a shifted or repeated block shows), for
transfers whose integrity a reader checks (testdata/lab/streams.py).

    pattern_file.py SIZE FILE
"""
import sys


def main():
    n = int(sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write((bytes(range(251)) * (n // 251 + 1))[:n])


if __name__ == "__main__":
    main()
