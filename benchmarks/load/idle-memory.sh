#!/usr/bin/env bash
# RSS per idle keep-alive connection: starts each server alone, opens COUNT connections that each make one request
# and then stay open and idle, and reads the server's RSS before and after.
#   COUNT=10000 benchmarks/load/idle-memory.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${COUNT:-10000}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # each side needs COUNT descriptors
dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null
dotnet build -c Release benchmarks/Kestrel.App -v q -nologo >/dev/null
dotnet build -c Release benchmarks/IdleConnections -v q -nologo >/dev/null

measure() { # name dll port
  dotnet "$2" "$3" >/tmp/idle-$1.log 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/plaintext" >/dev/null && break; sleep 0.1; done
  echo -n "$1: "
  dotnet benchmarks/IdleConnections/bin/Release/net10.0/IdleConnections.dll "$3" "$pid" "$count"
  kill $pid; wait $pid 2>/dev/null || true
}
measure micro benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll 18090
measure kestrel benchmarks/Kestrel.App/bin/Release/net10.0/Kestrel.App.dll 18091
