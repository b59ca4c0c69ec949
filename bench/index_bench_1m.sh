#!/usr/bin/env bash
# The index comparison of docs/BENCHMARKS.md: trains the 1M x 1M demo model
# once (bench/scale.sh; reused afterwards), then runs recsys-index-bench on
# its track and user vectors, 3 repetitions, medians.
#   bench/index_bench_1m.sh [BUILD_DIR] [--vectors=cf|serving]
# --vectors=serving: the rows of the server's personal index and the queries
# Recommend sends (see bench/index_bench.cc); results in index_1m_serving.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build" vectors=cf
for arg in "$@"; do
  case "$arg" in
    --vectors=cf | --vectors=serving) vectors="${arg#--vectors=}" ;;
    -*) echo "index_bench_1m: unknown flag $arg" >&2; exit 2 ;;
    *) build="$arg" ;;
  esac
done
out="$build/bench-results/index_1m.json"
[ "$vectors" = cf ] || out="$build/bench-results/index_1m_$vectors.json"
"$root/bench/scale.sh" --build-dir "$build" >/dev/null
mkdir -p "$build/bench-results"
exec "$build/bin/recsys-index-bench" \
  --model_dir="$build/bench-models/demo-u1000000-t1000000-f64-e40-i15" \
  --vectors="$vectors" \
  --benchmark_min_time=0.5 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json
