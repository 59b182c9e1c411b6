#!/usr/bin/env bash
# portredirect lab: network namespaces joined by veth pairs, for the balancer and the agents.
#
#   lab.sh up      [PREFIX]   create the lab (idempotent: tears down an old one first)
#   lab.sh down    [PREFIX]   remove it: processes it started, namespaces, veths, nft table
#   lab.sh status  [PREFIX]   show namespaces, addresses, servers
#   lab.sh mode balancer|kernel [PREFIX]
#                             balancer: gw kernel drops VIP traffic (the balancer forwards it);
#                             kernel:   gw kernel routes the VIP to s1 itself (baseline runs)
#   lab.sh replica out|in N [PREFIX]
#                             (LAB_REPLICAS labs) take replica gwN out of the ECMP next-hop sets of
#                             the router and the servers, or put it back, as a routing daemon would
#                             (LAB_BGP labs: gwN's BGP sessions are disabled/enabled, the router's
#                             BIRD withdraws/learns its routes; the servers' routes move as before)
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
# UDP echo on 9000 and 900N (py/udp_echo_server.py). The balancer is not started here: see testdata/lab/README.md.
#
# Environment: LAB_ROUTER=1 adds the router namespace (client link MTU 1280: ICMP frag-needed lab),
# LAB_SERVERS=0 skips the servers. Needs root, iproute2, nftables, ethtool, python3.
#
# LAB_REPLICAS=2 (2-4): balancer replicas behind ECMP. Namespaces PREFIX-client, -rt, -gw1..gwN,
# -sw (the switch: one bridge per LAN), -s1..s3; every replica runs the same balancer.yaml.
#
#   client 198.18.2.2 ── rt 198.18.0.2 ══ front LAN ══ net0 gw1 .1 , net0 gw2 .3
#   gwK srvN (198.18.1N.1 in gw1, .3 in gw2) ══ LAN N ══ eth0 sN 198.18.1N.2      (N = 1..3)
#
#   rt:  VIP/32 nexthop via 198.18.0.1 nexthop via 198.18.0.3  (fib_multipath_hash_policy=1: L4)
#   sN:  default nexthop via 198.18.1N.1 nexthop via 198.18.1N.3 (replies leave by any replica:
#        the balancer keeps no state, l3 replies are rewritten by whichever replica gets them)
# Replica K has host part 2K-1 on every LAN (IPv6 too) and MACs 02:00:00:00:XX:0(2K-1), so gw1
# looks like the single lab's gw. The bridges have static FDB entries, no learning and no flooding
# of unknown unicast: a frame reaches only the host it is addressed to (balancers capture
# promiscuously). Client link MTU 1500. Without LAB_BGP nothing watches the replicas: a dead one is taken out of the
# router's and servers' next-hop sets by "lab.sh replica out K" (in production a routing daemon
# does it on BFD/health-check loss) and put back by "lab.sh replica in K" once its balancer runs.
#
# LAB_BGP=1 (with LAB_REPLICAS): the router learns the VIP routes by BGP instead. Every replica
# runs BIRD 2 (AS 64513, the same for all: one anycast service), announcing VIP/32 and VIP6/128
# while its interface "pr-announce" exists: the balancer's link (run --announce-link pr-announce),
# a TAP device that lives exactly as long as the balancer is healthy. The router runs BIRD (AS
# 64512) with one eBGP session per replica and family, BFD 100 ms x 3 on each, and "merge paths"
# into its kernel table: the VIP routes are ECMP over the replicas that announce. Configs, logs and
# control sockets are in /run/portredirect-lab/PREFIX/bird-NS.{conf,log,ctl}:
#   birdc -s /run/portredirect-lab/PREFIX/bird-rt.ctl show protocols
# "lab.sh replica out|in K" then disables/enables gwK's BGP sessions (the router withdraws or
# learns its routes) and still moves the servers' default routes; nothing else changes the
# router's VIP routes. Needs the bird2 package (bird, birdc).
set -euo pipefail

CMD=${1:-}
case "$CMD" in
  mode) MODE=${2:-}; P=${3:-pr} ;;
  replica) ACTION=${2:-}; K=${3:-}; P=${4:-pr} ;;
  *) P=${2:-pr} ;;
esac
[[ "$P" =~ ^[a-z][a-z0-9]{0,7}$ ]] || { echo "lab.sh: PREFIX must be 1-8 lower-case letters/digits" >&2; exit 2; }

VIP4=198.18.0.10
VIP6=2001:2::10
RUN=/run/portredirect-lab/$P
NFT_TABLE=portredirect_lab
PYDIR=$(cd -P -- "$(dirname -- "$0")" && pwd)/py   # the servers' UDP echo
SERVERS=(1 2 3)
MODES=(l2 l2 l3)   # s1 s2 s3
REPLICAS=${LAB_REPLICAS:-1}
BGP=${LAB_BGP:-0}
ANNOUNCE_LINK=pr-announce
AS_ROUTER=64512
AS_REPLICAS=64513
[[ "$REPLICAS" =~ ^[1-4]$ ]] || { echo "lab.sh: LAB_REPLICAS must be 1-4" >&2; exit 2; }
ALL_NS=(client rt gw gw1 gw2 gw3 gw4 sw s1 s2 s3)

ns() { echo "$P-$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
have_ns() { ip netns list | awk '{print $1}' | grep -x "$(ns "$1")" >/dev/null; }

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
  for n in "${ALL_NS[@]}"; do
    if have_ns "$n"; then
      # whatever still runs inside our own namespaces was started for this lab
      for pid in $(ip netns pids "$(ns "$n")" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    fi
  done
  sleep 0.2
  for n in "${ALL_NS[@]}"; do
    if have_ns "$n"; then
      for pid in $(ip netns pids "$(ns "$n")" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$(ns "$n")" 2>/dev/null || true
    fi
  done
  rm -rf "$RUN"
}

nft_balancer() {  # nft_balancer [GW]: the gw kernel leaves VIP traffic to the balancer (capture sees it before netfilter)
  nsx "${1:-gw}" nft -f - <<NFT
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
  if [ "$REPLICAS" -gt 1 ]; then up_replicas; return; fi
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

# ---- LAB_REPLICAS: replicas behind ECMP -------------------------------------------------------

hostpart() { echo $((2 * $1 - 1)); }                 # replica K -> 1, 3, 5, 7
macpart() { printf '%02x' "$(hostpart "$1")"; }
gateways() {  # the gw namespaces that exist: "gw" or "gw1 gw2 ..."
  local g out=()
  for g in gw gw1 gw2 gw3 gw4; do have_ns "$g" && out+=("$g"); done
  echo "${out[@]}"
}
replica_count() { local n=0 g; for g in gw1 gw2 gw3 gw4; do have_ns "$g" && n=$((n + 1)); done; echo $n; }

# sw_port BRIDGE SWPORT NS IF MAC: a host interface on a switch LAN. The switch knows the host's MAC
# statically, learns nothing and floods no unknown unicast (broadcast and multicast still flood).
sw_port() {
  local br=$1 port=$2 n=$3 ifn=$4 mac=$5
  ip link add "$ifn" address "$mac" netns "$(ns "$n")" type veth peer name "$port" netns "$(ns sw)"
  nsx sw ip link set "$port" master "$br"
  nsx sw ip link set "$port" up
  nsx "$n" ip link set "$ifn" up
  offload_off sw "$port"
  offload_off "$n" "$ifn"
  nsx sw bridge link set dev "$port" learning off flood off
  nsx sw bridge fdb replace "$mac" dev "$port" master static
}

sw_bridge() {
  nsx sw ip link add "$1" type bridge stp_state 0 mcast_snooping 0
  nsx sw ip link set "$1" up
}

# The ECMP sets: the router's VIP routes and each server's default route over the replicas in
# service ($RUN/in-service, one number a line). With none in service the routes are removed.
apply_replica_routes() {
  local in=() k
  [ -f "$RUN/in-service" ] && mapfile -t in < "$RUN/in-service"
  nh() {  # nh PREFIX4|PREFIX6 SEP: "nexthop via P.1 nexthop via P.3" or "via P.1"
    local hops="" k
    for k in "${in[@]}"; do hops+="nexthop via $1$2$(hostpart "$k") "; done
    [ ${#in[@]} -eq 1 ] && hops="via $1$2$(hostpart "${in[0]}")"
    echo "$hops"
  }
  local rt=1
  [ -f "$RUN/bgp" ] && rt=0   # BIRD owns the router's VIP routes
  if [ ${#in[@]} -eq 0 ]; then
    if [ $rt = 1 ]; then
      ip -n "$(ns rt)" route del "$VIP4/32" 2>/dev/null || true
      ip -n "$(ns rt)" -6 route del "$VIP6/128" 2>/dev/null || true
    fi
    for i in "${SERVERS[@]}"; do
      ip -n "$(ns "s$i")" route del default 2>/dev/null || true
      ip -n "$(ns "s$i")" -6 route del default 2>/dev/null || true
    done
    return
  fi
  if [ $rt = 1 ]; then
    # shellcheck disable=SC2046
    ip -n "$(ns rt)" route replace "$VIP4/32" $(nh 198.18.0 .)
    # shellcheck disable=SC2046
    ip -n "$(ns rt)" -6 route replace "$VIP6/128" $(nh 2001:2: :)
  fi
  for i in "${SERVERS[@]}"; do
    # shellcheck disable=SC2046
    ip -n "$(ns "s$i")" route replace default $(nh "198.18.1$i" .)
    # shellcheck disable=SC2046
    ip -n "$(ns "s$i")" -6 route replace default $(nh "2001:2:0:1$i:" :)
  done
}

up_replicas() {
  mkdir -p "$RUN"
  local k g x m
  for n in client rt sw s1 s2 s3; do ip netns add "$(ns "$n")"; nsx "$n" ip link set lo up; done
  for k in $(seq "$REPLICAS"); do ip netns add "$(ns "gw$k")"; nsx "gw$k" ip link set lo up; done

  # the switch: the front LAN (router and replicas) and one LAN per server
  sw_bridge front
  for i in "${SERVERS[@]}"; do sw_bridge "lan$i"; done

  # client and router
  veth rt down0 02:00:00:00:02:01 client eth0 02:00:00:00:02:02
  addr4 rt down0 198.18.2.1/24; addr6 rt down0 2001:2:0:2::1/64
  addr4 client eth0 198.18.2.2/24; addr6 client eth0 2001:2:0:2::2/64
  nsx client ip route add default via 198.18.2.1
  nsx client ip -6 route add default via 2001:2:0:2::1
  sw_port front rt rt up0 02:00:00:00:00:02
  addr4 rt up0 198.18.0.2/24; addr6 rt up0 2001:2::2/64
  sysctl_ns rt net.ipv4.ip_forward=1
  sysctl_ns rt net.ipv6.conf.all.forwarding=1
  sysctl_ns rt net.ipv4.fib_multipath_hash_policy=1
  sysctl_ns rt net.ipv6.fib_multipath_hash_policy=1
  sysctl_ns rt net.ipv4.conf.all.rp_filter=0
  sysctl_ns rt net.ipv4.conf.default.rp_filter=0
  sysctl_ns rt net.ipv4.conf.up0.rp_filter=0

  # the replicas: clones of the single lab's gw, host part 2K-1 on every LAN
  for k in $(seq "$REPLICAS"); do
    g=gw$k x=$(hostpart "$k") m=$(macpart "$k")
    sw_port front "$g" "$g" net0 "02:00:00:00:00:$m"
    addr4 "$g" net0 "198.18.0.$x/24"; addr6 "$g" net0 "2001:2::$x/64"
    nsx "$g" ip route add 198.18.2.0/24 via 198.18.0.2
    nsx "$g" ip -6 route add 2001:2:0:2::/64 via 2001:2::2
    nsx "$g" ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev net0 nud permanent
    nsx "$g" ip -6 neigh replace 2001:2::2 lladdr 02:00:00:00:00:02 dev net0 nud permanent
    nsx rt ip neigh replace "198.18.0.$x" lladdr "02:00:00:00:00:$m" dev up0 nud permanent
    nsx rt ip -6 neigh replace "2001:2::$x" lladdr "02:00:00:00:00:$m" dev up0 nud permanent
    sysctl_ns "$g" net.ipv4.ip_forward=1
    sysctl_ns "$g" net.ipv6.conf.all.forwarding=1
    sysctl_ns "$g" net.ipv4.conf.all.rp_filter=0
    sysctl_ns "$g" net.ipv4.conf.default.rp_filter=0
    sysctl_ns "$g" net.ipv4.conf.all.send_redirects=0
    sysctl_ns "$g" net.ipv4.conf.default.send_redirects=0
    for i in "${SERVERS[@]}"; do
      sw_port "lan$i" "g${k}s$i" "$g" "srv$i" "02:00:00:00:1$i:$m"
      sysctl_ns "$g" "net.ipv4.conf.srv$i.rp_filter=0"
      addr4 "$g" "srv$i" "198.18.1$i.$x/24"; addr6 "$g" "srv$i" "2001:2:0:1$i::$x/64"
      nsx "$g" ip neigh replace "198.18.1$i.2" lladdr "02:00:00:00:1$i:02" dev "srv$i" nud permanent
      nsx "$g" ip -6 neigh replace "2001:2:0:1$i::2" lladdr "02:00:00:00:1$i:02" dev "srv$i" nud permanent
    done
    nft_balancer "$g"
  done

  # the servers: one NIC on their LAN, default route over every replica
  for i in "${SERVERS[@]}"; do
    local s=s$i mode=${MODES[$((i-1))]}
    sw_port "lan$i" "$s" "$s" eth0 "02:00:00:00:1$i:02"
    addr4 "$s" eth0 "198.18.1$i.2/24"; addr6 "$s" eth0 "2001:2:0:1$i::2/64"
    sysctl_ns "$s" net.ipv4.conf.all.rp_filter=0
    sysctl_ns "$s" net.ipv4.conf.default.rp_filter=0
    sysctl_ns "$s" net.ipv4.conf.eth0.rp_filter=0
    sysctl_ns "$s" net.ipv4.fib_multipath_hash_policy=1
    sysctl_ns "$s" net.ipv6.fib_multipath_hash_policy=1
    if [ "$mode" = l2 ]; then
      nsx "$s" ip addr add "$VIP4/32" dev lo
      nsx "$s" ip -6 addr add "$VIP6/128" dev lo nodad
      sysctl_ns "$s" net.ipv4.conf.all.arp_ignore=1
      sysctl_ns "$s" net.ipv4.conf.all.arp_announce=2
    fi
    for k in $(seq "$REPLICAS"); do
      x=$(hostpart "$k") m=$(macpart "$k")
      nsx "$s" ip neigh replace "198.18.1$i.$x" lladdr "02:00:00:00:1$i:$m" dev eth0 nud permanent
      nsx "$s" ip -6 neigh replace "2001:2:0:1$i::$x" lladdr "02:00:00:00:1$i:$m" dev eth0 nud permanent
    done
  done

  seq "$REPLICAS" > "$RUN/in-service"
  if [ "$BGP" = 1 ]; then start_bgp; fi
  apply_replica_routes

  if [ "${LAB_SERVERS:-1}" = 1 ]; then start_servers; fi
  echo "lab $P up (replicas=$REPLICAS behind ECMP$([ "$BGP" = 1 ] && echo ", routes by BGP"))"
}

# ---- LAB_BGP: BIRD on the router and on every replica -------------------------------------------

bird_bfd() {  # bird_bfd IF: fast BFD on the front LAN (a dead box is declared down after 300 ms)
  cat <<BIRD
protocol bfd {
  interface "$1" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
}
BIRD
}

# a session comes up within a second or two: the lab does not wait BIRD's default 5 s / 120 s
BGP_TIMERS="connect delay time 1; connect retry time 1; error wait time 1, 4; hold time 9; bfd on;"

bird_replica_conf() {  # bird_replica_conf K
  local x
  x=$(hostpart "$1")
  cat <<BIRD
# gw$1: announce the VIPs while the balancer's link $ANNOUNCE_LINK exists (written by lab.sh)
log "$RUN/bird-gw$1.log" all;
router id 198.18.0.$x;
protocol device { scan time 10; }
$(bird_bfd net0)
protocol static announce4 { ipv4; route $VIP4/32 via "$ANNOUNCE_LINK"; }
protocol static announce6 { ipv6; route $VIP6/128 via "$ANNOUNCE_LINK"; }
protocol bgp rt4 {
  local 198.18.0.$x as $AS_REPLICAS; neighbor 198.18.0.2 as $AS_ROUTER;
  $BGP_TIMERS
  ipv4 { import none; export where proto = "announce4"; };
}
protocol bgp rt6 {
  local 2001:2::$x as $AS_REPLICAS; neighbor 2001:2::2 as $AS_ROUTER;
  $BGP_TIMERS
  ipv6 { import none; export where proto = "announce6"; };
}
BIRD
}

bird_router_conf() {
  local k x
  cat <<BIRD
# rt: learn the VIPs from the replicas, install them as ECMP routes (written by lab.sh)
log "$RUN/bird-rt.log" all;
router id 198.18.0.2;
protocol device { scan time 10; }
$(bird_bfd up0)
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
protocol kernel { ipv6 { import none; export all; }; merge paths on; }
BIRD
  for k in $(seq "$REPLICAS"); do
    x=$(hostpart "$k")
    cat <<BIRD
protocol bgp gw${k}v4 {
  local 198.18.0.2 as $AS_ROUTER; neighbor 198.18.0.$x as $AS_REPLICAS;
  $BGP_TIMERS
  ipv4 { import where net = $VIP4/32; export none; };
}
protocol bgp gw${k}v6 {
  local 2001:2::2 as $AS_ROUTER; neighbor 2001:2::$x as $AS_REPLICAS;
  $BGP_TIMERS
  ipv6 { import where net = $VIP6/128; export none; };
}
BIRD
  done
}

start_bird() {  # start_bird NS: BIRD in the foreground under the lab's pid files, its own socket
  local conf="$RUN/bird-$1.conf"
  nsx "$1" bird -p -c "$conf" || { echo "lab.sh: BIRD refuses $conf" >&2; exit 1; }
  start_bg "bird-$1" "$1" bird -f -c "$conf" -s "$RUN/bird-$1.ctl" -P "$RUN/bird-$1.bird-pid"
}

start_bgp() {
  if ! command -v bird >/dev/null || ! command -v birdc >/dev/null; then
    echo "lab.sh: LAB_BGP=1 needs BIRD 2 (Debian package bird2)" >&2; exit 2
  fi
  local k
  : > "$RUN/bgp"
  bird_router_conf > "$RUN/bird-rt.conf"
  start_bird rt
  for k in $(seq "$REPLICAS"); do
    bird_replica_conf "$k" > "$RUN/bird-gw$k.conf"
    start_bird "gw$k"
  done
  # the sessions (not the routes: no balancer announces yet), bounded
  for _ in $(seq 100); do
    [ "$(birdc -s "$RUN/bird-rt.ctl" show protocols 2>/dev/null | grep -c ' BGP .* up .*Established')" -ge $((2 * REPLICAS)) ] && return 0
    sleep 0.1
  done
  echo "lab.sh: BGP sessions not all established after 10 s:" >&2
  birdc -s "$RUN/bird-rt.ctl" show protocols >&2 || true
}

replica() {
  local count
  count=$(replica_count)
  [ "$count" -gt 0 ] || { echo "lab.sh: lab $P has no replicas (bring it up with LAB_REPLICAS=2)" >&2; exit 2; }
  if ! [[ "$K" =~ ^[1-4]$ ]] || [ "$K" -gt "$count" ]; then echo "lab.sh: replica must be 1-$count" >&2; exit 2; fi
  local in=()
  [ -f "$RUN/in-service" ] && mapfile -t in < "$RUN/in-service"
  local keep=() k
  for k in "${in[@]}"; do [ "$k" = "$K" ] || keep+=("$k"); done
  case "$ACTION" in
    out) ;;
    in) keep+=("$K") ;;
    *) echo "usage: lab.sh replica out|in N [PREFIX]" >&2; exit 2 ;;
  esac
  mkdir -p "$RUN"
  if [ -f "$RUN/bgp" ]; then
    # the replica's own BGP sessions: the router withdraws (or learns again) what it announces
    local verb=disable
    [ "$ACTION" = in ] && verb=enable
    birdc -s "$RUN/bird-gw$K.ctl" "$verb" rt4 >/dev/null
    birdc -s "$RUN/bird-gw$K.ctl" "$verb" rt6 >/dev/null
  fi
  if [ ${#keep[@]} -gt 0 ]; then printf '%s\n' "${keep[@]}" | sort -n > "$RUN/in-service"; else : > "$RUN/in-service"; fi
  apply_replica_routes
  echo "lab $P replica gw$K $ACTION; in service: $(tr '\n' ' ' < "$RUN/in-service")"
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
    local bind=0.0.0.0
    [ "$mode" = l2 ] && bind=$VIP4
    start_bg "udp-9000-$s" "$s" "$py" "$PYDIR/udp_echo_server.py" "$bind" 9000
    start_bg "udp-900$i-$s" "$s" "$py" "$PYDIR/udp_echo_server.py" "$bind" "900$i"
  done
  # wait until every HTTP server listens (bounded)
  for i in "${SERVERS[@]}"; do
    for _ in $(seq 50); do
      if nsx "s$i" ss -ltn 2>/dev/null | grep ":800$i " >/dev/null; then break; fi
      sleep 0.1
    done
  done
}

mode() {
  if [ "$(replica_count)" -gt 0 ]; then mode_replicas; return; fi
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

mode_replicas() {  # every replica's kernel routes the VIP to s1 (kernel) or leaves it to its balancer
  local g
  case "$MODE" in
    kernel|balancer) ;;
    *) echo "usage: lab.sh mode balancer|kernel [PREFIX]" >&2; exit 2 ;;
  esac
  for g in $(gateways); do
    nsx "$g" nft delete table inet "$NFT_TABLE" 2>/dev/null || true
    if [ "$MODE" = kernel ]; then
      nsx "$g" ip route replace "$VIP4/32" via 198.18.11.2
      nsx "$g" ip -6 route replace "$VIP6/128" via 2001:2:0:11::2
    else
      nsx "$g" ip route del "$VIP4/32" 2>/dev/null || true
      nsx "$g" ip -6 route del "$VIP6/128" 2>/dev/null || true
      nft_balancer "$g"
    fi
  done
  echo "lab $P mode $MODE"
}

status() {
  local any=0
  for n in client rt gw gw1 gw2 gw3 gw4 s1 s2 s3; do
    have_ns "$n" || continue
    any=1
    echo "== $(ns "$n")"
    nsx "$n" ip -br addr | grep -v '^lo ' || true
    case "$n" in
      gw*) { nsx "$n" nft list table inet "$NFT_TABLE" >/dev/null 2>&1 && echo "nft: $NFT_TABLE (VIP traffic left to the balancer)" || echo "nft: none (kernel mode)"; } ;;
      rt) [ "$(replica_count)" -gt 0 ] && { nsx rt ip route show "$VIP4/32"; nsx rt ip -6 route show "$VIP6/128"; }
          if [ -f "$RUN/bgp" ]; then birdc -s "$RUN/bird-rt.ctl" show protocols 2>/dev/null | awk '$2 == "BGP" { print "  bgp", $1, $6, $7 }'; fi ;;
      s*) nsx "$n" ss -lntu 2>/dev/null | awk 'NR>1 {print "  listen", $1, $5}' ;;
    esac
  done
  [ $any = 1 ] || { echo "lab $P is down"; return 0; }
  if [ "$(replica_count)" -gt 0 ]; then echo "replicas in service: $(tr '\n' ' ' < "$RUN/in-service" 2>/dev/null)"; fi
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

case "$CMD" in
  up) up ;;
  down) down; echo "lab $P down" ;;
  status) status ;;
  mode) mode ;;
  replica) replica ;;
  *) usage; exit 2 ;;
esac
