# shellcheck shell=bash
# Shell helpers shared by bin/demo, bin/bench and testdata/lab/scaleout.sh (sourced, not run).
# The sourcing script sets ROOT (the repository) first. Python helpers live in testdata/lab/py/.

PR_PY=${PR_PY:-$(command -v python3 || echo /usr/bin/python3)}
PR_PYDIR=$ROOT/testdata/lab/py

# Colours on a terminal only: BOLD DIM GREEN RED OFF, and TTY=1|0.
# shellcheck disable=SC2034  # read by the scripts that source this file
pr_colors() {
  if [ -t 1 ]; then
    TTY=1 BOLD=$'\e[1m' DIM=$'\e[2m' GREEN=$'\e[32m' RED=$'\e[31m' OFF=$'\e[0m'
  else
    TTY=0 BOLD='' DIM='' GREEN='' RED='' OFF=''
  fi
}

# Milliseconds since PR_T0 (set it with pr_clock_reset), and a millisecond count as "1.5 s".
pr_clock_reset() { PR_T0=$(date +%s%N); }
now_ms() { echo $(( ($(date +%s%N) - PR_T0) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# pr_need COMMAND DEBIAN-PACKAGE: true when the command exists, else names the package and returns 1.
pr_need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "'$1' is missing (Debian package $2; bin/setup-debian installs it)" >&2
  return 1
}

# stop_pid PID [TENTHS]: SIGTERM, then SIGKILL after TENTHS tenths of a second (default 100).
stop_pid() {
  local pid=$1 limit=${2:-100} i
  kill "$pid" 2>/dev/null || return 0
  for (( i=0; i<limit; i++ )); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# scrape NS [ADDR]: a balancer's Prometheus text from inside its namespace (empty when down).
scrape() { ip netns exec "$1" curl -s -m 2 "http://${2:-127.0.0.1:9100}/metrics" 2>/dev/null; }

# metric FILE PREFIX: the sum of the samples whose line starts with PREFIX (0 when none).
metric() { awk -v p="$2" 'index($0, p) == 1 { s += $NF } END { printf "%d", s }' "$1"; }

# json_get FILE|- EXPR [DEFAULT]: a value out of a JSON file (EXPR over d; see py/json_get.py).
json_get() { "$PR_PY" "$PR_PYDIR/json_get.py" "$@"; }

# calc EXPR: floating-point arithmetic and formatting (see py/calc.py).
calc() { "$PR_PY" "$PR_PYDIR/calc.py" "$1"; }

# pyhelper NAME args...: runs testdata/lab/py/NAME.py (inside a namespace: nsx NS pyhelper ... does
# not work, use pyhelper_in NS NAME args...).
pyhelper() { local n=$1; shift; "$PR_PY" "$PR_PYDIR/$n.py" "$@"; }
pyhelper_in() { local ns=$1 n=$2; shift 2; ip netns exec "$ns" "$PR_PY" "$PR_PYDIR/$n.py" "$@"; }
