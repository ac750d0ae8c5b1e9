#!/usr/bin/env bash
# Micro (raw low-level handler), Micro's public API (MicroApp routes) and Kestrel (raw middleware) under wrk on
# loopback, alternating server by server
# and round by round so that both see the same noise. Prints each run, then medians and Micro/Kestrel ratios.
#   ROUNDS=5 DURATION=10s CONNECTIONS=256 THREADS=2 benchmarks/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-256}
threads=${THREADS:-2}
micro_port=18080
kestrel_port=18081
api_port=18082

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Kestrel.App -v q -nologo >/dev/null

dotnet benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll $micro_port >/tmp/micro-server.log 2>&1 &
micro_pid=$!
dotnet benchmarks/Kestrel.App/bin/Release/net10.0/Kestrel.App.dll $kestrel_port >/tmp/kestrel-server.log 2>&1 &
kestrel_pid=$!
dotnet benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll $api_port --api >/tmp/micro-api-server.log 2>&1 &
api_pid=$!
trap 'kill $micro_pid $kestrel_pid $api_pid 2>/dev/null || true' EXIT
for port in $micro_port $kestrel_port $api_port; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/plaintext" >/dev/null && break; sleep 0.1; done
done

accept_plain='Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7'
accept_json='Accept: application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7'

run() { # server port test
  local out
  if [ "$3" = plaintext ]; then
    out=$(wrk -t "$threads" -c "$connections" -d "$duration" -H 'Host: localhost' -H "$accept_plain" -H 'Connection: keep-alive' \
      -s benchmarks/load/pipeline.lua "http://127.0.0.1:$2/plaintext" -- 16)
  else
    out=$(wrk -t "$threads" -c "$connections" -d "$duration" -H 'Host: localhost' -H "$accept_json" -H 'Connection: keep-alive' \
      "http://127.0.0.1:$2/json")
  fi
  local rps errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  echo "$1 $3 $rps $errors" >&2
  echo "$1 $3 $rps"
}

# Warm both up (JIT, tiered PGO, pools) before measuring.
for port in $micro_port $kestrel_port $api_port; do
  wrk -t "$threads" -c "$connections" -d 5s -s benchmarks/load/pipeline.lua "http://127.0.0.1:$port/plaintext" -- 16 >/dev/null
  wrk -t "$threads" -c "$connections" -d 5s "http://127.0.0.1:$port/json" >/dev/null
done

results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for test in plaintext json; do
    if [ $((round % 2)) -eq 1 ]; then order="micro api kestrel"; else order="kestrel api micro"; fi
    for server in $order; do
      port=$micro_port; [ "$server" = kestrel ] && port=$kestrel_port; [ "$server" = api ] && port=$api_port
      run "$server" "$port" "$test" >>"$results"
    done
  done
done

echo
echo "medians over $rounds rounds ($(date -u +%F), wrk -t$threads -c$connections -d$duration, $(nproc) cores):"
for test in plaintext json; do
  m=$(awk -v t=$test '$1=="micro" && $2==t {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  k=$(awk -v t=$test '$1=="kestrel" && $2==t {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  a=$(awk -v t=$test '$1=="api" && $2==t {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf "%-10s micro %10.0f   public API %10.0f   kestrel %10.0f req/s   micro/kestrel %.2f   api/kestrel %.2f   api/micro %.2f\n" \
    "$test" "$m" "$a" "$k" "$(echo "$m / $k" | bc -l)" "$(echo "$a / $k" | bc -l)" "$(echo "$a / $m" | bc -l)"
done
