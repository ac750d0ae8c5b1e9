#!/usr/bin/env bash
# This tree's managed path against an earlier commit's, in process (no sockets: benchmarks/Micro.Benchmarks'
# ExchangePath, run by its --loop mode), alternating base and head for each benchmark round by round. Prints each
# run and the medians in ns per request (16 pipelined requests per call), and head/base.
#   ROUNDS=5 SECONDS_EACH=2 benchmarks/load/inprocess-versus.sh BASE_REV MiddlewareBenchmarks.None ExchangePathBenchmarks.Raw ...
set -euo pipefail
cd "$(dirname "$0")/../.."
base_rev=${1:?usage: benchmarks/load/inprocess-versus.sh BASE_REV Class.Method...}
shift
[ $# -gt 0 ] || set -- ExchangePathBenchmarks.Raw ExchangePathBenchmarks.PublicApi MiddlewareBenchmarks.None MiddlewareBenchmarks.PassThrough \
  MiddlewareBenchmarks.Compression MiddlewareBenchmarks.Cors MiddlewareBenchmarks.Forwarded MiddlewareBenchmarks.AllThree
rounds=${ROUNDS:-5}
seconds=${SECONDS_EACH:-2}

base_tree=$(mktemp -d /tmp/micro-base-XXXX)
git worktree add --detach "$base_tree" "$base_rev" >/dev/null 2>&1
trap 'git worktree remove --force "$base_tree" >/dev/null 2>&1 || true' EXIT
# A base older than the loop mode gets this tree's (it only calls a benchmark's setup and method).
if [ ! -f "$base_tree/benchmarks/Micro.Benchmarks/ProfileLoop.cs" ]; then
  cp benchmarks/Micro.Benchmarks/ProfileLoop.cs benchmarks/Micro.Benchmarks/Program.cs "$base_tree/benchmarks/Micro.Benchmarks/"
fi
dotnet build -c Release benchmarks/Micro.Benchmarks -v q -nologo >/dev/null
(cd "$base_tree" && dotnet build -c Release benchmarks/Micro.Benchmarks -v q -nologo >/dev/null)
head_dll=benchmarks/Micro.Benchmarks/bin/Release/net10.0/Micro.Benchmarks.dll
base_dll=$base_tree/benchmarks/Micro.Benchmarks/bin/Release/net10.0/Micro.Benchmarks.dll

results=$(mktemp)
for round in $(seq "$rounds"); do
  for benchmark in "$@"; do
    for side in base head; do
      dll=$head_dll; [ $side = base ] && dll=$base_dll
      ns=$(dotnet "$dll" --loop "$benchmark" "$seconds" | awk '{printf "%.1f", $(NF-2)/16}')
      echo "round $round $benchmark $side $ns ns/request"
      echo "$benchmark $side $ns" >>"$results"
    done
  done
done
echo "medians (ns per request), head/base:"
python3 - "$results" <<'PY' 2>/dev/null || awk '{print}' "$results"
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, side, ns = line.split()
    runs[(name, side)].append(float(ns))
for name in dict.fromkeys(n for n, _ in runs):
    base, head = statistics.median(runs[(name, "base")]), statistics.median(runs[(name, "head")])
    print(f"{name:40s} base {base:7.1f}  head {head:7.1f}  {head / base:.2f}x")
PY
rm -f "$results"
