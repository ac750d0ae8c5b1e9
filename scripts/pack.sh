#!/usr/bin/env bash
# Packs Micro, Micro.Parser, Micro.AspNetCore, Micro.OpenApi, Micro.Redis and the `dotnet new micro` template into
# artifacts/packages, a local NuGet feed, and says how to start a project from it.
set -euo pipefail
cd "$(dirname "$0")/.."
feed="$PWD/artifacts/packages"
mkdir -p "$feed"
for project in parser/Micro.Parser framework/Micro framework/Micro.AspNetCore framework/Micro.OpenApi framework/Micro.Redis examples/Micro.Templates; do
  dotnet pack "$project" -c Release -o "$feed" -v q -nologo >/dev/null
done
template=$(ls "$feed"/Micro.Templates.*.nupkg | sort -V | tail -1)
cat <<TEXT
Packed into $feed:
$(ls "$feed" | sed 's/^/  /')

Start a project:
  dotnet new install $template
  cd ~   # outside this repository, whose build settings would apply
  dotnet new micro -n MyApi && cd MyApi
  dotnet new nugetconfig && dotnet nuget add source $feed --name micro-local --configfile nuget.config
  dotnet run --project MyApi          # http://127.0.0.1:8080
  dotnet test
TEXT
