#!/usr/bin/env python3
"""Prints one value out of a JSON file, for the shell scripts (bin/demo, bin/bench, scaleout.sh).

    json_get.py FILE|- EXPR [DEFAULT]

EXPR is a Python expression over `d`, the parsed document: the whole file, or its last line that
starts with "{" when the file holds log lines around the JSON (iperf3, netbench.py). Prints DEFAULT
(or nothing) when the file is missing or unreadable, or EXPR fails: a script's table then shows it
as missing instead of stopping.
"""
import json
import sys


def load(path):
    text = sys.stdin.read() if path == "-" else open(path).read()
    try:
        return json.loads(text)
    except ValueError:
        lines = [l for l in text.splitlines() if l.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else {}


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    default = sys.argv[3] if len(sys.argv) > 3 else ""
    try:
        v = eval(sys.argv[2], {"d": load(sys.argv[1])})
    except Exception:
        v = None
    print(default if v is None else v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
