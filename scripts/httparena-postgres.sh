#!/usr/bin/env bash
# HttpArena's PostgreSQL on this machine: Debian's PostgreSQL (scripts/postgres.sh installs and starts it), the
# arena's role bench (password bench), and DATABASE (default benchmark) made anew, owned by bench, loaded from SEED
# when one is given (the arena's pgdb-seed.sql: the items table, 100,000 rows). MAX_CONNECTIONS, when set, becomes
# the server's max_connections (the arena runs its Postgres with 256; a change restarts the server).
# Prints the database's URL, as the arena's DATABASE_URL gives it, as its last line.
#   scripts/httparena-postgres.sh [DATABASE] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
database="${1:-benchmark}"
seed="${2:-}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export PGOPTIONS=--client-min-messages=warning # no NOTICEs for what exists already
./scripts/postgres.sh >/dev/null
version=$(pg_lsclusters -h | awk '$2 == "main" {print $1}' | sort -V | tail -1)
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
as_postgres() { $sudo runuser -u postgres -- "$@"; }
if [ -n "${MAX_CONNECTIONS:-}" ] && [ "$(as_postgres psql -p "$port" -tAc 'SHOW max_connections')" != "$MAX_CONNECTIONS" ]; then
  as_postgres psql -q -p "$port" -c "ALTER SYSTEM SET max_connections = $MAX_CONNECTIONS"
  $sudo pg_ctlcluster "$version" main restart
  for _ in $(seq 1 60); do as_postgres pg_isready -q -p "$port" && break; sleep 0.5; done
fi
as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench') THEN
    CREATE ROLE bench LOGIN PASSWORD 'bench';
  END IF;
END \$\$;
DROP DATABASE IF EXISTS "$database" WITH (FORCE);
CREATE DATABASE "$database" OWNER bench ENCODING 'UTF8' TEMPLATE template0;
SQL
if [ -n "$seed" ]; then
  [ -s "$seed" ] || { echo "the seed $seed is missing or empty" >&2; exit 1; }
  PGPASSWORD=bench psql -q -h 127.0.0.1 -p "$port" -U bench -d "$database" -v ON_ERROR_STOP=1 -f "$seed" >/dev/null
fi
echo "postgres://bench:bench@127.0.0.1:$port/$database"
