#!/usr/bin/env bash
# Topics across instances (issue 25): a publish to COUNT WebSocket subscribers, on one Micro instance alone, and
# spread evenly over two instances that share a Redis backplane (Debian's redis-server on a private port), the
# publish made on the first. ROUNDS alternating runs of each, every run 9 publishes after a warm-up one; reported
# per run: each delivery's latency from the publish (p50, p99), the time until the last subscriber has it, and the
# CPU time of every process that serves it (the instances, and Redis) per delivered message.
#   ROUNDS=3 COUNT=10000 SIZE=64 benchmarks/load/backplane.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
count=${COUNT:-10000}
size=${SIZE:-64}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ -x /usr/bin/redis-server ] || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq redis-server >/dev/null; }
for project in MicroServer.App WebSocketLoad; do
  dotnet build -c Release "benchmarks/$project" -v q -nologo >/dev/null
done
app=benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll
load=benchmarks/WebSocketLoad/bin/Release/net10.0/WebSocketLoad.dll
redis_port=18160
pids=()
trap 'kill ${pids[*]} 2>/dev/null || true' EXIT
redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/tmp/backplane-redis.log 2>&1 &
redis_pid=$!; pids+=($redis_pid)
for _ in $(seq 1 100); do redis-cli -p $redis_port ping >/dev/null 2>&1 && break; sleep 0.1; done
start() { # port [--redis] -> pid in $started
  dotnet "$app" "$1" --api ${2:+--redis 127.0.0.1:$redis_port} >"/tmp/backplane-$1.log" 2>&1 &
  started=$!; pids+=($started)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/plaintext" >/dev/null && break; sleep 0.1; done
}
stop() { kill "$@" 2>/dev/null || true; wait "$@" 2>/dev/null || true; }
for round in $(seq 1 "$rounds"); do
  start 18161; alone=$started
  echo "one instance: $(dotnet "$load" spread 127.0.0.1:18161 "$count" 9 "$size" "$alone")"
  stop "$alone"
  start 18162 redis; first=$started
  start 18163 redis; second=$started
  echo "two instances and Redis: $(dotnet "$load" spread 127.0.0.1:18162,127.0.0.1:18163 "$count" 9 "$size" "$first,$second,$redis_pid")"
  stop "$first" "$second"
done
