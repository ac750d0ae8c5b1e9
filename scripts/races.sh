#!/usr/bin/env bash
# The tests of hand-offs between threads on the ASP.NET Core host (a request handed to a connection's lane as the lane
# ends a pass; a segment flushed as the reactor drains the response's outbox), each driven ROUNDS times where the suite
# drives 200,000, and the whole RUNS times over. A fence missing in those hand-offs strands a request or a segment only
# at some rounds, so after a change to ConnectionLane or ResponseOutbox run this and record the result beside the
# change (benchmarks/README.md). Builds first; stops at the first failure (a test names the round that stranded its
# work after 10 s without progress) or after the last run. Spins both cores while it runs; loads nothing else.
#   scripts/races.sh [ROUNDS] [RUNS]    (defaults: 2000000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2000000}"
runs="${2:-3}"
dotnet build tests/Micro.AspNetCore.Tests -c Release -nologo -v q >/dev/null
filter="FullyQualifiedName~ConnectionLaneTests.A_request_handed_over_as_the_lane_ends_its_pass_runs"
filter+="|FullyQualifiedName~ResponseOutboxTests.A_segment_flushed_as_the_reactor"
for run in $(seq "$runs"); do
  echo "run $run of $runs, $rounds rounds each"
  MICRO_RACE_ROUNDS="$rounds" dotnet test tests/Micro.AspNetCore.Tests -c Release --no-build --filter "$filter" \
    --logger "console;verbosity=minimal" | grep -E "Passed!|Failed!|never"
done
