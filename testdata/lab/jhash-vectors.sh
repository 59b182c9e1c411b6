#!/usr/bin/env bash
# Regenerates balancer/src/test/resources/jhash/kernel-vectors.csv: what this machine's kernel
# computes for nft "jhash <saddr> . <sport> . <daddr> . <dport> . meta l4proto mod N seed S",
# and kernel-raw-vectors.csv next to it (raw packet bytes of every length 1..24, 28, 32 hashed with
# "jhash @th|nh,OFF,BITS"): the vectors JHashTest checks the Java port against.
#
#   bash testdata/lab/jhash-vectors.sh [COUNT] [OUT]    as root; COUNT flows per family/protocol (64)
#
# Works in its own network namespace (prefix "prjh") holding one veth pair; the frames never leave
# it. The namespace, and with it the veth pair and the nft table, is removed at the end, also on
# error or Ctrl-C. The flows come from a fixed RNG seed, so a rerun on the same kernel gives the
# same file and a diff shows what a different kernel does.
set -euo pipefail

ROOT=$(cd -P -- "$(dirname -- "$0")/../.." && pwd)
COUNT=${1:-64}
OUT=${2:-$ROOT/balancer/src/test/resources/jhash/kernel-vectors.csv}
RAW=$(dirname -- "$OUT")/kernel-raw-vectors.csv
NS=prjh-vec-$$
TX=prjhtx
RX=prjhrx

[ "$(id -u)" -eq 0 ] || { echo "jhash-vectors.sh: needs root" >&2; exit 2; }
for c in ip nft python3; do command -v "$c" >/dev/null || { echo "jhash-vectors.sh: $c is missing" >&2; exit 2; }; done

cleanup() {
  trap - EXIT INT TERM
  if ip netns list | grep -qx "$NS\( .*\)\?"; then
    ip netns exec "$NS" nft delete table netdev prjh_jhash 2>/dev/null || true
    ip netns del "$NS"
  fi
  rm -f "$OUT.tmp" "$RAW.tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip -n "$NS" link add "$TX" type veth peer name "$RX"
# no IPv6 on the pair: the kernel's own router/neighbour solicitations would be noise on RX
for d in "$TX" "$RX"; do
  ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
  ip -n "$NS" link set "$d" up
done

mkdir -p "$(dirname -- "$OUT")"
HEADER="# nft jhash vectors from a real kernel: $(uname -sr), $(nft --version)
# produced by testdata/lab/jhash-vectors.sh (testdata/lab/py/jhash_vectors.py): crafted frames sent over a
# veth pair in a private namespace; a netdev ingress chain on the receiving end runs, per (modulus, seed,
# offset), 'meta mark set jhash ip saddr . tcp sport . ip daddr . tcp dport . meta l4proto mod N seed S
# [offset O]' (ip6, udp likewise) or, for the raw keys, 'meta mark set jhash @th|nh,OFF,BITS mod N seed S',
# and records the flow with the mark in a dynamic set. hash = the kernel's result. The seed is always
# given: without one nft_hash picks a random seed per rule.
"
printf '%s' "$HEADER" | ip netns exec "$NS" python3 "$ROOT/testdata/lab/py/jhash_vectors.py" \
  "$TX" "$RX" "$COUNT" "$RAW.tmp" >"$OUT.tmp"
{ printf '%s' "$HEADER"; cat "$OUT.tmp"; } >"$OUT"
mv "$RAW.tmp" "$RAW"
rm -f "$OUT.tmp"
echo "jhash-vectors.sh: $(grep -vc '^#' "$OUT") lines in $OUT, $(grep -vc '^#' "$RAW") in $RAW (headers included)"
