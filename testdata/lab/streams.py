#!/usr/bin/env python3
"""Long-lived paced HTTP downloads for lab failover runs: are they all intact, and how long did each stall?

    streams.py [--seconds S] [--rate BYTES_PER_S] [--path /stream.bin] [--status FILE] TARGET...

Each TARGET (host:port, [v6]:port) gets one connection that GETs PATH and reads it at RATE with a
small receive buffer (so a stalled path shows as a gap between reads, not hidden by buffering),
for S seconds or until the body ends. The body must be the lab's pattern file (byte i = i % 251),
which testdata/lab/lab.sh does not create: the caller writes it (see bin/demo). Prints one JSON
object: per connection the bytes read, whether the content checked out, the longest gap between
two reads (ms) and the error, if any. While running, FILE (if given) is rewritten every 200 ms with
"done total bytes broken" for progress displays. Exit 0 when no connection broke, 1 otherwise.
Runs inside the client namespace: ip netns exec PREFIX-client python3 streams.py ...
"""
import argparse
import json
import socket
import sys
import threading
import time

CHUNK = 4096


def parse_target(text):
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return host, int(port), socket.AF_INET6
    host, _, port = text.rpartition(":")
    return host, int(port), socket.AF_INET


class Stream(threading.Thread):
    def __init__(self, target, path, rate, seconds):
        super().__init__(daemon=True)
        self.target = target
        self.path = path
        self.rate = rate
        self.seconds = seconds
        self.bytes = 0
        self.max_gap = 0.0
        self.error = None
        self.content_ok = True
        self.done = False

    def run(self):
        host, port, family = parse_target(self.target)
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            s.settimeout(15)
            s.connect((host, port))
            s.sendall(("GET %s HTTP/1.0\r\nHost: lab\r\n\r\n" % self.path).encode())
            head = b""
            while b"\r\n\r\n" not in head:
                b = s.recv(CHUNK)
                if not b:
                    raise ConnectionError("closed before the HTTP header ended")
                head += b
            header, _, body = head.partition(b"\r\n\r\n")
            if not header.startswith(b"HTTP/1.0 200") and not header.startswith(b"HTTP/1.1 200"):
                raise ConnectionError(header.split(b"\r\n")[0].decode(errors="replace"))
            self.check(body)
            start = time.monotonic()
            last = start
            while time.monotonic() - start < self.seconds:
                b = s.recv(CHUNK)
                now = time.monotonic()
                if not b:
                    break
                self.max_gap = max(self.max_gap, now - last)
                last = now
                self.check(b)
                # pace: where we should be at RATE
                ahead = self.bytes / self.rate - (now - start)
                if ahead > 0:
                    time.sleep(ahead)
                    last = time.monotonic()
            s.close()
        except Exception as e:  # a broken connection is the result we report, not a crash
            self.error = "%s: %s" % (type(e).__name__, e)
        self.done = True

    def check(self, data):
        # byte i of the file is i % 251 (a prime, so no alignment with buffer sizes hides a gap)
        base = self.bytes
        for j in range(0, len(data), 997):
            if data[j] != (base + j) % 251:
                self.content_ok = False
                break
        self.bytes += len(data)

    def result(self):
        return {"target": self.target, "bytes": self.bytes, "content_ok": self.content_ok,
                "max_gap_ms": round(self.max_gap * 1000), "error": self.error}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rate", type=int, default=1_000_000)
    ap.add_argument("--path", default="/stream.bin")
    ap.add_argument("--status")
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    streams = [Stream(t, a.path, a.rate, a.seconds) for t in a.targets]
    for s in streams:
        s.start()
    deadline = time.monotonic() + a.seconds + 30
    while any(not s.done for s in streams) and time.monotonic() < deadline:
        if a.status:
            done = sum(s.done for s in streams)
            broken = sum(1 for s in streams if s.error or not s.content_ok)
            with open(a.status + ".tmp", "w") as f:
                f.write("%d %d %d %d\n" % (done, len(streams), sum(s.bytes for s in streams), broken))
            import os
            os.replace(a.status + ".tmp", a.status)
        time.sleep(0.2)
    results = [s.result() for s in streams]
    for s, r in zip(streams, results):
        if not s.done:
            r["error"] = "still running after the deadline"
    broken = [r for r in results if r["error"] or not r["content_ok"]]
    print(json.dumps({"connections": len(results), "broken": len(broken),
                      "max_gap_ms": max(r["max_gap_ms"] for r in results), "streams": results}))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
