#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest.
# Idempotent and incremental. Extra arguments go to ctest, e.g.
#   deploy/test.sh -L unit          # only the unit tests
#   deploy/test.sh -R EndToEnd      # tests whose name matches
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECSYS_BUILD_DIR:-$root/build}"

start=$(date +%s)
"$root/deploy/build.sh"
built=$(date +%s)
echo "test.sh: build took $((built - start)) s"

# Long runs carry their own labels and are run by hand: 'soak' (5 minutes of
# load with model swaps; a 10 s version is in 'reliability') and 'heavy'
# (benchmarks). Fuzzing runs in deploy/sanitize.sh.
ctest --test-dir "$build" --output-on-failure -j "${RECSYS_JOBS:-2}" \
  --timeout 600 -LE "heavy|soak" "$@"
echo "test.sh: tests took $(( $(date +%s) - built )) s"
