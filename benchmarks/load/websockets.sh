#!/usr/bin/env bash
# Micro's WebSockets against Kestrel's (ASP.NET Core's app.UseWebSockets), side by side, with the same load clients
# for both: the public API app (MicroServer.App --api) and Kestrel.App serve the same /ws echo, /sub topic and POST
# /publish. The echo load is benchmarks/load/ws-echo.c (one epoll thread, so it takes little of the shared cores);
# idle and publish are benchmarks/WebSocketLoad (raw sockets in C#).
#   echo:    256 connections, each one message in flight, 64 B and 16 KiB messages, ROUNDS alternating rounds of
#            DURATION seconds, medians; and the server's CPU time per message (from /proc)
#   idle:    RSS and managed heap per idle WebSocket, COUNT of them, each server alone
#   publish: time from POST /publish until the last of COUNT subscribers has the message, 9 rounds, median
# With PIN=1 the servers run on CPU 1 and the load on CPU 0 (taskset): each server has one core of its own, so the
# echo figures measure the server, not how the load generator and the server share two cores.
#   ROUNDS=5 DURATION=10 COUNT=10000 [PIN=1] benchmarks/load/websockets.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
count=${COUNT:-10000}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for project in MicroServer.App Kestrel.App WebSocketLoad; do
  dotnet build -c Release "benchmarks/$project" -v q -nologo >/dev/null
done
load=benchmarks/WebSocketLoad/bin/Release/net10.0/WebSocketLoad.dll
command -v gcc >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq gcc >/dev/null; }
echo_load=$(mktemp /tmp/ws-echo-XXXX)
gcc -O2 -o "$echo_load" benchmarks/load/ws-echo.c
server_cpus=(); load_cpus=()
if [ "${PIN:-0}" = 1 ]; then server_cpus=(taskset -c 1); load_cpus=(taskset -c 0); fi
pids=()
trap 'kill ${pids[*]} 2>/dev/null || true; rm -f "${echo_load:-}"' EXIT
start() { # name port -> pid in $started
  if [ "$1" = micro ]; then "${server_cpus[@]}" dotnet benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll "$2" --api >/tmp/ws-$1.log 2>&1 &
  else "${server_cpus[@]}" dotnet benchmarks/Kestrel.App/bin/Release/net10.0/Kestrel.App.dll "$2" >/tmp/ws-$1.log 2>&1 & fi
  started=$!; pids+=($started)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/plaintext" >/dev/null && break; sleep 0.1; done
}
declare -A port=([micro]=18130 [kestrel]=18131) pid
start micro ${port[micro]}; pid[micro]=$started
start kestrel ${port[kestrel]}; pid[kestrel]=$started
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for size in 64 16384; do
    if [ $((round % 2)) -eq 1 ]; then order="micro kestrel"; else order="kestrel micro"; fi
    for name in $order; do
      out=$("${load_cpus[@]}" "$echo_load" 127.0.0.1 "${port[$name]}" 256 "$size" "$duration" "${pid[$name]}")
      echo "$name $size $out" | tee -a "$results" >&2
    done
  done
done
kill "${pid[micro]}" "${pid[kestrel]}"; wait "${pid[micro]}" "${pid[kestrel]}" 2>/dev/null || true
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { awk -v n="$1" -v s="$2" '$1==n && $2==s' "$results" | field "$3" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "echo, medians over $rounds rounds ($(date -u +%F), $(git rev-parse --short HEAD), 256 connections, ${duration}s each, $(nproc) cores$([ "${PIN:-0}" = 1 ] && echo ', server on CPU 1 and load on CPU 0')):"
for size in 64 16384; do
  m=$(median micro $size messages_per_second); k=$(median kestrel $size messages_per_second)
  printf "%6s B  Micro %8.0f msg/s %7.3f us CPU/msg   Kestrel %8.0f msg/s %7.3f us CPU/msg   Micro/Kestrel %.2f (CPU %.2f)\n" "$size" \
    "$m" "$(median micro $size server_cpu_us_per_message)" "$k" "$(median kestrel $size server_cpu_us_per_message)" \
    "$(echo "$m / $k" | bc -l)" "$(echo "$(median kestrel $size server_cpu_us_per_message) / $(median micro $size server_cpu_us_per_message)" | bc -l)"
done
for name in micro kestrel; do
  start "$name" "${port[$name]}"
  echo "idle, $name: $("${load_cpus[@]}" dotnet "$load" idle "127.0.0.1:${port[$name]}" "$count" "$started")"
  echo "publish, $name: $("${load_cpus[@]}" dotnet "$load" publish "127.0.0.1:${port[$name]}" "$count" 9 64)"
  kill "$started"; wait "$started" 2>/dev/null || true
done
