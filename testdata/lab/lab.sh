#!/usr/bin/env bash
# portredirect lab: network namespaces joined by veth pairs, for the balancer and the agents.
#
#   lab.sh up      [PREFIX]   create the lab (idempotent: tears down an old one first)
#   lab.sh down    [PREFIX]   remove it: processes it started, namespaces, veths, nft table
#   lab.sh status  [PREFIX]   show namespaces, addresses, servers
#   lab.sh mode balancer|kernel [PREFIX]
#                             balancer: gw kernel drops VIP traffic (the balancer forwards it);
#                             kernel:   gw kernel routes the VIP to s1 itself (baseline runs)
#
# PREFIX defaults to "pr"; namespaces are PREFIX-client, PREFIX-gw, PREFIX-s1..s3 (and PREFIX-rt).
#
#   client 198.18.0.2 ── net0 gw 198.18.0.1 ─┬─ srv1 198.18.11.1 ── s1 198.18.11.2  (l2, VIP on lo)
#      (or, LAB_ROUTER=1:                     ├─ srv2 198.18.12.1 ── s2 198.18.12.2  (l2, VIP on lo)
#       client 198.18.2.2 ─ mtu 1280 ─ rt     └─ srv3 198.18.13.1 ── s3 198.18.13.2  (l3, no VIP)
#       198.18.2.1 | 198.18.0.2 ─ gw)
#   VIP 198.18.0.10 and 2001:2::10; IPv6 2001:2::/64 on the network link, 2001:2:0:1N::/64 to sN,
#   2001:2:0:2::/64 behind the router. MACs are fixed (02:00:00:00:..) so the lab config is static.
#
# Servers (LAB_SERVERS=0 to skip): HTTP on 80 and 800N answering "sN" (python3 http.server),
# UDP echo on 9000 and 900N (socat). The balancer is not started here: see testdata/lab/README.md.
#
# Environment: LAB_ROUTER=1 adds the router namespace (client link MTU 1280: ICMP frag-needed lab),
# LAB_SERVERS=0 skips the servers. Needs root, iproute2, nftables, ethtool, python3, socat.
set -euo pipefail

CMD=${1:-}
case "$CMD" in
  mode) MODE=${2:-}; P=${3:-pr} ;;
  *) P=${2:-pr} ;;
esac
[[ "$P" =~ ^[a-z][a-z0-9]{0,7}$ ]] || { echo "lab.sh: PREFIX must be 1-8 lower-case letters/digits" >&2; exit 2; }

VIP4=198.18.0.10
VIP6=2001:2::10
RUN=/run/portredirect-lab/$P
NFT_TABLE=portredirect_lab
SERVERS=(1 2 3)
MODES=(l2 l2 l3)   # s1 s2 s3

ns() { echo "$P-$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
have_ns() { ip netns list | awk '{print $1}' | grep -qx "$(ns "$1")"; }

offload_off() { nsx "$1" ethtool -K "$2" gro off gso off tso off tx off rx off >/dev/null 2>&1 || true; }

# veth NS_A IF_A MAC_A NS_B IF_B MAC_B
veth() {
  ip link add "$2" address "$3" netns "$(ns "$1")" type veth peer name "$5" address "$6" netns "$(ns "$4")"
  nsx "$1" ip link set "$2" up
  nsx "$4" ip link set "$5" up
  offload_off "$1" "$2"
  offload_off "$4" "$5"
}

addr4() { nsx "$1" ip addr add "$3" dev "$2"; }
addr6() { nsx "$1" ip -6 addr add "$3" dev "$2" nodad; }

sysctl_ns() { nsx "$1" sysctl -qw "$2" >/dev/null; }

start_bg() {  # start_bg NAME NS cmd...  (pid file under $RUN)
  local name=$1 n=$2; shift 2
  mkdir -p "$RUN"
  ip netns exec "$(ns "$n")" setsid "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

down() {
  if [ -d "$RUN" ]; then
    for f in "$RUN"/*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      kill "$pid" 2>/dev/null || true
    done
  fi
  for n in client gw s1 s2 s3 rt; do
    if have_ns "$n"; then
      # whatever still runs inside our own namespaces was started for this lab
      for pid in $(ip netns pids "$(ns "$n")" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    fi
  done
  sleep 0.2
  for n in client gw s1 s2 s3 rt; do
    if have_ns "$n"; then
      for pid in $(ip netns pids "$(ns "$n")" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$(ns "$n")" 2>/dev/null || true
    fi
  done
  rm -rf "$RUN"
}

nft_balancer() {  # the gw kernel leaves VIP traffic to the balancer (capture sees it before netfilter)
  nsx gw nft -f - <<NFT
table inet $NFT_TABLE {
  chain vip_pre {
    type filter hook prerouting priority -300; policy accept;
    ip daddr $VIP4 drop
    ip6 daddr $VIP6 drop
  }
  chain l3_return {
    type filter hook forward priority 0; policy accept;
    # l3 server s3 answers from its own address; the balancer rewrites and returns it
    iifname "srv3" ip saddr 198.18.13.2 drop
    iifname "srv3" ip6 saddr 2001:2:0:13::2 drop
  }
}
NFT
}

up() {
  down
  local router=${LAB_ROUTER:-0}
  mkdir -p "$RUN"
  for n in client gw s1 s2 s3; do ip netns add "$(ns "$n")"; nsx "$n" ip link set lo up; done
  [ "$router" = 1 ] && { ip netns add "$(ns rt)"; nsx rt ip link set lo up; }

  # network side
  if [ "$router" = 1 ]; then
    veth gw net0 02:00:00:00:00:01 rt up0 02:00:00:00:00:02
    veth rt down0 02:00:00:00:02:01 client eth0 02:00:00:00:02:02
    addr4 rt up0 198.18.0.2/24; addr6 rt up0 2001:2::2/64
    addr4 rt down0 198.18.2.1/24; addr6 rt down0 2001:2:0:2::1/64
    nsx rt ip link set down0 mtu 1280
    nsx client ip link set eth0 mtu 1280
    addr4 client eth0 198.18.2.2/24; addr6 client eth0 2001:2:0:2::2/64
    nsx client ip route add default via 198.18.2.1
    nsx client ip -6 route add default via 2001:2:0:2::1
    sysctl_ns rt net.ipv4.ip_forward=1
    sysctl_ns rt net.ipv6.conf.all.forwarding=1
  else
    veth gw net0 02:00:00:00:00:01 client eth0 02:00:00:00:00:02
    addr4 client eth0 198.18.0.2/24; addr6 client eth0 2001:2::2/64
    nsx client ip route add default via 198.18.0.1
    nsx client ip -6 route add default via 2001:2::1
  fi
  addr4 gw net0 198.18.0.1/24; addr6 gw net0 2001:2::1/64
  if [ "$router" = 1 ]; then
    nsx gw ip route add 198.18.2.0/24 via 198.18.0.2
    nsx gw ip -6 route add 2001:2:0:2::/64 via 2001:2::2
  fi
  sysctl_ns gw net.ipv4.ip_forward=1
  sysctl_ns gw net.ipv6.conf.all.forwarding=1
  sysctl_ns gw net.ipv4.conf.all.rp_filter=0
  sysctl_ns gw net.ipv4.conf.default.rp_filter=0
  # no ICMP redirects from gw: in kernel mode it forwards the VIP back out of net0's subnet
  sysctl_ns gw net.ipv4.conf.all.send_redirects=0
  sysctl_ns gw net.ipv4.conf.default.send_redirects=0

  # server side
  for i in "${SERVERS[@]}"; do
    local s=s$i mode=${MODES[$((i-1))]}
    veth gw "srv$i" "02:00:00:00:1$i:01" "$s" eth0 "02:00:00:00:1$i:02"
    nsx gw ip link set "srv$i" up
    sysctl_ns gw "net.ipv4.conf.srv$i.rp_filter=0"
    addr4 gw "srv$i" "198.18.1$i.1/24"; addr6 gw "srv$i" "2001:2:0:1$i::1/64"
    addr4 "$s" eth0 "198.18.1$i.2/24"; addr6 "$s" eth0 "2001:2:0:1$i::2/64"
    nsx "$s" ip route add default via "198.18.1$i.1"
    nsx "$s" ip -6 route add default via "2001:2:0:1$i::1"
    sysctl_ns "$s" net.ipv4.conf.all.rp_filter=0
    sysctl_ns "$s" net.ipv4.conf.default.rp_filter=0
    sysctl_ns "$s" net.ipv4.conf.eth0.rp_filter=0
    if [ "$mode" = l2 ]; then
      # the VIP on loopback, never announced on the wire (the balancer owns it at L2)
      nsx "$s" ip addr add "$VIP4/32" dev lo
      nsx "$s" ip -6 addr add "$VIP6/128" dev lo nodad
      sysctl_ns "$s" net.ipv4.conf.all.arp_ignore=1
      sysctl_ns "$s" net.ipv4.conf.all.arp_announce=2
    fi
    # static neighbours: the lab does not depend on ARP timing toward the servers
    nsx gw ip neigh replace "198.18.1$i.2" lladdr "02:00:00:00:1$i:02" dev "srv$i" nud permanent
    nsx "$s" ip neigh replace "198.18.1$i.1" lladdr "02:00:00:00:1$i:01" dev eth0 nud permanent
  done

  nft_balancer

  if [ "${LAB_SERVERS:-1}" = 1 ]; then start_servers; fi
  echo "lab $P up (router=$router)"
}

start_servers() {
  local py=/usr/bin/python3
  [ -x "$py" ] || py=$(command -v python3)
  for i in "${SERVERS[@]}"; do
    local s=s$i mode=${MODES[$((i-1))]} www="$RUN/www-s$i"
    mkdir -p "$www"; echo "s$i" > "$www/index.html"
    start_bg "http-80-$s" "$s" "$py" -m http.server 80 --bind :: --directory "$www"
    start_bg "http-800$i-$s" "$s" "$py" -m http.server "800$i" --bind :: --directory "$www"
    # l2 servers must answer from the VIP: bind it (a wildcard socket would answer from eth0's address)
    local bind=""
    [ "$mode" = l2 ] && bind=",bind=$VIP4"
    start_bg "udp-9000-$s" "$s" socat "UDP4-RECVFROM:9000$bind,fork,reuseaddr" PIPE
    start_bg "udp-900$i-$s" "$s" socat "UDP4-RECVFROM:900$i$bind,fork,reuseaddr" PIPE
  done
  # wait until every HTTP server listens (bounded)
  for i in "${SERVERS[@]}"; do
    for _ in $(seq 50); do
      if nsx "s$i" ss -ltn 2>/dev/null | grep -q ":800$i "; then break; fi
      sleep 0.1
    done
  done
}

mode() {
  case "$MODE" in
    kernel)
      nsx gw nft delete table inet "$NFT_TABLE" 2>/dev/null || true
      nsx gw ip route replace "$VIP4/32" via 198.18.11.2
      nsx gw ip -6 route replace "$VIP6/128" via 2001:2:0:11::2
      # nobody answers ARP for the VIP without the balancer: point the client side at gw
      local edge=client dev=eth0
      have_ns rt && edge=rt && dev=up0
      nsx "$edge" ip neigh replace "$VIP4" lladdr 02:00:00:00:00:01 dev "$dev" nud permanent
      nsx "$edge" ip -6 neigh replace "$VIP6" lladdr 02:00:00:00:00:01 dev "$dev" nud permanent
      ;;
    balancer)
      nsx gw ip route del "$VIP4/32" 2>/dev/null || true
      nsx gw ip -6 route del "$VIP6/128" 2>/dev/null || true
      nsx gw nft delete table inet "$NFT_TABLE" 2>/dev/null || true
      nft_balancer
      local edge=client dev=eth0
      have_ns rt && edge=rt && dev=up0
      nsx "$edge" ip neigh del "$VIP4" dev "$dev" 2>/dev/null || true
      nsx "$edge" ip -6 neigh del "$VIP6" dev "$dev" 2>/dev/null || true
      ;;
    *) echo "usage: lab.sh mode balancer|kernel [PREFIX]" >&2; exit 2 ;;
  esac
  echo "lab $P mode $MODE"
}

status() {
  local any=0
  for n in client rt gw s1 s2 s3; do
    have_ns "$n" || continue
    any=1
    echo "== $(ns "$n")"
    nsx "$n" ip -br addr | grep -v '^lo ' || true
    [ "$n" = gw ] && { nsx gw nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && echo "nft: $NFT_TABLE (VIP traffic left to the balancer)" || echo "nft: none (kernel mode)"; }
    case "$n" in s*) nsx "$n" ss -lntu 2>/dev/null | awk 'NR>1 {print "  listen", $1, $5}' ;; esac
  done
  [ $any = 1 ] || { echo "lab $P is down"; return 0; }
}

case "$CMD" in
  up) up ;;
  down) down; echo "lab $P down" ;;
  status) status ;;
  mode) mode ;;
  *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
