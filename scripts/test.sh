#!/usr/bin/env bash
# Runs every test of Micro on a fresh Debian machine with the .NET 10 SDK: installs the Debian packages the tests
# need (llhttp's C sources, gcc, curl, systemd's socket-activation launcher, iproute2 for a network namespace, nginx, HAProxy
# and Caddy, Python's websockets, Node.js for an OpenAPI validator, Redis for the topics' backplane), sets up PostgreSQL with the TechEmpower database (scripts/postgres.sh) and the HttpArena
# entry's test database (scripts/httparena-postgres.sh),
# builds everything in Release (the llhttp build runs as part of it), runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -f /usr/share/llhttp/llhttp.c ] || packages+=(node-llhttp)
command -v gcc >/dev/null || packages+=(gcc)
command -v curl >/dev/null || packages+=(curl)
command -v systemd-socket-activate >/dev/null || packages+=(systemd)  # its socket-activation launcher, for one test
command -v ip >/dev/null || packages+=(iproute2)        # brings up loopback in the zero-downtime test's network namespace
command -v nsenter >/dev/null || packages+=(util-linux) # unshare and nsenter, for that namespace
[ -x /usr/sbin/nginx ] || packages+=(nginx)         # the reverse proxy in front of two instances, with TLS
[ -x /usr/sbin/haproxy ] || packages+=(haproxy)     # deploy/haproxy's configuration is checked by haproxy -c
command -v caddy >/dev/null || packages+=(caddy)    # and deploy/caddy's by caddy validate
/usr/bin/python3 -c "import websockets" 2>/dev/null || packages+=(python3-websockets) # an independent WebSocket client
[ -x /usr/bin/redis-server ] || packages+=(redis-server) # the backplane's tests start their own on private ports
command -v node >/dev/null || packages+=(nodejs)    # an independent OpenAPI validator (tests/Tools/openapi-validate)
command -v npm >/dev/null || packages+=(npm)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The OpenAPI validator the OpenAPI tests run: its locked packages, from the npm registry.
npm ci --prefix tests/Tools/openapi-validate --no-audit --no-fund --loglevel=error >/dev/null

# The TechEmpower tests run against this real PostgreSQL as well as SQLite.
POSTGRES_CONNECTION=$(./scripts/postgres.sh | tail -1)
export POSTGRES_CONNECTION
# The HttpArena entry's tests fill a database of their own (role bench, as the arena's), made anew on every run.
HTTPARENA_TEST_DATABASE=$(./scripts/httparena-postgres.sh httparena_tests | tail -1)
export HTTPARENA_TEST_DATABASE

dotnet test Micro.sln -c Release --logger "console;verbosity=minimal"
