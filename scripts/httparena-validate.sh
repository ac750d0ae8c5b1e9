#!/usr/bin/env bash
# Runs HttpArena's own validator (scripts/validate.sh, unmodified) against this repository's entry, examples/HttpArena.
#   scripts/httparena-validate.sh ARENA_DIR [aspnet-micro]
# With aspnet-micro, the entry validated is the arena's own aspnet-minimal (Kestrel, minimal APIs) on Micro's engine:
# its source unchanged but for builder.WebHost.UseMicro() after CreateBuilder and a reference to Micro.AspNetCore
# (issue 22), its static files copied into wwwroot as its Dockerfile does, the package versions this machine serves
# (Npgsql 10.0.3 for 10.0.2, StackExchange.Redis 2.8.16 for 2.8.22), its build.sh building its own folder under its
# own name, and its meta.json's tests those Micro serves (HTTP/1.1 in the clear: no TLS, h2 or h3 profiles).
# ARENA_DIR is a checkout of github.com/MDA2AV/HttpArena; it stays outside this repository (its code and data are
# not ours to copy in). The entry is copied into ARENA_DIR/frameworks/micro, as a pull request would add it, and
# removed afterwards. Docker is not needed: scripts/httparena/docker stands in for it (the entry built with its
# Dockerfile's `dotnet publish`, run as a process with the arena's ports, mounts and environment; the arena's
# PostgreSQL as this machine's, seeded from the arena's seed). The validator's output goes to
# benchmarks/httparena-validate.txt as well.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
arena="$(cd "${1:?usage: scripts/httparena-validate.sh ARENA_DIR (a checkout of github.com/MDA2AV/HttpArena) [aspnet-micro]}" && pwd)"
name="${2:-micro}"
[ -f "$arena/scripts/validate.sh" ] || { echo "$arena has no scripts/validate.sh: not a checkout of HttpArena" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
for tool in curl python3 gcc; do
  command -v "$tool" >/dev/null || { $sudo apt-get update -qq; $sudo apt-get install -y -qq curl python3 >/dev/null; break; }
done
# The seed is one of the repository's large files, left out of some checkouts: the arena's own script makes it.
[ -s "$arena/data/pgdb-seed.sql" ] || python3 "$arena/scripts/generate-pgdb.py" "$arena/data/dataset.json" "$arena/data/pgdb-seed.sql"

entry="$arena/frameworks/$name"
[ ! -e "$entry" ] || [ -f "$entry/.from-micro" ] || { echo "$entry exists and is not ours: move it away first" >&2; exit 1; }
rm -rf "$entry"
mkdir -p "$entry"
if [ "$name" = aspnet-micro ]; then
  "$repo/scripts/httparena/aspnet-minimal.sh" "$arena" "$entry" micro
  # Its build.sh tags the image for aspnet-minimal with the repository as the context; this entry's is its own name and folder.
  printf '#!/usr/bin/env bash\nset -euo pipefail\ndocker build -t httparena-%s "$(cd "$(dirname "$0")" && pwd)"\n' "$name" >"$entry/build.sh"
  python3 - "$entry/meta.json" <<'PY'
import json, sys
path = sys.argv[1]
meta = json.load(open(path))
meta["display_name"] = "aspnet-minimal (Micro)"
meta["engine"] = "micro (epoll), ASP.NET Core's IServer"
meta["tests"] = [t for t in meta["tests"] if not any(p in t for p in ("tls", "h2", "h3"))]
json.dump(meta, open(path, "w"), indent=2)
PY
else
  (cd "$repo/examples/HttpArena" && git ls-files -co --exclude-standard . | tar -cf - -T -) | tar -xf - -C "$entry"
fi
touch "$entry/.from-micro"
trap 'rm -rf "$entry"' EXIT

export MICRO_SOURCE="$repo" PATH="$repo/scripts/httparena:$PATH" HTTPARENA_STATE="${HTTPARENA_STATE:-/tmp/httparena-docker}"
cd "$arena"
# Into a file, not a pipe: the validator's watchdog (a `sleep` it leaves behind) would hold a pipe open for minutes.
output="$repo/benchmarks/httparena-validate$([ "$name" = micro ] || echo "-$name").txt"
set +e
{
  echo "# scripts/httparena-validate.sh, $(date -u '+%F %H:%M') UTC: Micro $(git -C "$repo" rev-parse --short HEAD), HttpArena $(git -C "$arena" rev-parse --short HEAD 2>/dev/null || echo '(not a git checkout)')"
  bash scripts/validate.sh "$name" 2>&1
} >"$output"
status=$?
set -e
cat "$output"
echo "validate.sh exited $status (output in ${output#$repo/})"
exit "$status"
