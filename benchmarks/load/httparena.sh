#!/usr/bin/env bash
# Micro's HttpArena entry (examples/HttpArena) against the arena's own C# entry aspnet-minimal (Kestrel, minimal
# APIs), on the arena's workloads: its request files (ARENA_DIR/requests), data, PostgreSQL seed, and its load
# generator gcannon (GCANNON_DIR: a checkout of github.com/MDA2AV/gcannon; LIBURING_DIR: a checkout of
# github.com/axboe/liburing at liburing-2.9, as the arena's gcannon image builds it, since Debian's 2.3 is too old),
# run with the arguments of the arena's scripts/lib/tools/gcannon.sh, scaled to this 2-core machine: CONNECTIONS
# (default 256) where the arena opens 512 to 16,384, one gcannon thread, DURATION per run after WARMUP (3s) of the same load at every server start, DATABASE_MAX_CONN=64.
# aspnet-minimal is built from ARENA_DIR as its Dockerfile does (the static files copied into wwwroot), with the
# package versions this machine serves (Npgsql 10.0.3 for 10.0.2, StackExchange.Redis 2.8.16 for 2.8.22).
# Each round starts each server in turn on 127.0.0.1:8080 (which goes first rotates), runs every profile it serves
# against it and stops it. Printed: every run, then per profile the medians of responses per second and of the
# server's CPU time (user + system, from /proc) per response, and each server's CPU per response against the last's.
# SERVERS names those compared (default "micro aspnet"), any of:
#   micro                the HttpArena entry (examples/HttpArena: the public API, its middleware on)
#   micro-raw            Micro's raw HttpHandler (benchmarks/MicroServer.App: baseline, pipelined, limited-conn)
#   aspnet               the arena's aspnet-minimal on Kestrel
#   aspnet-micro         aspnet-minimal unchanged but for builder.WebHost.UseMicro() (issue 22), and
#   aspnet-micro-inline  the same with Micro:Scheduling=Inline (the application on the reactors)
#   ringzero             the arena's C engine on io_uring, built with gcc and liburing 2.9 from LIBURING_DIR
#   rust-epoll           the arena's Rust engine on epoll, built offline with Debian's cargo and its librust-libc-dev
#                        and librust-socket2-dev (Cargo.toml asks for socket2 0.4, a .cargo/config.toml points
#                        crates-io at Debian's directory registry), without its setpriority(-19) so it shares the cores
#   simplew              the arena's C# entry, its SimpleW package built from SIMPLEW_DIR (a checkout of
#                        github.com/stratdev3/SimpleW at the version its csproj names), as that package is not on NuGet
# A server is run only on the profiles its meta.json lists (micro and aspnet*: all of them).
#   LIBURING_DIR=... ROUNDS=3 DURATION=5s [PROFILES="baseline json ..."] [SERVERS="a b"] benchmarks/load/httparena.sh ARENA_DIR GCANNON_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
arena="$(cd "${1:?usage: benchmarks/load/httparena.sh ARENA_DIR GCANNON_DIR}" && pwd)"
gcannon_src="$(cd "${2:?usage: benchmarks/load/httparena.sh ARENA_DIR GCANNON_DIR}" && pwd)"
rounds=${ROUNDS:-3}
duration=${DURATION:-5s}
warmup=${WARMUP:-3s} # before each profile's measured run, every time a server starts: JIT tiers, pools, prepared statements
connections=${CONNECTIONS:-256}
read -r -a servers <<<"${SERVERS:-micro aspnet}"
named() { [[ " ${servers[*]} " == *" $1 "* ]]; }
profiles=${PROFILES:-"baseline pipelined limited-conn json json-comp upload static async-db crud api-4 echo-ws"}
profiles="$(echo "$profiles" | tr ' ' '\n' | grep -vx echo-ws | paste -sd' ') $(echo "$profiles" | grep -ow echo-ws || true)" # echo-ws last: aspnet's is another process
work=$(mktemp -d /tmp/httparena-bench-XXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# gcannon, from its source, linked with liburing 2.9 built from its source.
liburing_src="$(cd "${LIBURING_DIR:?LIBURING_DIR: a checkout of github.com/axboe/liburing (tag liburing-2.9)}" && pwd)"
command -v make >/dev/null && command -v gcc >/dev/null || { $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq make gcc >/dev/null; }
cp -r "$liburing_src" "$work/liburing"
(cd "$work/liburing" && ./configure --prefix="$work/uring" >/dev/null && make -s -C src >/dev/null 2>&1 && make -s -C src install >/dev/null)
cp -r "$gcannon_src" "$work/gcannon"
make -s -C "$work/gcannon" CFLAGS="-O2 -march=native -Iinclude -DUSE_PICO -Iexternal/picohttpparser -I$work/uring/include" \
  LDFLAGS="$work/uring/lib/liburing.a -lpthread" >/dev/null 2>&1
gcannon="$work/gcannon/gcannon"

# The request files, with the large uploads the checkout may lack made as the arena makes them (POST /upload, random body).
cp -r "$arena/requests" "$work/requests"
for size in 500k:512000 2m:2097152 10m:10485760 20m:20971520; do
  file="$work/requests/upload-${size%%:*}.raw"
  [ -s "$file" ] && continue
  bytes=${size##*:}
  printf 'POST /upload HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: %d\r\n\r\n' "$bytes" >"$file"
  head -c "$bytes" /dev/urandom >>"$file"
done
[ -s "$arena/data/pgdb-seed.sql" ] || python3 "$arena/scripts/generate-pgdb.py" "$arena/data/dataset.json" "$arena/data/pgdb-seed.sql"
database=$(MAX_CONNECTIONS=256 "$repo/scripts/httparena-postgres.sh" benchmark "$arena/data/pgdb-seed.sql" | tail -1)

# The servers named, built.
if named micro; then dotnet publish "$repo/examples/HttpArena" -c Release -o "$work/micro" -nologo -v q >/dev/null; fi
if named micro-raw; then dotnet publish "$repo/benchmarks/MicroServer.App" -c Release -o "$work/micro-raw" -nologo -v q >/dev/null; fi
if named aspnet; then
  "$repo/scripts/httparena/aspnet-minimal.sh" "$arena" "$work/aspnet-src"
  (cd "$work" && dotnet publish aspnet-src/aspnet-minimal.csproj -c Release -o "$work/aspnet" -nologo -v q >/dev/null)
  # aspnet-minimal's echo-ws entry is a project of its own, frameworks/aspnet-websocket (display name aspnet-minimal too).
  cp -r "$arena/frameworks/aspnet-websocket" "$work/aspnet-ws-src"
  (cd "$work" && dotnet publish aspnet-ws-src/aspnet-websocket.csproj -c Release -o "$work/aspnet-ws" -nologo -v q >/dev/null)
fi
# The same app on Micro: one line added after CreateBuilder, and the package (here the project) referenced.
if named aspnet-micro || named aspnet-micro-inline; then
  "$repo/scripts/httparena/aspnet-minimal.sh" "$arena" "$work/aspnet-micro-src" micro
  (cd "$work" && dotnet publish aspnet-micro-src/aspnet-minimal.csproj -c Release -o "$work/aspnet-micro" -nologo -v q >/dev/null)
fi
if named ringzero; then
  cp -r "$arena/frameworks/ringzero" "$work/ringzero-src"
  (cd "$work/ringzero-src" && for f in src/lib/*.c main.c; do gcc -O2 -march=native -pthread -Iinclude -I"$work/uring/include" -c "$f" -o "$(basename "$f" .c).o"; done \
    && gcc -o "$work/ringzero" ./*.o "$work/uring/lib/liburing.a" -lpthread)
fi
if named rust-epoll; then
  dpkg -s cargo librust-libc-dev librust-socket2-dev >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cargo librust-libc-dev librust-socket2-dev >/dev/null
  cp -r "$arena/frameworks/rust-epoll" "$work/rust-epoll-src"
  sed -i 's/socket2 = { version = "0.5"/socket2 = { version = "0.4"/' "$work/rust-epoll-src/Cargo.toml"
  sed -i 's/^\(\s*\)unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, -19); }/\1\/\/ setpriority(-19) left out: it shares the cores with the load generator fairly/' "$work/rust-epoll-src/src/main.rs"
  mkdir -p "$work/rust-epoll-src/.cargo"
  printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n' >"$work/rust-epoll-src/.cargo/config.toml"
  (cd "$work/rust-epoll-src" && RUSTFLAGS="-C target-cpu=native" cargo build --release --offline -q)
  cp "$work/rust-epoll-src/target/release/httparena-rust-epoll" "$work/rust-epoll"
fi
if named simplew; then
  simplew_src="$(cd "${SIMPLEW_DIR:?SIMPLEW_DIR: a checkout of github.com/stratdev3/SimpleW}" && pwd)"
  cp -r "$arena/frameworks/simplew" "$work/simplew-src"
  sed -i "s|<PackageReference Include=\"SimpleW\" Version=\"[^\"]*\" />|<ProjectReference Include=\"$simplew_src/src/SimpleW/SimpleW.csproj\" />|" "$work/simplew-src/simplew-bench.csproj"
  (cd "$work" && dotnet publish simplew-src/simplew-bench.csproj -c Release -f net10.0 -o "$work/simplew" -nologo -v q >/dev/null)
fi

serves() { # server profile: whether the server has that profile (the arena's engines list theirs in meta.json)
  case $1 in
    micro|aspnet|aspnet-micro|aspnet-micro-inline) return 0 ;;
    micro-raw) [[ " baseline pipelined limited-conn " == *" $2 "* ]] ;;
    *) grep -q "\"$2\"" "$arena/frameworks/$1/meta.json" ;;
  esac
}

start() { # name
  if curl -s -o /dev/null "http://127.0.0.1:8080/baseline11?a=1&b=1"; then
    echo "something already listens on 127.0.0.1:8080: stop it first" >&2
    exit 1
  fi
  local -a environment=(DATABASE_URL="$database" DATABASE_MAX_CONN=64)
  case $1 in
    micro) env "${environment[@]}" DATA_DIR="$arena/data" ASPNETCORE_URLS=http://127.0.0.1:8080 dotnet "$work/micro/Micro.HttpArena.dll" >"$work/$1.log" 2>&1 & ;;
    aspnet) (cd "$work/aspnet" && exec env "${environment[@]}" DATASET_PATH="$arena/data/dataset.json" dotnet aspnet-minimal.dll >"$work/$1.log" 2>&1) & ;;
    aspnet-micro) (cd "$work/aspnet-micro" && exec env "${environment[@]}" DATASET_PATH="$arena/data/dataset.json" dotnet aspnet-minimal.dll >"$work/$1.log" 2>&1) & ;;
    aspnet-micro-inline) (cd "$work/aspnet-micro" && exec env "${environment[@]}" Micro__Scheduling=Inline DATASET_PATH="$arena/data/dataset.json" dotnet aspnet-minimal.dll >"$work/$1.log" 2>&1) & ;;
    aspnet-ws) (cd "$work/aspnet-ws" && exec dotnet aspnet-websocket.dll >"$work/$1.log" 2>&1) & ;;
    micro-raw) dotnet "$work/micro-raw/MicroServer.App.dll" 8080 >"$work/$1.log" 2>&1 & ;;
    ringzero) "$work/ringzero" "$(nproc)" >"$work/$1.log" 2>&1 & ;;
    rust-epoll) "$work/rust-epoll" >"$work/$1.log" 2>&1 & ;;
    simplew) (cd "$work/simplew" && exec env DATASET_PATH="$arena/data/dataset.json" dotnet simplew-bench.dll >"$work/$1.log" 2>&1) & ;;
  esac
  server_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:8080/baseline11?a=1&b=1" && break; sleep 0.1; done
  curl -s -o /dev/null "http://127.0.0.1:8080/baseline11?a=1&b=1" || { cat "$work/$1.log"; exit 1; }
  server_process=$server_pid # env and the subshell exec dotnet: the server itself
}

stop() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

arguments() { # profile -> gcannon's arguments, as the arena's gcannon.sh gives them
  local r="$work/requests" url=http://127.0.0.1:8080
  case $1 in
    baseline)     echo "$url --raw $r/get.raw,$r/post_cl.raw,$r/post_chunked.raw -p 1" ;;
    limited-conn) echo "$url --raw $r/get.raw,$r/post_cl.raw,$r/post_chunked.raw -p 1 -r 10" ;;
    pipelined)    echo "$url/pipeline -p 16" ;;
    json)         echo "$url --raw $(ls "$r"/json-{1,5,10,15,25,40,50}.raw | paste -sd,) -p 1 -r 25" ;;
    json-comp)    echo "$url --raw $r/json-gzip-25.raw,$r/json-gzip-40.raw,$r/json-gzip-50.raw -p 1 -r 25" ;;
    upload)       echo "$url --raw $r/upload-500k.raw,$r/upload-2m.raw,$r/upload-10m.raw,$r/upload-20m.raw -p 1 -r 5" ;;
    static)       echo "$url --raw $(ls "$r"/static-*.raw | grep -v -- -gzip | paste -sd,) -p 1 -r 200" ;;
    async-db)     echo "$url --raw $(ls "$r"/async-db-{5,10,20,35,50}.raw | paste -sd,) -p 1 -r 25" ;;
    crud)         echo "$url --raw $(ls "$r"/crud-list-*.raw "$r"/crud-get-*.raw "$r"/crud-create-*.raw "$r"/crud-update-*.raw | sort | paste -sd,) -p 1 -r 200" ;;
    api-4)        echo "$url --raw $r/get.raw,$r/get.raw,$r/get.raw,$r/json-get.raw,$r/json-get.raw,$r/json-get.raw,$r/async-db-get.raw,$r/async-db-get.raw -p 1 -r 5" ;;
    echo-ws)      echo "$url/ws --ws -p 1" ;;
  esac
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # server profile [duration]
  local -a args
  read -r -a args <<<"$(arguments "$2")"
  local connections_here=$connections
  [ "$2" = upload ] && connections_here=32 # the arena's own low count for 20 MB bodies
  local before output responses seconds
  before=$(ticks "$server_process")
  output=$(timeout 60 "$gcannon" "${args[@]}" -c "$connections_here" -t 1 -d "${3:-$duration}" 2>&1 || true)
  local cpu_ticks=$(( $(ticks "$server_process") - before ))
  seconds=$(echo "$output" | grep -oP '(?:requests|frames sent) in \K[\d.]+' | head -1)
  if [ "$2" = echo-ws ]; then
    responses=$(echo "$output" | grep -oP '\d+\s+(?:responses|frames received)' | head -1 | grep -oP '^\d+')
  else
    responses=$(echo "$output" | grep -oP '2xx=\K\d+' | head -1)
  fi
  local other
  other=$(echo "$output" | grep -oP '(?:[345]xx|errors?)=\K\d+' | paste -sd+ | bc 2>/dev/null || echo 0)
  if [ -z "$responses" ] || [ "$responses" -eq 0 ] || [ -z "$seconds" ]; then
    echo "$1 $2 0 0 (no responses: $(echo "$output" | tail -3 | tr '\n' ' '))" >&2
    echo "$1 $2 0 0"
    return
  fi
  local rps cpu
  rps=$(echo "$responses / $seconds" | bc -l)
  cpu=$(echo "$cpu_ticks * 1000000 / $(getconf CLK_TCK) / $responses" | bc -l)
  printf '%s %s %.0f %.2f%s\n' "$1" "$2" "$rps" "$cpu" "$([ "${other:-0}" != 0 ] && echo " (non-2xx or errors: $other)")" >&2
  printf '%s %s %.0f %.2f\n' "$1" "$2" "$rps" "$cpu"
}

results="$work/results"
for round in $(seq 1 "$rounds"); do
  order=("${servers[@]:$(( (round - 1) % ${#servers[@]} ))}" "${servers[@]:0:$(( (round - 1) % ${#servers[@]} ))}") # who goes first rotates
  for server in "${order[@]}"; do
    start "$server"
    for profile in $profiles; do
      serves "$server" "$profile" || continue
      if [ "$profile" = echo-ws ] && [[ $server == aspnet* ]]; then stop; start aspnet-ws; fi
      # Warmed up at every start, not only the first round's: a server restarts each round, and a .NET one measured
      # cold counts its JIT's tiering and its pools' growth in that round's CPU, which the C and Rust servers never pay.
      run "$server" "$profile" "$warmup" >/dev/null 2>&1
      run "$server" "$profile" >>"$results"
    done
    stop
  done
done

median() { awk -v s="$1" -v p="$2" -v c="$3" '$1==s && $2==p {print $c}' "$results" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
reference=${servers[${#servers[@]}-1]}
echo
echo "medians over $rounds rounds ($(date -u +%F), Micro $(git -C "$repo" rev-parse --short HEAD), HttpArena $(git -C "$arena" rev-parse --short HEAD 2>/dev/null || echo '?'), gcannon -t 1 -c $connections (upload 32) -d $duration, $(nproc) cores shared):"
echo "each server: responses per second, server CPU per response (us), and that CPU against $reference's"
for profile in $profiles; do
  line=$(printf '%-13s' "$profile")
  reference_cpu=$(median "$reference" "$profile" 4)
  for server in "${servers[@]}"; do
    rps=$(median "$server" "$profile" 3); cpu=$(median "$server" "$profile" 4)
    if [ -z "$rps" ]; then line+=$(printf ' | %s: -' "$server"); continue; fi
    ratio=$([ -n "$reference_cpu" ] && printf '%.2fx' "$(echo "$cpu / ($reference_cpu + 0.0001)" | bc -l)" || echo -)
    line+=$(printf ' | %s: %.0f, %.2f us (%s)' "$server" "$rps" "$cpu" "$ratio")
  done
  echo "$line"
done
