#!/usr/bin/env bash
# Micro behind nginx against Micro served directly, side by side: the public API app (benchmarks/MicroServer.App --api)
# answered directly on one port, and through nginx configured by deploy/nginx/micro.conf (its addresses and certificate
# swapped for these) to two instances, over TLS and, to tell TLS's cost apart, over plain HTTP. Unpipelined keep-alive
# requests (browsers and proxies do not pipeline), /plaintext and /json, alternating rounds, medians; then CPU time per
# request of the Micro processes and of nginx, from /proc (user+system ticks over requests served).
#   ROUNDS=5 DURATION=10s CONNECTIONS=64 benchmarks/load/nginx.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || [ -x /usr/sbin/$tool ] || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$tool" >/dev/null; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dotnet build -c Release benchmarks/MicroServer.App -v q -nologo >/dev/null
app=benchmarks/MicroServer.App/bin/Release/net10.0/MicroServer.App.dll
work=$(mktemp -d /tmp/micro-nginx-bench-XXXX)
chmod 755 "$work"
pids=()
trap 'kill ${pids[*]} 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
dotnet "$app" 18110 --api >"$work/direct.log" 2>&1 & pids+=($!); direct=$!
dotnet "$app" 18111 --api >"$work/a.log" 2>&1 & pids+=($!); upstream_a=$!
dotnet "$app" 18112 --api >"$work/b.log" 2>&1 & pids+=($!); upstream_b=$!

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/certificate.pem" 2>/dev/null
sed -e '/^    server 127.0.0.1:8082;/d' -e 's/^    server 127.0.0.1:8081;/    server 127.0.0.1:18111;\n    server 127.0.0.1:18112;/' \
    -e 's/^    listen 443 ssl http2;/    listen 127.0.0.1:18113 ssl http2;\n    listen 127.0.0.1:18114;/' -e '/^    listen \[::\]:443/d' \
    -e "s|/etc/ssl/certs/example.com.pem|$work/certificate.pem|" -e "s|/etc/ssl/private/example.com.key|$work/key.pem|" \
    deploy/nginx/micro.conf >"$work/micro.conf"
mkdir -m 777 "$work/tmp"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    include $work/micro.conf;
}
CONF
/usr/sbin/nginx -e "$work/error.log" -p "$work" -c "$work/nginx.conf"
nginx_pids() { echo "$(cat "$work/nginx.pid") $(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')"; }

declare -A url=([direct]=http://127.0.0.1:18110 [nginx-tls]=https://127.0.0.1:18113 [nginx-http]=http://127.0.0.1:18114)
for name in direct nginx-tls nginx-http; do
  for _ in $(seq 1 100); do curl -skf "${url[$name]}/plaintext" >/dev/null && break; sleep 0.1; done
done
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
hz=$(getconf CLK_TCK)
results=$(mktemp)
run() { # name test
  local micro nginx=() m0 n0 out reqs rps
  if [ "$1" = direct ]; then micro=($direct); else micro=($upstream_a $upstream_b); nginx=($(nginx_pids)); fi
  m0=$(ticks "${micro[@]}"); n0=$([ ${#nginx[@]} -gt 0 ] && ticks "${nginx[@]}" || echo 0)
  out=$(wrk -t "$threads" -c "$connections" -d "$duration" "${url[$1]}/$2")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local m=$(( $(ticks "${micro[@]}") - m0 )) n=$(( $([ ${#nginx[@]} -gt 0 ] && ticks "${nginx[@]}" || echo 0) - n0 ))
  awk -v name="$1" -v test="$2" -v rps="$rps" -v r="$reqs" -v m="$m" -v n="$n" -v hz="$hz" \
    'BEGIN {printf "%s %s %.0f %.3f %.3f\n", name, test, rps, m / hz * 1e6 / r, n / hz * 1e6 / r}' | tee -a "$results" >&2
}
for name in direct nginx-tls nginx-http; do # warm-up: JIT, tiered PGO, pools, TLS sessions
  wrk -t "$threads" -c "$connections" -d 5s "${url[$name]}/plaintext" >/dev/null
  wrk -t "$threads" -c "$connections" -d 3s "${url[$name]}/json" >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for test in plaintext json; do
    if [ $((round % 2)) -eq 1 ]; then order="direct nginx-tls nginx-http"; else order="nginx-http nginx-tls direct"; fi
    for name in $order; do run "$name" "$test"; done
  done
done
median() { awk -v n="$1" -v t="$2" -v c="$3" '$1==n && $2==t {print $c}' "$results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "medians over $rounds rounds ($(date -u +%F), $(git rev-parse --short HEAD), wrk -t$threads -c$connections -d$duration, no pipelining, $(nproc) cores, nginx $(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||')):"
printf "%-11s %-10s %10s %8s %15s %15s\n" path test "req/s" ratio "Micro us/req" "nginx us/req"
for test in plaintext json; do
  d=$(median direct $test 3)
  for name in direct nginx-tls nginx-http; do
    r=$(median $name $test 3)
    printf "%-11s %-10s %10.0f %8.2f %15.3f %15.3f\n" "$name" "$test" "$r" "$(echo "$r / $d" | bc -l)" "$(median $name $test 4)" "$(median $name $test 5)"
  done
done
