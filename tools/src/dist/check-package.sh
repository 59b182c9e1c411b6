#!/bin/sh
# check-package.sh: install the built Debian package on this machine, exercise what it installed,
# then purge it, leaving the machine as it was.
#
# Usage: tools/src/dist/check-package.sh [portredirect_VERSION_all.deb]
#   default: the one .deb under dist/ at the repository root (run `mvn package` first).
# Needs root (dpkg). Refuses to touch a portredirect package that is already installed.
# Exit status: 0 every check passed, 1 a check failed, 2 cannot run (not root, no package, ...).

set -u
root=$(cd -P -- "$(dirname -- "$0")/../../.." && pwd) || exit 2
pkg=portredirect
programs="rdtool redirect-balancer redirect-client-agent redirect-server-agent"
failures=0
installed_by_us=0
work=$(mktemp -d "${TMPDIR:-/tmp}/check-package.XXXXXX") || exit 2

say() {
    echo "check-package: $*"
}

ns=pkgchk
ns_created=0
balancer_pid=

cleanup() {
    if [ -n "$balancer_pid" ]; then
        kill "$balancer_pid" 2>/dev/null || true
        wait "$balancer_pid" 2>/dev/null || true
    fi
    if [ "$ns_created" = 1 ]; then
        ip netns del "$ns" 2>/dev/null || true
    fi
    if [ "$installed_by_us" = 1 ]; then
        dpkg -P "$pkg" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# check DESCRIPTION COMMAND...: runs the command, prints ok or FAIL with its output
check() {
    what=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        say "ok    $what"
    else
        say "FAIL  $what"
        sed 's/^/        /' "$work/out" | head -n 40
        failures=$((failures + 1))
    fi
}

# --- preconditions --------------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    say "must run as root (dpkg -i)"
    exit 2
fi
for tool in dpkg dpkg-deb dpkg-query; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool not found: not a Debian system"; exit 2; }
done
if [ $# -ge 1 ]; then
    deb=$1
else
    set -- "$root"/dist/${pkg}_*_all.deb
    if [ ! -e "$1" ]; then
        say "no $root/dist/${pkg}_*_all.deb: run 'mvn package' first"
        exit 2
    fi
    if [ $# -gt 1 ]; then
        say "several packages under $root/dist; name one: $*"
        exit 2
    fi
    deb=$1
fi
[ -f "$deb" ] || { say "$deb: no such file"; exit 2; }
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
    say "$pkg is already installed here; remove it first (dpkg -P $pkg) so this check can leave the machine clean"
    exit 2
fi

version=$(dpkg-deb -f "$deb" Version)
say "package $deb (version $version)"

# --- install ------------------------------------------------------------------------------------
installed_by_us=1
check "dpkg -i $(basename -- "$deb")" dpkg -i "$deb"
status=$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null)
check "installed and configured at $version" test "$status" = "install ok installed $version"

# --- files ---------------------------------------------------------------------------------------
has_conffile() {
    dpkg-query -W -f='${Conffiles}\n' "$pkg" | awk '{print $1}' | grep -qx "$1"
}
check "/etc/default/portredirect is a conffile" has_conffile /etc/default/portredirect
for conf in /etc/portredirect/*.yaml; do
    [ -e "$conf" ] || continue
    check "$conf is a conffile" has_conffile "$conf"
done
for p in $programs; do
    check "/usr/bin/$p links to the launcher" test "$(readlink -f "/usr/bin/$p")" = "/usr/share/portredirect/bin/$p"
done
for unit in redirect-balancer.service redirect-client-agent@.service redirect-server-agent@.service; do
    check "unit $unit installed" test -f "/lib/systemd/system/$unit"
done

# --- programs, as a user runs them ---------------------------------------------------------------
for p in $programs; do
    check "$p --version" "/usr/bin/$p" --version
done
check "rdtool decode --help" /usr/bin/rdtool decode --help

pcap=
for candidate in "$root/testdata/pcap/tcp4-syn-redirect.pcap" "$root"/testdata/pcap/*.pcap; do
    if [ -f "$candidate" ]; then
        pcap=$candidate
        break
    fi
done
if [ -n "$pcap" ]; then
    decode_json() {
        /usr/bin/rdtool decode --pcap "$pcap" --json >"$work/decoded" && grep -q '"redirect"' "$work/decoded" \
            && cat "$work/decoded"
    }
    check "rdtool decode --pcap $(basename -- "$pcap") --json" decode_json
    check "rdtool decode $(basename -- "$pcap")" /usr/bin/rdtool decode "$pcap"
else
    say "skip  rdtool decode of a pcap: no testdata/pcap/*.pcap"
fi
# the shipped sample configs must be valid for the programs that read them
validate() {
    if [ "$1" = redirect-balancer ]; then
        "/usr/bin/$1" check-config "$2"
    else
        "/usr/bin/$1" check --config "$2"
    fi
}
for pair in "redirect-balancer balancer" "redirect-client-agent client-agent" "redirect-server-agent server-agent"; do
    # shellcheck disable=SC2086
    set -- $pair
    if [ -f "/etc/portredirect/$2.yaml" ]; then
        check "$1 accepts the shipped /etc/portredirect/$2.yaml" validate "$1" "/etc/portredirect/$2.yaml"
    else
        check "/etc/portredirect/$2.yaml shipped" false
    fi
done

# --- shell completion -----------------------------------------------------------------------------
if command -v bash >/dev/null 2>&1; then
    for p in $programs; do
        f=/usr/share/bash-completion/completions/$p
        check "bash completion for $p" bash -c ". '$f' && complete -p '$p'"
    done
else
    say "skip  bash completion: bash not installed"
fi

# --- Wireshark dissector ---------------------------------------------------------------------------
if command -v tshark >/dev/null 2>&1 && [ -n "$pcap" ]; then
    dissect() {
        tshark -n -X lua_script:/usr/share/portredirect/wireshark/portredirect.lua -r "$pcap" \
            -T fields -e portredirect.transport -e portredirect.flags >"$work/fields" 2>"$work/tshark.err" || {
            cat "$work/tshark.err"
            return 1
        }
        cat "$work/fields"
        if grep -qi lua "$work/tshark.err"; then
            cat "$work/tshark.err"
            return 1
        fi
        grep -Eq '^(tcp|udp)' "$work/fields"
    }
    check "tshark with the installed dissector finds the option in $(basename -- "$pcap")" dissect
else
    say "skip  tshark dissector: tshark or a testdata pcap missing"
fi

# --- announcing by BGP: the example BIRD config parses, the drop-in is there -------------------------
examples=/usr/share/doc/portredirect/examples
check "example $examples/redirect-balancer.service.d-announce.conf shipped" test -f "$examples/redirect-balancer.service.d-announce.conf"
if command -v bird >/dev/null 2>&1; then
    check "bird -p accepts $examples/bird-announce.conf" bird -p -c "$examples/bird-announce.conf"
else
    check "example $examples/bird-announce.conf shipped" test -f "$examples/bird-announce.conf"
fi

# --- systemd units ----------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
    check "systemd-analyze verify of the three units" systemd-analyze verify \
        /lib/systemd/system/redirect-balancer.service \
        /lib/systemd/system/redirect-client-agent@.service \
        /lib/systemd/system/redirect-server-agent@.service
else
    say "skip  systemd-analyze verify: systemd-analyze not installed"
fi

# --- the balancer as its unit runs it: an unprivileged user holding only CAP_NET_RAW and
# CAP_NET_ADMIN (ambient), no new privileges, in a throwaway network namespace -----------------------
balancer_lab() {
    ip netns add "$ns" || return 1
    ns_created=1
    ip -n "$ns" link add pkgn0 type veth peer name pkgn1 || return 1
    ip -n "$ns" link add pkgs0 type veth peer name pkgs1 || return 1
    for i in lo pkgn0 pkgn1 pkgs0 pkgs1; do
        ip -n "$ns" link set "$i" up || return 1
    done
    # run refuses interfaces with offloads on (a warning only when ethtool is missing)
    for i in pkgn0 pkgs0; do
        ip netns exec "$ns" ethtool -K "$i" gro off gso off tso off tx off >/dev/null 2>&1 || true
    done
    cat >"$work/balancer.yaml" <<'YAML'
vips: [198.18.0.10]
network:
  interface: pkgn0
  mac: auto
  next-hop: [198.18.0.1]
  next-hop-mac: 02:00:5e:00:53:01
servers:
  - name: s1
    interface: pkgs0
    mode: raw
    service-ports: ["10001"]
redirect-ports:
  - port: 8080
    group: [s1]
YAML
    chmod 755 "$work"
    chmod 644 "$work/balancer.yaml"
    ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
        --inh-caps=-all,+net_raw,+net_admin --ambient-caps=-all,+net_raw,+net_admin \
        --bounding-set=-all,+net_raw,+net_admin \
        /usr/bin/redirect-balancer run --config "$work/balancer.yaml" --metrics 127.0.0.1:19100 \
        >"$work/balancer.log" 2>&1 &
    balancer_pid=$!
}
wait_for() {
    # wait_for SECONDS COMMAND...: polls once a second
    n=$1
    shift
    while [ "$n" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
        n=$((n - 1))
    done
    "$@"
}
healthz() {
    ip netns exec "$ns" curl -sf -m 2 http://127.0.0.1:19100/healthz
}
reloaded() {
    grep -q 'event=reload.*result=ok' "$work/balancer.log"
}
stops_cleanly() {
    kill -TERM "$balancer_pid" || return 1
    wait "$balancer_pid"
    rc=$?
    balancer_pid=
    cat "$work/balancer.log"
    [ "$rc" -eq 0 ]
}
if [ "$(uname -s)" = Linux ] && command -v ip >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 \
    && command -v curl >/dev/null 2>&1 && ! ip netns list 2>/dev/null | grep -qw "$ns"; then
    check "lab namespace $ns with veths" balancer_lab
    if [ -n "$balancer_pid" ]; then
        check "balancer as uid 65534 with CAP_NET_RAW+CAP_NET_ADMIN serves /healthz" wait_for 30 healthz
        kill -HUP "$balancer_pid" 2>/dev/null
        check "balancer reloads on SIGHUP (systemctl reload)" wait_for 15 reloaded
        check "balancer stops on SIGTERM with status 0" stops_cleanly
    fi
    ip netns del "$ns" 2>/dev/null
    ns_created=0
else
    say "skip  balancer under the unit's privileges: needs Linux, ip netns, setpriv and curl (or $ns exists)"
fi

# --- purge: nothing may be left ---------------------------------------------------------------------
check "dpkg -P $pkg" dpkg -P "$pkg"
installed_by_us=0
check "package gone from dpkg's database" sh -c "! dpkg-query -W -f='\${Status}' $pkg 2>/dev/null | grep -q 'ok installed'"
for path in /usr/share/portredirect /etc/portredirect /etc/default/portredirect /usr/share/doc/portredirect \
    /lib/systemd/system/redirect-balancer.service /lib/systemd/system/redirect-client-agent@.service \
    /lib/systemd/system/redirect-server-agent@.service; do
    check "$path removed" sh -c "[ ! -e '$path' ] && [ ! -L '$path' ]"
done
for p in $programs; do
    check "/usr/bin/$p and its completion removed" sh -c "[ ! -e /usr/bin/$p ] && [ ! -L /usr/bin/$p ] && [ ! -e /usr/share/bash-completion/completions/$p ]"
done

if [ "$failures" -ne 0 ]; then
    say "$failures check(s) failed"
    exit 1
fi
say "all checks passed"
exit 0
