#!/usr/bin/env bash
# Runs HttpArena's own validator (scripts/validate.sh, unmodified) against this repository's entry, examples/HttpArena.
#   scripts/httparena-validate.sh ARENA_DIR
# ARENA_DIR is a checkout of github.com/MDA2AV/HttpArena; it stays outside this repository (its code and data are
# not ours to copy in). The entry is copied into ARENA_DIR/frameworks/micro, as a pull request would add it, and
# removed afterwards. Docker is not needed: scripts/httparena/docker stands in for it (the entry built with its
# Dockerfile's `dotnet publish`, run as a process with the arena's ports, mounts and environment; the arena's
# PostgreSQL as this machine's, seeded from the arena's seed). The validator's output goes to
# benchmarks/httparena-validate.txt as well.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
arena="$(cd "${1:?usage: scripts/httparena-validate.sh ARENA_DIR (a checkout of github.com/MDA2AV/HttpArena)}" && pwd)"
[ -f "$arena/scripts/validate.sh" ] || { echo "$arena has no scripts/validate.sh: not a checkout of HttpArena" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
for tool in curl python3 gcc; do
  command -v "$tool" >/dev/null || { $sudo apt-get update -qq; $sudo apt-get install -y -qq curl python3 >/dev/null; break; }
done
# The seed is one of the repository's large files, left out of some checkouts: the arena's own script makes it.
[ -s "$arena/data/pgdb-seed.sql" ] || python3 "$arena/scripts/generate-pgdb.py" "$arena/data/dataset.json" "$arena/data/pgdb-seed.sql"

entry="$arena/frameworks/micro"
[ ! -e "$entry" ] || [ -f "$entry/.from-micro" ] || { echo "$entry exists and is not ours: move it away first" >&2; exit 1; }
rm -rf "$entry"
mkdir -p "$entry"
(cd "$repo/examples/HttpArena" && git ls-files -co --exclude-standard . | tar -cf - -T -) | tar -xf - -C "$entry"
touch "$entry/.from-micro"
trap 'rm -rf "$entry"' EXIT

export MICRO_SOURCE="$repo" PATH="$repo/scripts/httparena:$PATH" HTTPARENA_STATE="${HTTPARENA_STATE:-/tmp/httparena-docker}"
cd "$arena"
# Into a file, not a pipe: the validator's watchdog (a `sleep` it leaves behind) would hold a pipe open for minutes.
output="$repo/benchmarks/httparena-validate.txt"
set +e
{
  echo "# scripts/httparena-validate.sh, $(date -u '+%F %H:%M') UTC: Micro $(git -C "$repo" rev-parse --short HEAD), HttpArena $(git -C "$arena" rev-parse --short HEAD 2>/dev/null || echo '(not a git checkout)')"
  bash scripts/validate.sh micro 2>&1
} >"$output"
status=$?
set -e
cat "$output"
echo "validate.sh exited $status (output in benchmarks/httparena-validate.txt)"
exit "$status"
