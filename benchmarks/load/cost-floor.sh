#!/usr/bin/env bash
# Micro's public API against the cost floor: ../shared/bench's C epoll responder (limit-server: parses nothing,
# answers every request head it counts with one fixed response), by server CPU time per request (cpu-per-req.sh),
# which the load generator sharing the cores does not sway. Pipelined plaintext (16 deep) and unpipelined JSON, 256
# connections, ROUNDS alternating rounds of DURATION seconds, medians. Micro: benchmarks/MicroServer.App --api
# (app.Get with res.Send and res.Json, as the HttpArena entry's /pipeline and the TechEmpower app's /json).
#   ROUNDS=5 DURATION=6 benchmarks/load/cost-floor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bench="$(cd ../shared/bench && pwd)"
rounds=${ROUNDS:-5}
duration=${DURATION:-6}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
work=$(mktemp -d)
pids=()
trap 'kill ${pids[*]} 2>/dev/null || true; rm -rf "$work"' EXIT
gcc -O2 -pthread -o "$work/limit-server" "$bench/limit-server.c"
dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null
"$work/limit-server" 18140 "$(nproc)" >/dev/null 2>&1 &
pids+=($!); floor=$!
dotnet benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll 18141 --api >/dev/null 2>&1 &
pids+=($!); api=$!
for port in 18140 18141; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/plaintext" && break; sleep 0.1; done
done
results="$work/results"
measure() { # name pid port path depth
  local line
  line=$("$bench/cpu-per-req.sh" -d "$duration" -c 256 -p "$5" -t 2 "$2" "http://127.0.0.1:$3$4")
  echo "$1 $4 $line" >&2
  echo "$1 $4 $(echo "$line" | awk '{for (i = 1; i <= NF; i++) if ($i == "us") print $(i - 1)}') $(echo "$line" | awk '{print $2}')" >>"$results"
}
for name in floor api; do # warm-up
  pid=$floor port=18140; [ $name = api ] && pid=$api port=18141
  "$bench/cpu-per-req.sh" -d 3 -p 16 "$pid" "http://127.0.0.1:$port/plaintext" >/dev/null
  "$bench/cpu-per-req.sh" -d 3 -p 1 "$pid" "http://127.0.0.1:$port/json" >/dev/null
done
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order="floor api"; else order="api floor"; fi
  for name in $order; do
    pid=$floor port=18140; [ $name = api ] && pid=$api port=18141
    measure $name "$pid" $port /plaintext 16
    measure $name "$pid" $port /json 1
  done
done
median() { awk -v n="$1" -v p="$2" -v c="$3" '$1==n && $2==p {print $c}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "medians over $rounds rounds ($(date -u +%F), $(git rev-parse --short HEAD), wrk -t2 -c256, ${duration}s, $(nproc) cores):"
for path in /plaintext /json; do
  f=$(median floor $path 3); a=$(median api $path 3)
  printf '%-10s %s   C responder %.3f us CPU/req (%.0f req/s)   Micro public API %.3f us (%.0f req/s)   ratio %.2f\n' \
    "$path" "$([ $path = /plaintext ] && echo 'pipelined 16' || echo 'unpipelined ')" "$f" "$(median floor $path 4)" "$a" "$(median api $path 4)" "$(echo "$a / $f" | bc -l)"
done
