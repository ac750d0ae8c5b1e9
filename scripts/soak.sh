#!/usr/bin/env bash
# The long chaos soak: tests/TargetApp as its own process on 127.0.0.1, hammered for MINUTES by tests/Micro.Soak's
# hostile clients (random split pipelines, chunked and sized bodies, async and streamed answers, resets mid-request
# and mid-pipeline, half-closes, slow readers, clients that never read, garbage). Checks every response, then that
# the server's open descriptors return to where they started and that it stops cleanly on SIGTERM.
# SOAK_APP=aspnetcore aims it at tests/AspNetCoreTargetApp instead: the same routes as an ASP.NET Core app on Micro
# (SOAK_SCHEDULING=Inline for the inline schedule; the thread pool's by default; TARGET_SERVER=kestrel runs the same app
# on Kestrel, to compare).
#   scripts/soak.sh MINUTES [CLIENTS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:?usage: scripts/soak.sh MINUTES [CLIENTS] [SEED]}
clients=${2:-64}
seed=${3:-$RANDOM}
if [ "${SOAK_APP:-micro}" = aspnetcore ]; then
  target=AspNetCoreTargetApp
  arguments=(--urls http://127.0.0.1:0 --Micro:Scheduling "${SOAK_SCHEDULING:-ThreadPool}")
else
  target=TargetApp
  arguments=(--port 0)
fi
dotnet build tests/$target/$target.csproj -c Release -v quiet -nologo | grep -E " error " && exit 1 || true
dotnet build tests/Micro.Soak/Micro.Soak.csproj -c Release -v quiet -nologo | grep -E " error " && exit 1 || true

log=$(mktemp)
dotnet tests/$target/bin/Release/net10.0/$target.dll "${arguments[@]}" > "$log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
[ -n "$url" ] || { cat "$log"; exit 1; }
# Warm up: one request on each of a few connections, so the runtime's own descriptors exist before counting.
for _ in 1 2 3 4; do curl -s -o /dev/null "$url/"; done
echo "soak: $minutes min, $clients clients, seed $seed, against $url (pid $app), $(date -u '+%F %H:%M') UTC, $(nproc) cores"
status=0
dotnet tests/Micro.Soak/bin/Release/net10.0/Micro.Soak.dll "$url" "$app" "$minutes" "$clients" "$seed" || status=$?
kill -TERM $app
wait $app && echo "server stopped cleanly on SIGTERM" || { echo "server exit code $?"; status=1; }
grep -E "fail|Critical|Error" "$log" | head -5 || true
exit $status
