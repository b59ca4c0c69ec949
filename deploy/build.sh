#!/usr/bin/env bash
# Installs what is missing, then configures (once) and builds the project into
# build/ with ccache and Ninja. Incremental: a second run only rebuilds what
# changed. Usage: deploy/build.sh [extra cmake --build args]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECSYS_BUILD_DIR:-$root/build}"
jobs="${RECSYS_JOBS:-2}"

"$root/deploy/install-deps.sh"

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_PREFIX_PATH="$root/third_party/prefix/usr"
fi
cmake --build "$build" -j "$jobs" "$@"
