#!/usr/bin/env bash
# This tree's Micro against an earlier commit's, side by side: the same benchmarks/MicroServer.App (raw handler and
# --api) built from both, under wrk on loopback, alternating round by round. Prints each run, the medians, the
# ratios HEAD/BASE, and server CPU time per request (../shared/bench/cpu-per-req.sh) for plaintext, pipelined and not.
#   ROUNDS=5 DURATION=10s benchmarks/load/versus.sh BASE_REV
set -euo pipefail
cd "$(dirname "$0")/../.."
base_rev=${1:?usage: benchmarks/load/versus.sh BASE_REV}
rounds=${ROUNDS:-5}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-256}
threads=${THREADS:-2}
shared_bench=$(cd ../shared/bench 2>/dev/null && pwd || true)

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

base_tree=$(mktemp -d /tmp/micro-base-XXXX)
git worktree add --detach "$base_tree" "$base_rev" >/dev/null 2>&1
dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null
(cd "$base_tree" && dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null)

declare -A port=([head]=18090 [base]=18091 [head-api]=18092 [base-api]=18093)
pids=()
start() { # name dll port [--api]
  dotnet "$2" "$3" ${4:-} >/tmp/versus-$1.log 2>&1 &
  pids+=($!)
  eval "pid_${1//-/_}=$!"
}
start head benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll ${port[head]}
start base "$base_tree/benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll" ${port[base]}
start head-api benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll ${port[head-api]} --api
start base-api "$base_tree/benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll" ${port[base-api]} --api
trap 'kill ${pids[*]} 2>/dev/null || true; git worktree remove --force "$base_tree" >/dev/null 2>&1 || true' EXIT
for name in head base head-api base-api; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:${port[$name]}/plaintext" >/dev/null && break; sleep 0.1; done
done

run() { # name test
  local out rps
  if [ "$2" = plaintext ]; then
    out=$(wrk -t "$threads" -c "$connections" -d "$duration" -H 'Connection: keep-alive' -s benchmarks/load/pipeline.lua "http://127.0.0.1:${port[$1]}/plaintext" -- 16)
  else
    out=$(wrk -t "$threads" -c "$connections" -d "$duration" -H 'Connection: keep-alive' "http://127.0.0.1:${port[$1]}/json")
  fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "$1 $2 $rps" >&2
  echo "$1 $2 $rps"
}
for name in head base head-api base-api; do # warm-up: JIT, tiered PGO, pools
  wrk -t "$threads" -c "$connections" -d 5s -s benchmarks/load/pipeline.lua "http://127.0.0.1:${port[$name]}/plaintext" -- 16 >/dev/null
  wrk -t "$threads" -c "$connections" -d 5s "http://127.0.0.1:${port[$name]}/json" >/dev/null
done
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for test in plaintext json; do
    if [ $((round % 2)) -eq 1 ]; then order="head base head-api base-api"; else order="base-api head-api base head"; fi
    for name in $order; do run "$name" "$test" >>"$results"; done
  done
done
median() { awk -v n="$1" -v t="$2" '$1==n && $2==t {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "medians over $rounds rounds ($(date -u +%F), HEAD $(git rev-parse --short HEAD) vs $base_rev, wrk -t$threads -c$connections -d$duration, $(nproc) cores):"
for test in plaintext json; do
  for kind in "" "-api"; do
    h=$(median "head$kind" $test); b=$(median "base$kind" $test)
    printf "%-10s %-4s HEAD %10.0f   BASE %10.0f req/s   HEAD/BASE %.2f\n" "$test" "${kind:-raw}" "$h" "$b" "$(echo "$h / $b" | bc -l)"
  done
done
if [ -n "$shared_bench" ]; then
  for depth in 16 1; do
    echo "server CPU per request, plaintext $([ "$depth" -gt 1 ] && echo "pipelined $depth deep" || echo unpipelined) (cpu-per-req.sh -p $depth, alternating twice):"
    for _ in 1 2; do
      for name in head base head-api base-api; do
        pid_var="pid_${name//-/_}"
        printf "%-9s " "$name"; "$shared_bench/cpu-per-req.sh" -d 6 -p "$depth" "${!pid_var}" "http://127.0.0.1:${port[$name]}/plaintext"
      done
    done
  done
fi
