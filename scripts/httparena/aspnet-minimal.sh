#!/usr/bin/env bash
# The arena's aspnet-minimal entry, copied for building here: into DEST, with the static files in wwwroot as its
# Dockerfile copies them and the package versions this machine serves (Npgsql 10.0.3 for 10.0.2, StackExchange.Redis
# 2.8.16 for 2.8.22). With "micro", the same app on Micro's engine (issue 22): its source unchanged but for one line,
# builder.WebHost.UseMicro() after CreateBuilder, and Micro.AspNetCore referenced (the project, with the props the
# package brings). Used by benchmarks/load/httparena.sh and scripts/httparena-validate.sh.
#   scripts/httparena/aspnet-minimal.sh ARENA_DIR DEST [micro]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
arena="${1:?usage: aspnet-minimal.sh ARENA_DIR DEST [micro]}"
dest="${2:?usage: aspnet-minimal.sh ARENA_DIR DEST [micro]}"
mkdir -p "$dest"
cp -r "$arena/frameworks/aspnet-minimal/." "$dest/"
mkdir -p "$dest/wwwroot" && cp -r "$arena/data/static" "$dest/wwwroot/static"
sed -i 's/Include="Npgsql" Version="10.0.2"/Include="Npgsql" Version="10.0.3"/; s/Include="StackExchange.Redis" Version="2.8.22"/Include="StackExchange.Redis" Version="2.8.16"/' "$dest/aspnet-minimal.csproj"
if [ "${3:-}" = micro ]; then
  sed -i "s|</Project>|  <Import Project=\"$repo/framework/Micro.AspNetCore/buildTransitive/Micro.AspNetCore.props\" /><ItemGroup><ProjectReference Include=\"$repo/framework/Micro.AspNetCore/Micro.AspNetCore.csproj\" /><Using Include=\"Micro.AspNetCore\" /></ItemGroup>\n</Project>|" "$dest/aspnet-minimal.csproj"
  sed -i 's|^var builder = WebApplication.CreateBuilder(args);|&\nbuilder.WebHost.UseMicro();|' "$dest/Program.cs"
  grep -q 'builder.WebHost.UseMicro();' "$dest/Program.cs" || { echo "aspnet-minimal's Program.cs changed: UseMicro() could not be added" >&2; exit 1; }
fi
