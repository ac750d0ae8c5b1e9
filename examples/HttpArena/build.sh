#!/usr/bin/env bash
# Builds the image as the arena's scripts do (`docker build` with this folder as the context), after packing Micro
# into ./packages from a checkout of Micro's repository (MICRO_SOURCE, default: the repository this folder came from,
# when it still sits in it) until Micro is published on nuget.org.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source="${MICRO_SOURCE:-$here/../..}"
if [ -f "$source/framework/Micro/Micro.csproj" ]; then
  for project in parser/Micro.Parser framework/Micro; do
    dotnet pack "$source/$project" -c Release -o "$here/packages" -v q -nologo >/dev/null
  done
elif ! ls "$here"/packages/Micro.*.nupkg >/dev/null 2>&1; then
  echo "build.sh: no Micro package in $here/packages; set MICRO_SOURCE to a checkout of Micro" >&2
  exit 1
fi
docker build -t httparena-micro "$here"
