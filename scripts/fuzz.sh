#!/usr/bin/env bash
# Fuzzes one target of tests/Micro.Fuzz with AFL++ for SECONDS, then prints executions, paths and crashes.
#   scripts/fuzz.sh TARGET SECONDS      TARGET: parser, chunked, multipart, route, connection, app, aspnet
# Installs what it needs (Debian's afl++, the SharpFuzz.CommandLine tool into artifacts/fuzz/tools), publishes the
# harness into artifacts/fuzz/TARGET/bin, instruments Micro.dll, Micro.Parser.dll and Micro.AspNetCore.dll there with sharpfuzz, and runs
# afl-fuzz on the seed corpus tests/Micro.Fuzz/corpus/TARGET. Findings stay in artifacts/fuzz/TARGET/findings; a
# crash or hang worth keeping goes to tests/Micro.Fuzz/regressions/TARGET/, which the test suite replays.
# The connection, app and aspnet targets serve on 127.0.0.1 only. Two targets at a time fit a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
case "$target" in parser|chunked|multipart|route|connection|app|aspnet) ;; *) echo "unknown target '$target'" >&2; exit 2;; esac

if ! command -v afl-fuzz >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq afl++ >/dev/null
fi
tools=artifacts/fuzz/tools
[ -x "$tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null

out=artifacts/fuzz/$target
rm -rf "$out"
dotnet publish tests/Micro.Fuzz/Micro.Fuzz.csproj -c Release -o "$out/bin" -v quiet -nologo >/dev/null
for dll in Micro.Parser.dll Micro.dll Micro.AspNetCore.dll; do
  "$tools/sharpfuzz" "$out/bin/$dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
# -t: a whole connection is allowed 5 s by the harness itself; afl's own limit sits above it.
afl-fuzz -V "$seconds" -t 20000 -m none -i "tests/Micro.Fuzz/corpus/$target" -o "$out/findings" \
  -- dotnet "$out/bin/Micro.Fuzz.dll" "$target" > "$out/afl.log" 2>&1 || { tail -30 "$out/afl.log"; exit 1; }

stats=$out/findings/default/fuzzer_stats
value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "$target: $(value execs_done) executions in $(value run_time) s ($(value execs_per_sec)/s), $(value corpus_count) paths, $(value saved_crashes) crashes, $(value saved_hangs) hangs (afl++ $(dpkg-query -W -f='${Version}' afl++), $(date -u +%F))"
find "$out/findings/default/crashes" "$out/findings/default/hangs" -type f -name 'id:*' 2>/dev/null || true
