#!/usr/bin/env bash
# Smoke test of bench/serving_bench.sh (label integration): every phase on a
# tiny demo model (2,000 users x 5,000 tracks, 3 s per phase); passes when the
# script completes, prints its table, and its JSON report has every field,
# no failed RPC in any phase and every reload version swapped in under load.
# Timing is not checked (docs/BENCHMARKS.md).
# Usage: serving_bench_smoke_test.sh BIN_DIR CACHE_DIR
set -euo pipefail

bin="$1"
cache="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --evict=fadvise: never drop the whole machine's page cache in a test run.
# A 5 s deadline: other tests share the CPU, and slowness is not failure here.
"$here/serving_bench.sh" --bin_dir="$bin" --cache_dir="$cache" \
  --users=2000 --tracks=5000 --duration_s=3 --warmup_s=1 --reload_versions=5 \
  --deadline_ms=5000 --evict=fadvise \
  --out="$work/serving.json" >"$work/table.md"
cat "$work/table.md"
grep -q "^| reload: 5 versions" "$work/table.md" || { echo "FAIL: no reload rows in the table" >&2; exit 1; }
python3 "$here/bench_report.py" check-serving "$work/serving.json"
echo "serving_bench_smoke_test: ok"
