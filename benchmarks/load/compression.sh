#!/usr/bin/env bash
# What compression costs per response: benchmarks/MicroServer.App --compression (the public API behind
# app.UseCompression() at its default level, Fastest) answering /json-1k and /json-60k, under wrk with
# Accept-Encoding identity, gzip and br, alternating round by round. Prints, per body and coding, the median req/s,
# the median server CPU time per request (user+sys of the server from /proc, which does not depend on wrk sharing
# the cores), and the bytes on the wire.
#   ROUNDS=3 DURATION=8s CONNECTIONS=64 benchmarks/load/compression.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
duration=${DURATION:-8s}
connections=${CONNECTIONS:-64}
port=18096
if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null
dotnet benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll $port --compression >/tmp/compression-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/json-1k" >/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for body in json-1k json-60k; do
    for coding in identity gzip br; do
      t0=$(ticks)
      out=$(wrk -t2 -c"$connections" -d"$duration" -H "Accept-Encoding: $coding" "http://127.0.0.1:$port/$body" 2>&1)
      t1=$(ticks)
      reqs=$(echo "$out" | awk '/requests in/ {print $1}')
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v r="$reqs" 'BEGIN {printf "%.2f", (t / hz) * 1e6 / r}')
      echo "$body $coding $rps $cpu" | tee -a "$results"
    done
  done
done
echo
echo "medians over $rounds rounds ($(date -u +%F), $(git rev-parse --short HEAD), wrk -t2 -c$connections -d$duration, $(nproc) cores):"
for body in json-1k json-60k; do
  for coding in identity gzip br; do
    bytes=$(curl -s -H "Accept-Encoding: $coding" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/$body")
    rps=$(awk -v b="$body" -v c="$coding" '$1 == b && $2 == c {print $3}' "$results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    cpu=$(awk -v b="$body" -v c="$coding" '$1 == b && $2 == c {print $4}' "$results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    printf "%-9s %-9s %10.0f req/s  %8.2f us CPU/req  %7d bytes\n" "$body" "$coding" "$rps" "$cpu" "$bytes"
  done
done
rm -f "$results"
