#!/usr/bin/env bash
# Why the Redis backplane subscribes to a channel per topic rather than one pattern per instance (issue 25): Redis's
# CPU per PUBLISH and what each instance receives, with TOPICS topics of which each of two instances has subscribers
# of WANTED, under redis-benchmark's publishes spread over all topics (N of them, pipelined 16). Channels: each
# instance SUBSCRIBEs to its topics' channels; pattern: each PSUBSCRIBEs to the app's prefix and filters itself.
#   N=200000 TOPICS=1000 WANTED=10 benchmarks/load/backplane-channels.sh
set -euo pipefail
n=${N:-200000}
topics=${TOPICS:-1000}
wanted=${WANTED:-10}
port=18175
[ -x /usr/bin/redis-server ] || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq redis-server >/dev/null; }
dir=$(mktemp -d)
pids=()
trap 'kill ${pids[*]} 2>/dev/null || true; rm -rf "$dir"' EXIT
redis-server --port $port --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$dir/redis.log" 2>&1 &
redis=$!; pids+=($redis)
for _ in $(seq 1 100); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
channel() { printf 'micro:bench:topic-%012d' "$1"; } # redis-benchmark's __rand_int__ is 12 digits
for mode in channels pattern; do
  for instance in 1 2; do
    if [ $mode = channels ]; then
      # Instance 1 wants topics 0..WANTED-1, instance 2 the next WANTED.
      names=$(for t in $(seq $(( (instance - 1) * wanted )) $(( instance * wanted - 1 ))); do channel "$t"; echo; done)
      redis-cli -p $port subscribe $names >"$dir/$mode-$instance.out" &
    else
      redis-cli -p $port psubscribe 'micro:bench:*' >"$dir/$mode-$instance.out" &
    fi
    pids+=($!)
  done
  sleep 1 # the subscriptions are made before the publishes start (a benchmark, not a test)
  before=$(ticks $redis)
  start=$(date +%s.%N)
  redis-benchmark -p $port -n "$n" -r "$topics" -P 16 -q PUBLISH 'micro:bench:topic-__rand_int__' hello >/dev/null
  elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  after=$(ticks $redis)
  sleep 1
  kill "${pids[@]:1}" 2>/dev/null || true; wait "${pids[@]:1}" 2>/dev/null || true; pids=($redis)
  received=$(grep -c '^hello$' "$dir/$mode-1.out" || true)
  echo "$mode: redis CPU $(echo "scale=3; ($after - $before) * 10000 / $n" | bc) us per publish, $(echo "scale=0; $n / $elapsed" | bc) publishes/s; instance 1 received $received of $n messages (it wanted $(( n * wanted / topics )) or so)"
done
