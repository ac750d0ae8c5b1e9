#!/usr/bin/env bash
# Builds libllhttp.so from the C sources of Debian's node-llhttp package, and checks that the struct layout the
# managed binding mirrors (Interop/LLHttpParser.cs, Interop/LLHttpSettings.cs) is the one these sources define.
set -euo pipefail
out=${1:?usage: build-llhttp.sh OUTPUT.so}
src=/usr/share/llhttp
inc=/usr/share/include/llhttp
if [ ! -f "$src/llhttp.c" ] || [ ! -f "$inc/llhttp.h" ]; then
  echo "error: llhttp C sources not found in $src: install Debian's node-llhttp package (apt-get install -y node-llhttp), as scripts/test.sh does" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/layout.c" <<'C'
#include <stddef.h>
#include "llhttp.h"
_Static_assert(offsetof(llhttp_t, data) == 48, "llhttp_t.data moved");
_Static_assert(offsetof(llhttp_t, content_length) == 64, "llhttp_t.content_length moved");
_Static_assert(offsetof(llhttp_t, method) == 73, "llhttp_t.method moved");
_Static_assert(offsetof(llhttp_t, http_major) == 74, "llhttp_t.http_major moved");
_Static_assert(offsetof(llhttp_t, flags) == 80, "llhttp_t.flags moved");
_Static_assert(sizeof(llhttp_t) == 96, "llhttp_t changed size");
_Static_assert(sizeof(llhttp_settings_t) == 23 * sizeof(void*), "llhttp_settings_t changed");
C
gcc -I"$inc" -c "$work/layout.c" -o "$work/layout.o"
gcc -O3 -fPIC -shared -I"$inc" "$src/llhttp.c" "$src/api.c" "$src/http.c" -o "$work/libllhttp.so"
mv "$work/libllhttp.so" "$out"
echo "built $out"
