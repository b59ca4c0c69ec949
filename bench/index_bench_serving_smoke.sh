#!/usr/bin/env bash
# A tiny run of recsys-index-bench --vectors=serving: trains a small demo
# model, then benchmarks its serving rows with its users' Recommend queries.
# 800 tracks all fit the exact head, so our index must find every row.
#   bench/index_bench_serving_smoke.sh BIN_DIR
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin/recsys-train" train --model_dir="$work/models" --demo_users=300 \
  --demo_tracks=800 --factors=8 --iterations=4 --log_level=warning >/dev/null
out="$("$bin/recsys-index-bench" --model_dir="$work/models" --vectors=serving \
  --queries=50 --benchmark_min_time=0.01 '--benchmark_filter=/200$|Flat' 2>&1)"
echo "$out"
# [cf (8), content, popularity]: more than the 8 CF dimensions.
dims="$(grep -oE '800 rows x [0-9]+ dims \(model v000001, serving vectors\)' <<<"$out" |
  grep -oE '[0-9]+ dims' | cut -d' ' -f1)"
[ -n "$dims" ] && [ "$dims" -gt 9 ] ||
  { echo "FAIL: not the serving rows of the model" >&2; exit 1; }
grep "OurSearcher" <<<"$out" | grep -q "recall=1 " ||
  { echo "FAIL: our index missed rows of an all-head index" >&2; exit 1; }
