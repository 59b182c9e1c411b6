#!/usr/bin/env bash
# Sizing figures for scaling out: traffic through the balancer replicas of a LAB_REPLICAS=2 lab with
# one replica in service, then two, next to the replicas' kernels forwarding the same traffic.
#
#   bash testdata/lab/scaleout.sh [SECONDS]      as root; default 5 s per run
#
# Runs: iperf3 TCP, 8 streams, client -> VIP:5201 (s1, l2: the balancer forwards, replies return
# through the replicas' kernels) and -> VIP:5203 (s3, l3: the balancer rewrites both directions);
# iperf3 UDP, 64-byte datagrams, 4 streams, unlimited rate -> VIP:5201 (packets/s the servers got).
# Baseline: the balancers stopped, "lab.sh mode kernel" (each replica's kernel routes the VIP to s1),
# the same s1 runs. Uses balancer/target/redirect-balancer.jar (build it first). Lab prefix "prm";
# everything it starts is stopped and the lab removed at the end, also on Ctrl-C.
set -uo pipefail

ROOT=$(cd -P -- "$(dirname -- "$0")/../.." && pwd)
# shellcheck source=bin/lib/common.sh
. "$ROOT/bin/lib/common.sh"
P=prm
LAB=$ROOT/testdata/lab/lab.sh
JAR=$ROOT/balancer/target/redirect-balancer.jar
SECS=${1:-5}
VIP=198.18.0.10
[ "$(id -u)" -eq 0 ] || { echo "scaleout.sh: needs root" >&2; exit 2; }
[ -f "$JAR" ] || { echo "scaleout.sh: $JAR is missing: mvn -q -o -pl balancer -am package -DskipTests" >&2; exit 2; }
for c in iperf3 python3 ip; do command -v $c >/dev/null || { echo "scaleout.sh: $c is missing" >&2; exit 2; }; done

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  bash "$LAB" down "$P" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LAB_REPLICAS=2 bash "$LAB" up "$P" >/dev/null || exit 1
W=/run/portredirect-lab/$P
# s1 (l2) answers from the VIP: its iperf3 binds it, or UDP replies would leave from eth0's address
ip netns exec "$P-s1" setsid iperf3 -s -p 5201 -B $VIP >"$W/iperf3-s1.log" 2>&1 </dev/null &
PIDS+=($!)
ip netns exec "$P-s3" setsid iperf3 -s -p 5203 >"$W/iperf3-s3.log" 2>&1 </dev/null &
PIDS+=($!)
declare -A BAL
start_balancer() {
  ip netns exec "$P-gw$1" setsid java -XX:+UseSerialGC -Xmx256m -jar "$JAR" run --config "$ROOT/testdata/lab/balancer.yaml" \
    --metrics 127.0.0.1:9100 >"$W/balancer-gw$1.log" 2>&1 </dev/null &
  BAL[$1]=$!; PIDS+=($!)
}
start_balancer 1; start_balancer 2
for k in 1 2; do
  for _ in $(seq 300); do grep -q event=started "$W/balancer-gw$k.log" && break; sleep 0.1; done
done
sleep 1

tcp() {  # tcp PORT: Mbit/s received
  ip netns exec "$P-client" timeout $((SECS + 20)) iperf3 -c $VIP -p "$1" -t "$SECS" -P 8 -J 2>/dev/null |
    json_get - "'%.0f' % (d['end']['sum_received']['bits_per_second'] / 1e6)" err
}
udp() {  # udp PORT: packets/s the server received (64-byte payloads)
  ip netns exec "$P-client" timeout $((SECS + 20)) iperf3 -c $VIP -p "$1" -u -b 0 -l 64 -t "$SECS" -P 4 -J 2>/dev/null |
    json_get - "'%.0f' % ((d['end']['sum']['packets'] - d['end']['sum']['lost_packets']) / d['end']['sum']['seconds'])" err
}

frames() {  # frames K: frames the balancer of gwK read on its network side so far
  ip netns exec "$P-gw$1" curl -s -m 2 http://127.0.0.1:9100/metrics 2>/dev/null |
    awk 'index($0, "portredirect_balancer_frames_total{side=\"network\"}") == 1 { print $NF; found = 1 } END { if (!found) print 0 }'
}
printf '%-30s %13s %20s %13s %15s\n' "$(nproc) cores, ${SECS} s per run" "TCP l2 Mbit/s" "frames/s gw1 / gw2" "TCP l3 Mbit/s" "UDP 64 B pkt/s"
row() {  # row LABEL l3|-: the TCP l2 run also reads how many frames/s each replica forwarded
  local f1 f2 t
  f1=$(frames 1); f2=$(frames 2)
  t=$(tcp 5201)
  f1=$(( ($(frames 1) - f1) / SECS )); f2=$(( ($(frames 2) - f2) / SECS ))
  [ "$2" = l3 ] || { f1=-; f2=-; }
  printf '%-30s %13s %20s %13s %15s\n' "$1" "$t" "$f1 / $f2" "$([ "$2" = l3 ] && tcp 5203 || echo -)" "$(udp 5201)"
}
bash "$LAB" replica out 2 "$P" >/dev/null
row "balancer, 1 replica (gw1)" l3
bash "$LAB" replica in 2 "$P" >/dev/null
row "balancer, 2 replicas (ECMP)" l3
kill "${BAL[1]}" "${BAL[2]}" 2>/dev/null; sleep 1
bash "$LAB" mode kernel "$P" >/dev/null
bash "$LAB" replica out 2 "$P" >/dev/null
row "kernel forwarding, 1 replica" -
bash "$LAB" replica in 2 "$P" >/dev/null
row "kernel forwarding, 2 replicas" -
