#!/usr/bin/env bash
# Sets up the TechEmpower database on this machine: installs PostgreSQL from Debian's packages when it is missing,
# starts the cluster, and creates the benchmarkdbuser role and the hello_world database (UTF-8) with the World and
# Fortune tables and their data. Safe to run again. Prints the connection string as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing: postgresql" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  $sudo pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -qx online; then
  $sudo pg_ctlcluster "$version" main start
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

as_postgres() { $sudo runuser -u postgres -- "$@"; }
# Wait for the server to accept connections (it may still be starting).
for _ in $(seq 1 60); do
  as_postgres pg_isready -q -p "$port" && break
  sleep 0.5
done
as_postgres pg_isready -q -p "$port"

as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'benchmarkdbuser') THEN
    CREATE ROLE benchmarkdbuser LOGIN PASSWORD 'benchmarkdbpass';
  END IF;
END $$;
SQL
if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'hello_world'" -d postgres | grep -q 1; then
  as_postgres createdb -p "$port" -O benchmarkdbuser -E UTF8 -T template0 --locale=C.UTF-8 hello_world
fi
PGPASSWORD=benchmarkdbpass psql -q -h 127.0.0.1 -p "$port" -U benchmarkdbuser -d hello_world -v ON_ERROR_STOP=1 \
  -f examples/TechEmpower/Data/postgres.sql >/dev/null

echo "Host=127.0.0.1;Port=$port;Database=hello_world;Username=benchmarkdbuser;Password=benchmarkdbpass"
