#!/usr/bin/env bash
# Two builds of aspnet-minimal (or of the same app with different settings) measured side by side: both servers up at
# once, each in a network namespace of its own (so both listen on the app's fixed ports), and loaded in turn by the
# arena's load generator in short windows (A, B, A, B, ...). Whatever the machine does meanwhile (a noisy neighbour,
# the host's frequency) falls on both alike, where runs minutes apart on this 2-core machine swung by up to 2x; the
# idle one costs nothing while the other is loaded. Printed: each window's server CPU time (user + system, from
# /proc) per response and responses per second, then the medians and the median of the per-round ratios B/A.
#   benchmarks/load/side-by-side.sh ARENA_DIR GCANNON A_DIR B_DIR PROFILE [ROUNDS]
# A_DIR and B_DIR: aspnet-minimal published (scripts/httparena/aspnet-minimal.sh ARENA_DIR SRC [micro], then
# dotnet publish SRC -c Release -o DIR); GCANNON: the load generator's binary (benchmarks/load/httparena.sh builds
# it); PROFILE: baseline, limited-conn, pipelined or json. A_ENV and B_ENV add environment to each (for example
# B_ENV="Micro__Scheduling=Inline"); WINDOW (default 4s) is each measured run, after one warm-up run of each.
# Needs root (unshare -n, nsenter) and targets only the loopback device of each namespace.
set -euo pipefail
arena="$(cd "${1:?usage: side-by-side.sh ARENA_DIR GCANNON A_DIR B_DIR PROFILE [ROUNDS]}" && pwd)"
gcannon="${2:?GCANNON}"
a_dir="$(cd "${3:?A_DIR}" && pwd)"
b_dir="$(cd "${4:?B_DIR}" && pwd)"
profile="${5:?PROFILE}"
rounds="${6:-8}"
window="${WINDOW:-4s}"
r="$arena/requests"
url=http://127.0.0.1:8080
case $profile in
  baseline)     args="$url --raw $r/get.raw,$r/post_cl.raw,$r/post_chunked.raw -p 1" ;;
  limited-conn) args="$url --raw $r/get.raw,$r/post_cl.raw,$r/post_chunked.raw -p 1 -r 10" ;;
  pipelined)    args="$url/pipeline -p 16" ;;
  json)         args="$url --raw $(ls "$r"/json-{1,5,10,15,25,40,50}.raw | paste -sd,) -p 1 -r 25" ;;
  *) echo "unknown profile $profile" >&2; exit 2 ;;
esac
logs=$(mktemp -d /tmp/side-by-side-XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -e "$logs/gcannon-failed.log" ] || rm -rf "$logs" # kept when a window failed, with the servers' logs
}
trap cleanup EXIT

start() { # DIR ENV LOG: the app in a namespace of its own; prints its pid
  (cd "$1" && exec unshare -n sh -c "ip link set lo up; exec env $2 DATASET_PATH=$arena/data/dataset.json dotnet aspnet-minimal.dll" >"$3" 2>&1) &
  echo $!
}
pa=$(start "$a_dir" "${A_ENV:-}" "$logs/a.log"); pids+=("$pa")
pb=$(start "$b_dir" "${B_ENV:-}" "$logs/b.log"); pids+=("$pb")
for p in "$pa" "$pb"; do
  for _ in $(seq 1 100); do nsenter -t "$p" -n curl -s -o /dev/null "$url/baseline11?a=1&b=1" 2>/dev/null && break; sleep 0.1; done
  nsenter -t "$p" -n "$gcannon" $args -c 256 -t 1 -d 3s >/dev/null 2>&1
done

measure() { # PID: one window; prints "cpu_us rps"
  local u0 s0 u1 s1 out n secs
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$1/stat")
  out=$(nsenter -t "$1" -n "$gcannon" $args -c 256 -t 1 -d "$window" 2>&1)
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$1/stat")
  n=$(echo "$out" | grep -oP '2xx=\K\d+' | head -1)
  secs=$(echo "$out" | grep -oP 'requests in \K[\d.]+' | head -1)
  if [ -z "$n" ] || [ "$n" -eq 0 ] || [ -z "$secs" ]; then
    echo "$out" >>"$logs/gcannon-failed.log"
    echo "failed failed" # a window the load generator reported no answers for: left out of the medians, and said
    return
  fi
  echo "$(echo "scale=3; ($u1-$u0+$s1-$s0)*10000/$n" | bc) $(echo "$n/$secs" | bc)"
}
results=""
for i in $(seq 1 "$rounds"); do
  read -r ca ra < <(measure "$pa")
  read -r cb rb < <(measure "$pb")
  echo "round $i: A $ca us, $ra/s   B $cb us, $rb/s"
  if [ "$ca" = failed ] || [ "$cb" = failed ]; then
    echo "  round $i left out: the load generator reported no answers (its output: $logs/gcannon-failed.log)" >&2
    continue
  fi
  results+="$ca $ra $cb $rb"$'\n'
done
[ -n "$results" ] || { echo "no round completed" >&2; exit 1; }
python3 - "$results" <<'EOF'
import statistics as s, sys
rows = [[float(x) for x in line.split()] for line in sys.argv[1].strip().split('\n')]
ca, ra, cb, rb = ([r[i] for r in rows] for i in range(4))
print(f"CPU per response: A {s.median(ca):.3f} us, B {s.median(cb):.3f} us, B/A median of rounds {s.median([b / a for a, b in zip(ca, cb)]):.3f}")
print(f"responses per second: A {s.median(ra):,.0f}, B {s.median(rb):,.0f}, B/A median of rounds {s.median([b / a for a, b in zip(ra, rb)]):.3f}")
EOF
