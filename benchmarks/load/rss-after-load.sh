#!/usr/bin/env bash
# Resident memory of a Micro app at start, after 10 s of wrk load (256 connections), and 5, 15 and 30 s after the load
# has gone: does memory come back? 127.0.0.1 only; it stops by itself.
# Usage: benchmarks/load/rss-after-load.sh path/to/App.dll [url-path] [wrk args...]
#   DEPTH=16 benchmarks/load/rss-after-load.sh examples/HelloWorld/bin/Release/net10.0/HelloWorld.dll / -s $PWD/benchmarks/load/pipeline.lua
set -euo pipefail
dll=$1; path=${2:-/}; shift $(( $# >= 2 ? 2 : 1 ))
port=${PORT:-8099}
cd "$(dirname "$dll")"   # the app's folder is its content root (its appsettings.json)
dotnet "$(basename "$dll")" --port "$port" > /tmp/rss-after-load-app.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port$path" && break; sleep 0.1; done
rss() { echo "$1: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MiB"; }
rss "start"
wrk -t2 -c256 -d10s "$@" "http://127.0.0.1:$port$path" ${DEPTH:+-- $DEPTH} | grep "Requests/sec"
rss "after load"
sleep 5; rss "idle 5 s"
sleep 10; rss "idle 15 s"
sleep 15; rss "idle 30 s"
