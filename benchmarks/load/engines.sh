#!/usr/bin/env bash
# Issue 24: Micro beside the fastest engines of HttpArena, on the profiles where they compete (baseline, pipelined,
# limited-conn; json where a server has it): Micro's HttpArena entry (the public API, with the middleware it
# registers) and its raw HttpHandler, against ringzero (C, io_uring), rust-epoll (Rust, epoll), simplew (the arena's
# best C# entry) and aspnet-minimal (Kestrel). Each alone on 127.0.0.1:8080, the arena's load generator gcannon with
# one thread and 256 connections, ROUNDS rounds of DURATION, medians; the CPU per response of each against rust-epoll's.
# All built from sources here (benchmarks/load/httparena.sh says how):
#   LIBURING_DIR=<liburing-2.9 checkout> SIMPLEW_DIR=<SimpleW checkout> ROUNDS=3 DURATION=5s \
#     benchmarks/load/engines.sh ARENA_DIR GCANNON_DIR
set -euo pipefail
export SERVERS=${SERVERS:-"micro micro-raw ringzero simplew aspnet rust-epoll"}
export PROFILES=${PROFILES:-"baseline pipelined limited-conn json"}
exec "$(dirname "$0")/httparena.sh" "$@"
