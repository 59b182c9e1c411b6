#!/usr/bin/env python3
"""Small load tools for bin/bench, run inside the lab namespaces. Every mode is bounded in count
and time and prints one JSON line (times in microseconds).

  netbench.py echo-server PORT...            TCP echo on every PORT (IPv4+IPv6 wildcard) until SIGTERM
  netbench.py rtt HOST PORT COUNT [poll]     connect() to a CLOSED port COUNT times: SYN out, RST back;
                                             "poll": the client polls for the answer instead of
                                             sleeping, so its own wake-up is not in the figure
  netbench.py wake COUNT                     this machine's wake-up cost: a 1-byte round trip over
                                             pipes between two processes, on one CPU and on two
  netbench.py setup HOST PORT COUNT          COUNT sequential new connections: connect + 1-byte echo
                                             (the set-up time an application sees), then RST-close
  netbench.py setup-ab HOST:PORT HOST:PORT COUNT [WARMUP]
                                             the same, alternating between two targets connection by
                                             connection (a direct path and a proxied one, say), so
                                             load drift on a shared machine hits both alike; WARMUP
                                             connections to the second target first, not counted
  netbench.py rate HOST PORT SECONDS THREADS new connections (connect, 1-byte echo, RST-close) for
                                             SECONDS from THREADS threads: connections per second
  netbench.py hold HOST PORT N READY_FILE MAX_SECONDS
                                             opens N connections (each echoes one byte), writes
                                             READY_FILE, holds them until SIGTERM or MAX_SECONDS

Closing with RST (SO_LINGER 0) keeps TIME_WAIT from exhausting the client's ports across runs.
"""
import asyncio
import errno
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import threading
import time

LINGER_RST = struct.pack("ii", 1, 0)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ValueError, OSError):
        pass


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def pct(sorted_us, p):
    if not sorted_us:
        return None
    i = min(len(sorted_us) - 1, int(len(sorted_us) * p))
    return sorted_us[i]


def summary(us, extra):
    us = sorted(us)
    out = {"n": len(us), "min": us[0] if us else None, "p50": pct(us, 0.5), "p90": pct(us, 0.9), "p99": pct(us, 0.99),
           "max": us[-1] if us else None, "avg": (sum(us) // len(us)) if us else None}
    out.update(extra)
    return out


def one_echo(host, port, timeout=3.0):
    """connect + send 1 byte + read it back; returns microseconds. Raises on failure."""
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        t0 = time.perf_counter_ns()
        s.connect((host, port))
        s.sendall(b"x")
        if s.recv(1) != b"x":
            raise OSError("no echo")
        t = (time.perf_counter_ns() - t0) // 1000
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        return t
    finally:
        s.close()


def cmd_rtt(host, port, count, poll=False):
    us, lost = [], 0
    for i in range(count + 20):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        t0 = time.perf_counter_ns()
        try:
            rc = connect_polling(s, (host, port), t0) if poll else connect_sleeping(s, (host, port))
            if rc == 0:
                print(json.dumps({"error": "port %d is open; rtt needs a closed port" % port}))
                sys.exit(4)
            if rc == errno.ECONNREFUSED:
                if i >= 20:  # the first 20 warm up neighbour caches and the forwarders
                    us.append((time.perf_counter_ns() - t0) // 1000)
            else:
                lost += 1
        finally:
            s.close()
    print(json.dumps(summary(us, {"lost": lost, "client": "polling" if poll else "sleeping"})))


def connect_sleeping(s, addr):
    """connect() with a 1 s timeout: the thread sleeps until the answer; the errno (0: connected)."""
    s.settimeout(1.0)
    try:
        s.connect(addr)
        return 0
    except ConnectionRefusedError:
        return errno.ECONNREFUSED
    except (socket.timeout, OSError) as e:
        return e.errno or errno.ETIMEDOUT


def connect_polling(s, addr, t0):
    """Non-blocking connect, then poll(0) until the answer or 1 s: the thread never sleeps."""
    s.setblocking(False)
    rc = s.connect_ex(addr)
    if rc != errno.EINPROGRESS:
        return rc
    p = select.poll()
    p.register(s, select.POLLOUT | select.POLLERR)
    while not p.poll(0):
        if time.perf_counter_ns() - t0 > 1_000_000_000:
            return errno.ETIMEDOUT
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


def cmd_wake(count):
    """Round trips of one byte over two pipes between this process and a child, each pinned to a
    CPU: on one CPU the wake-up is a context switch, across CPUs it also wakes an idle CPU (on a
    virtual machine, an idle vCPU halts, and waking it goes through the hypervisor)."""
    out = {}
    cpus = sorted(os.sched_getaffinity(0))
    for name, (a, b) in (("same_cpu", (cpus[0], cpus[0])), ("cross_cpu", (cpus[0], cpus[-1]))):
        if name == "cross_cpu" and len(cpus) < 2:
            continue
        ab, ba = os.pipe(), os.pipe()
        pid = os.fork()
        if pid == 0:
            os.sched_setaffinity(0, {b})
            for _ in range(count + 50):
                os.read(ab[0], 1)
                os.write(ba[1], b"x")
            os._exit(0)
        os.sched_setaffinity(0, {a})
        us = []
        for i in range(count + 50):
            time.sleep(0.0002)  # the peer is asleep when the byte comes, as a server between requests
            t0 = time.perf_counter_ns()
            os.write(ab[1], b"x")
            os.read(ba[0], 1)
            if i >= 50:
                us.append((time.perf_counter_ns() - t0) // 1000)
        os.waitpid(pid, 0)
        for fd in ab + ba:
            os.close(fd)
        out[name] = summary(us, {})
    os.sched_setaffinity(0, set(cpus))
    print(json.dumps(out))


def cmd_setup(host, port, count):
    us, errors = [], 0
    for i in range(count + 10):
        try:
            t = one_echo(host, port)
            if i >= 10:
                us.append(t)
        except OSError:
            errors += 1
    print(json.dumps(summary(us, {"errors": errors})))


def cmd_setup_ab(a, b, count, warmup):
    (ha, pa), (hb, pb) = [(t.rsplit(":", 1)[0], int(t.rsplit(":", 1)[1])) for t in (a, b)]
    for _ in range(warmup):
        try:
            one_echo(hb, pb)
        except OSError:
            pass
    us = {"a": [], "b": []}
    errors = {"a": 0, "b": 0}
    for i in range(count + 10):
        order = (("a", ha, pa), ("b", hb, pb)) if i % 2 == 0 else (("b", hb, pb), ("a", ha, pa))
        for k, h, p in order:
            try:
                t = one_echo(h, p)
                if i >= 10:
                    us[k].append(t)
            except OSError:
                errors[k] += 1
    sa, sb = summary(us["a"], {"errors": errors["a"]}), summary(us["b"], {"errors": errors["b"]})
    added = sb["p50"] - sa["p50"] if sa["p50"] is not None and sb["p50"] is not None else None
    print(json.dumps({"a": sa, "b": sb, "added_p50": added}))


def cmd_rate(host, port, seconds, threads):
    stop = time.monotonic() + seconds
    done, errors, lat = [0] * threads, [0] * threads, [[] for _ in range(threads)]

    def worker(k):
        while time.monotonic() < stop:
            try:
                lat[k].append(one_echo(host, port))
                done[k] += 1
            except OSError:
                errors[k] += 1

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - t0
    all_lat = [x for l in lat for x in l]
    print(json.dumps(summary(all_lat, {"connections": sum(done), "errors": sum(errors), "seconds": round(wall, 3),
                                       "per_second": round(sum(done) / wall, 1), "threads": threads})))


async def hold(host, port, n, ready, max_seconds):
    sem = asyncio.Semaphore(256)
    conns, errors = [], 0

    async def open_one():
        nonlocal errors
        async with sem:
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
                w.write(b"x")
                await w.drain()
                if await asyncio.wait_for(r.readexactly(1), 10) != b"x":
                    raise OSError("no echo")
                conns.append((r, w))
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                errors += 1

    t0 = time.monotonic()
    await asyncio.gather(*(open_one() for _ in range(n)))
    with open(ready + ".tmp", "w") as f:
        f.write(json.dumps({"held": len(conns), "errors": errors, "open_seconds": round(time.monotonic() - t0, 3)}) + "\n")
    os.rename(ready + ".tmp", ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), max_seconds)
    except asyncio.TimeoutError:
        pass
    for _, w in conns:
        try:
            w.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        except OSError:
            pass
        w.close()


async def echo_server(ports):
    async def handle(r, w):
        try:
            while True:
                b = await r.read(65536)
                if not b:
                    break
                w.write(b)
                await w.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            w.close()

    servers = []
    for p in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", p))
        s.listen(4096)
        servers.append(await asyncio.start_server(handle, sock=s, backlog=4096))
    print(json.dumps({"echo": ports}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    raise_nofile()
    mode, a = argv[1], argv[2:]
    if mode == "echo-server":
        asyncio.run(echo_server([int(p) for p in a]))
    elif mode == "rtt":
        cmd_rtt(a[0], int(a[1]), int(a[2]), len(a) > 3 and a[3] == "poll")
    elif mode == "wake":
        cmd_wake(int(a[0]))
    elif mode == "setup":
        cmd_setup(a[0], int(a[1]), int(a[2]))
    elif mode == "setup-ab":
        cmd_setup_ab(a[0], a[1], int(a[2]), int(a[3]) if len(a) > 3 else 0)
    elif mode == "rate":
        cmd_rate(a[0], int(a[1]), float(a[2]), int(a[3]))
    elif mode == "hold":
        asyncio.run(hold(a[0], int(a[1]), int(a[2]), a[3], float(a[4])))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
