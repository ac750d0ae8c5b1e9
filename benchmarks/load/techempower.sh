#!/usr/bin/env bash
# The TechEmpower app on Micro (examples/TechEmpower) against the same endpoints on Kestrel
# (benchmarks/Kestrel.TechEmpower, the same data code) under wrk, both on the same PostgreSQL (scripts/postgres.sh sets
# it up). Tests: plaintext (pipelined 16), json, db, queries=20, fortunes, updates=20, cached-queries=20. Servers
# alternate run by run and round by round, so both see the same noise; prints every run, then medians and ratios.
#   ROUNDS=3 DURATION=10s CONNECTIONS=256 THREADS=2 benchmarks/load/techempower.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-256}
threads=${THREADS:-2}
tests=${TESTS:-"plaintext json db queries fortunes updates cached"}
micro_port=18090
kestrel_port=18091

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Both servers get the same pool: 32 connections each (PostgreSQL allows 100 in all), statements prepared automatically.
postgres="$(./scripts/postgres.sh | tail -1);Maximum Pool Size=32;Max Auto Prepare=20;No Reset On Close=true"

dotnet build -c Release examples/TechEmpower -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Kestrel.TechEmpower -v q -nologo >/dev/null

dotnet examples/TechEmpower/bin/Release/net10.0/TechEmpower.dll --port $micro_port --postgres "$postgres" >/tmp/micro-techempower.log 2>&1 &
micro_pid=$!
dotnet benchmarks/Kestrel.TechEmpower/bin/Release/net10.0/Kestrel.TechEmpower.dll --port $kestrel_port --postgres "$postgres" >/tmp/kestrel-techempower.log 2>&1 &
kestrel_pid=$!
trap 'kill $micro_pid $kestrel_pid 2>/dev/null || true' EXIT
for port in $micro_port $kestrel_port; do
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/db" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/db" >/dev/null || { echo "server on $port did not start:"; cat /tmp/*-techempower.log; exit 1; }
done

path_of() {
  case $1 in
    plaintext) echo /plaintext ;; json) echo /json ;; db) echo /db ;; queries) echo "/queries?queries=20" ;;
    fortunes) echo /fortunes ;; updates) echo "/updates?queries=20" ;; cached) echo "/cached-queries?count=20" ;;
  esac
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # the process's user + system time, in clock ticks

run() { # server port test seconds
  local out url="http://127.0.0.1:$2$(path_of "$3")" pid=$micro_pid before
  [ "$1" = kestrel ] && pid=$kestrel_pid
  before=$(ticks "$pid")
  if [ "$3" = plaintext ]; then
    out=$(wrk -t "$threads" -c "$connections" -d "$4" -H 'Host: localhost' -H 'Connection: keep-alive' \
      -H 'Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7' \
      -s benchmarks/load/pipeline.lua "$url" -- 16)
  else
    out=$(wrk -t "$threads" -c "$connections" -d "$4" -H 'Host: localhost' -H 'Connection: keep-alive' \
      -H 'Accept: application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7' "$url")
  fi
  local rps errors requests cpu
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  # Server CPU per request, in microseconds: unlike req/s it does not depend on wrk sharing the cores.
  cpu=$(echo "($(ticks "$pid") - $before) * 1000000 / $(getconf CLK_TCK) / $requests" | bc -l)
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  echo "$1 $3 $rps $cpu $errors" >&2
  echo "$1 $3 $rps $cpu"
}

# Warm up: JIT, tiered PGO, connection pools, prepared statements.
for test in $tests; do
  run micro $micro_port "$test" 3s >/dev/null 2>&1
  run kestrel $kestrel_port "$test" 3s >/dev/null 2>&1
done

results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for test in $tests; do
    if [ $((round % 2)) -eq 1 ]; then order="micro kestrel"; else order="kestrel micro"; fi
    for server in $order; do
      port=$micro_port; [ "$server" = kestrel ] && port=$kestrel_port
      run "$server" "$port" "$test" "$duration" >>"$results"
    done
  done
done

echo
echo "medians over $rounds rounds ($(date -u +%F), wrk -t$threads -c$connections -d$duration, $(nproc) cores, PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -1)):"
median() { awk -v s="$1" -v t="$2" -v c="$3" '$1==s && $2==t {print $c}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for test in $tests; do
  m=$(median micro "$test" 3); k=$(median kestrel "$test" 3)
  printf "%-10s micro %10.0f   kestrel %10.0f req/s   micro/kestrel %.2f   server CPU per request: micro %.1f us, kestrel %.1f us\n" \
    "$test" "$m" "$k" "$(echo "$m / $k" | bc -l)" "$(median micro "$test" 4)" "$(median kestrel "$test" 4)"
done
