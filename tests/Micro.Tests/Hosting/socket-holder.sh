#!/usr/bin/env bash
# Plays systemd's part for a .socket unit in ZeroDowntimeTests: systemd-socket-activate binds the socket and execs
# this script with it as descriptor 3; the script keeps it open for the whole run and starts instances of the app on
# it, each with LISTEN_FDS=1 and LISTEN_PID set to its own pid, as systemd does.
#   "start"     starts an instance (and says "started PID"); the script starts one on its own at first
#   "stop PID"  sends that instance SIGTERM, waits for it and says "exited PID CODE"
set -u
app=("$@")
start() {
  LISTEN_FDS=1 bash -c 'export LISTEN_PID=$$; exec "$@"' _ "${app[@]}" </dev/null &
  echo "started $!"
}
start
while read -r command pid; do
  case $command in
    start) start ;;
    stop) kill -TERM "$pid"; wait "$pid"; echo "exited $pid $?" ;;
  esac
done
