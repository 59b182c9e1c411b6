#!/usr/bin/env bash
# Runs every lab and e2e test class (JUnit tag "lab") N times and prints the failures per class:
# the flakiness hunt. A class that fails even once in N runs is a bug to find.
#
#   testdata/lab/repeat-lab-tests.sh N [CLASS ...]
#
# CLASS narrows the run to those test classes (simple names, e.g. IcmpLabTest). Builds once
# (package, no tests), then runs `mvn test -Dgroups=lab` N times over the built tree; each run's
# Maven output and the surefire reports of failing classes are kept under
# target/repeat-lab-tests/RUN/. Needs root (the lab tests skip otherwise, and a skip is counted as
# a failure here: it would hide the class). Exit 0 when every class passed every run, 1 otherwise,
# 2 on bad usage. LAB_DATAPLANE=nft|pcap puts every balancer on that dataplane (default: the
# balancer's own default, nft where the kernel supports it).
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${1:-}
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 N [CLASS ...]   (N runs, N >= 1)" >&2; exit 2; }
shift
[ "$(id -u)" -eq 0 ] || { echo "repeat-lab-tests: needs root (lab tests use network namespaces)" >&2; exit 2; }

out=target/repeat-lab-tests
rm -rf "$out"
mkdir -p "$out"
selection=(-Dgroups=lab)
if [ $# -gt 0 ]; then
  selection+=("-Dtest=$(IFS=,; echo "$*")" -Dsurefire.failIfNoSpecifiedTests=false)
fi

echo "repeat-lab-tests: building once (mvn package -DskipTests -DskipDist)"
mvn -B -ntp -q -o package -DskipTests -DskipDist > "$out/build.log" 2>&1 \
  || mvn -B -ntp -q package -DskipTests -DskipDist > "$out/build.log" 2>&1 \
  || { echo "repeat-lab-tests: build failed, see $out/build.log" >&2; tail -20 "$out/build.log" >&2; exit 1; }

declare -A runs fails seen
start=$(date +%s)
for i in $(seq 1 "$N"); do
  rm -rf ./*/target/surefire-reports
  t0=$(date +%s)
  # failures ignored by Maven: every module runs (a failing balancer class must not skip tools)
  mvn -B -ntp -o -fae -Dmaven.test.failure.ignore=true test "${selection[@]}" \
    ${LAB_DATAPLANE:+-Dportredirect.lab.dataplane=$LAB_DATAPLANE} > "$out/run-$i.log" 2>&1 || true
  failed_here=()
  for xml in ./*/target/surefire-reports/TEST-*.xml; do
    [ -e "$xml" ] || continue
    cls=$(basename "$xml" .xml); cls=${cls#TEST-}; cls=${cls##*.}
    # the testsuite element's counters; a skipped lab test means the lab did not run
    read -r tests f e s < <(sed -n 's/.*<testsuite[^>]* tests="\([0-9]*\)"[^>]* errors="\([0-9]*\)"[^>]* skipped="\([0-9]*\)"[^>]* failures="\([0-9]*\)".*/\1 \4 \2 \3/p' "$xml" | head -1)
    [ -n "${tests:-}" ] || { tests=0; f=1; e=0; s=0; }
    runs[$cls]=$(( ${runs[$cls]:-0} + 1 )); seen[$cls]=$i
    if [ $((f + e + s)) -gt 0 ] || [ "$tests" -eq 0 ]; then
      fails[$cls]=$(( ${fails[$cls]:-0} + 1 ))
      failed_here+=("$cls")
      mkdir -p "$out/run-$i"
      cp "$xml" "$(dirname "$xml")/$(basename "$xml" .xml | sed 's/^TEST-//')-output.txt" "$out/run-$i/" 2>/dev/null || true
    fi
  done
  if ! grep -q "Tests run:" "$out/run-$i.log"; then
    echo "run $i: Maven ran no test, see $out/run-$i.log" >&2
    tail -20 "$out/run-$i.log" >&2
    exit 1
  fi
  # a class that ran in an earlier run but left no report now did not run: that counts as failed
  for cls in "${!runs[@]}"; do
    if [ "${seen[$cls]:-0}" -lt "$i" ] && [ "${runs[$cls]}" -lt "$i" ]; then
      runs[$cls]=$(( ${runs[$cls]} + 1 ))
      fails[$cls]=$(( ${fails[$cls]:-0} + 1 ))
      failed_here+=("$cls(did not run)")
    fi
  done
  echo "run $i/$N: $(( $(date +%s) - t0 )) s, failed: ${failed_here[*]:-none}"
done

echo
printf '%-40s %5s %9s\n' "class" "runs" "failures"
total=0
for cls in $(printf '%s\n' "${!runs[@]}" | sort); do
  printf '%-40s %5d %9d\n' "$cls" "${runs[$cls]}" "${fails[$cls]:-0}"
  total=$(( total + ${fails[$cls]:-0} ))
done
echo "repeat-lab-tests: ${#runs[@]} classes, $N runs each, $total failed class runs, $(( $(date +%s) - start )) s"
[ "$total" -eq 0 ]
