#!/usr/bin/env python3
"""Kernel nft jhash vectors: run inside a network namespace holding the veth pair TX <-> RX.

    python3 jhash_vectors.py TX RX COUNT RAW_OUT < header > kernel-vectors.csv

Loads a netdev ingress table on RX whose rules compute, for every (modulus, seed, offset) in
COMBOS, `meta mark set jhash <addr> saddr . <proto> sport . <addr> daddr . <proto> dport .
meta l4proto mod N seed S [offset O]` and record (5-tuple, mark) in a dynamic set, one set per
family/protocol/combination. COUNT crafted frames per family/protocol (random client and VIP
from 198.18.0.0/15 and 2001:2::/48, random ports; fixed RNG seed so a rerun sends the same
flows) are sent out of TX over an AF_PACKET socket; the sets are then listed (nft -j) and printed
as CSV. The raw-key sets ("jhash @th|nh,OFF,BITS": every key length 1..24, 28, 32) go to RAW_OUT
as hex keys. Both files start with the comment read from stdin. The caller (jhash-vectors.sh) owns the namespace and removes it.
"""
import ipaddress
import json
import random
import socket
import struct
import subprocess
import sys
import time
import zlib

TABLE = "prjh_jhash"
# (modulus, seed, offset): a power of two, small primes, 65537 (> 16 bits), 2^32-1 (exposes
# nearly the whole 32-bit jhash: reciprocal_scale(h, 2^32-1) = h - 1 for h > 0), one offset
COMBOS = [
    (2, 0x0, 0),
    (7, 0xdeadbeef, 0),
    (1024, 0x12345678, 0),
    (65537, 0x0, 0),
    (65537, 0x9e3779b9, 0),
    (65537, 0xffffffff, 0),
    (4294967295, 0x0, 0),
    (4294967295, 0xcafef00d, 0),
    (100, 0x1, 1000),
]
FLOWS = [(4, "tcp"), (4, "udp"), (6, "tcp"), (6, "udp")]
# raw keys of every tail length: "jhash @BASE,OFF,BITS" hashes BITS/8 bytes of the packet unpadded
# (a lone expression, not a concatenation): IPv4/TCP packets from the TCP header (sport, dport,
# seq, ack: 1..12 bytes, all varying), IPv6/UDP packets from nh+8 (saddr, daddr: 13..32 bytes)
RAW = [(4, "tcp", "th,0", n) for n in range(1, 13)] + [(6, "udp", "nh,64", n) for n in list(range(13, 25)) + [28, 32]]
RAW_MOD, RAW_SEED = 4294967295, 0x2545f491
PROTO_NUM = {"tcp": 6, "udp": 17}


def set_name(fam, proto, i):
    return f"s{fam}{proto}{i}"


def raw_set_name(fam, n):
    return f"r{fam}len{n}"


def set_decl(name, fam):
    addr = "ipv4_addr" if fam == 4 else "ipv6_addr"
    return f"  set {name} {{ type {addr} . inet_service . {addr} . inet_service . mark; size 65535; flags dynamic; }}"


def flow_concat(fam, proto):
    ip = "ip" if fam == 4 else "ip6"
    return f"{ip} saddr . {proto} sport . {ip} daddr . {proto} dport"


def seq_ack(src, dst):
    """TCP seq and ack of a crafted segment: derived from the addresses, so the raw keys vary."""
    return zlib.crc32(src.packed + dst.packed), zlib.crc32(dst.packed + src.packed)


def raw_key(fam, src, sport, dst, dport, n):
    """The n bytes the raw load reads, as on the wire (see RAW)."""
    if fam == 4:
        return struct.pack("!HHII", sport, dport, *seq_ack(src, dst))[:n]
    return (src.packed + dst.packed)[:n]


def ruleset(rx):
    out = [f"table netdev {TABLE} {{"]
    rules = []
    for fam, proto in FLOWS:
        concat = flow_concat(fam, proto)
        for i, (mod, seed, off) in enumerate(COMBOS):
            name = set_name(fam, proto, i)
            out.append(set_decl(name, fam))
            offset = f" offset {off}" if off else ""
            rules.append(f"    meta mark set jhash {concat} . meta l4proto mod {mod} seed {seed:#x}{offset} "
                         f"add @{name} {{ {concat} . meta mark }}")
    for fam, proto, base, n in RAW:
        name = raw_set_name(fam, n)
        out.append(set_decl(name, fam))
        ip = "ip" if fam == 4 else "ip6"
        rules.append(f"    meta protocol {ip} meta l4proto {proto} meta mark set jhash @{base},{8 * n} "
                     f"mod {RAW_MOD} seed {RAW_SEED:#x} add @{name} {{ {flow_concat(fam, proto)} . meta mark }}")
    out.append(f'  chain in {{ type filter hook ingress device "{rx}" priority 0; policy accept;')
    out.extend(rules)
    out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4(proto, sport, dport, pseudo, seq, ack):
    if proto == "tcp":
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x10, 64240, 0, 0)
        c = csum(pseudo + hdr)
        return hdr[:16] + struct.pack("!H", c) + hdr[18:]
    hdr = struct.pack("!HHHH", sport, dport, 8 + 4, 0) + b"jh!\n"
    c = csum(pseudo + hdr) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + hdr[8:]


def frame(dst_mac, src_mac, fam, proto, src, sport, dst, dport):
    pn = PROTO_NUM[proto]
    seq, ack = seq_ack(src, dst)
    length = 20 if proto == "tcp" else 12
    if fam == 4:
        s, d = src.packed, dst.packed
        seg = l4(proto, sport, dport, s + d + struct.pack("!BBH", 0, pn, length), seq, ack)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0x1234, 0x4000, 64, pn, 0, s, d)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return dst_mac + src_mac + b"\x08\x00" + ip + seg
    s, d = src.packed, dst.packed
    seg = l4(proto, sport, dport, s + d + struct.pack("!IxxxB", length, pn), seq, ack)
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(seg), pn, 64, s, d)
    return dst_mac + src_mac + b"\x86\xdd" + ip + seg


def rand_addr(rng, fam):
    if fam == 4:
        return ipaddress.IPv4Address((198 << 24) | (18 << 16) | rng.getrandbits(17))  # 198.18.0.0/15
    return ipaddress.IPv6Address((0x20010002 << 96) | rng.getrandbits(80))  # 2001:2::/48: third group 0


def rand_port(rng, i):
    edges = (1, 65535, 80, 443)  # a few fixed ports next to random ones
    return edges[i] if i < len(edges) else rng.randrange(1, 65536)


def mac(dev):
    with open(f"/sys/class/net/{dev}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def num(v):
    # nft -j prints integers, but a mark or a port could come back as "0x.." or a string
    return v if isinstance(v, int) else int(v, 0)


def nft(args, stdin=None):
    return subprocess.run(["nft"] + args, input=stdin, check=True, capture_output=True, text=True).stdout


def main():
    tx, rx, count, raw_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    raw_header = sys.stdin.read()  # the caller's provenance comment, shared by both files
    nft(["-f", "-"], ruleset(rx))
    rng = random.Random(20261204)
    sent = {}
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((tx, 0))
    dst_mac, src_mac = mac(rx), mac(tx)
    for fam, proto in FLOWS:
        flows = set()
        while len(flows) < count:
            i = len(flows)
            flows.add((rand_addr(rng, fam), rand_port(rng, i), rand_addr(rng, fam), rand_port(rng, (i + 1) % count)))
        sent[(fam, proto)] = flows
        for src, sport, dst, dport in sorted(flows):
            sock.send(frame(dst_mac, src_mac, fam, proto, src, sport, dst, dport))
    time.sleep(0.5)
    ruleset_json = json.loads(nft(["-j", "list", "table", "netdev", TABLE]))
    elems = {}
    for obj in ruleset_json["nftables"]:
        if "set" in obj:
            elems[obj["set"]["name"]] = obj["set"].get("elem", [])

    def read(name, flows):
        got = {}
        for e in elems.get(name, []):
            c = e["concat"]
            got[(ipaddress.ip_address(c[0]), num(c[1]), ipaddress.ip_address(c[2]), num(c[3]))] = num(c[4])
        missing = flows - got.keys()
        if missing or len(got) != len(flows):
            sys.exit(f"jhash_vectors.py: set {name} holds {len(got)} flows, {len(missing)} sent ones missing")
        return got

    rows = []
    for fam, proto in FLOWS:
        for i, (mod, seed, off) in enumerate(COMBOS):
            got = read(set_name(fam, proto, i), sent[(fam, proto)])
            for (src, sport, dst, dport), h in sorted(got.items()):
                if not off <= h < off + mod:
                    sys.exit(f"jhash_vectors.py: {h} out of [{off}, {off + mod})")
                rows.append(f"{fam},{PROTO_NUM[proto]},{src},{sport},{dst},{dport},{mod},{seed:#010x},{off},{h}")
    raw_rows = []
    for fam, proto, _, n in RAW:
        for (src, sport, dst, dport), h in sorted(read(raw_set_name(fam, n), sent[(fam, proto)]).items()):
            row = f"{raw_key(fam, src, sport, dst, dport, n).hex()},{RAW_MOD},{RAW_SEED:#010x},0,{h}"
            if row not in raw_rows:  # short keys repeat (e.g. the well-known ports)
                raw_rows.append(row)
    with open(raw_out, "w") as f:
        f.write(raw_header)
        f.write("key,modulus,seed,offset,hash\n")
        f.write("\n".join(raw_rows) + "\n")
    print("family,protocol,client,clientPort,vip,port,modulus,seed,offset,hash")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
