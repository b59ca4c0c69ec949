#!/usr/bin/env bash
# A tiny run of recsys-surfaces-bench: trains a small demo model, then
# checks that every surface's benchmark ran without an error, and that a
# missing model is refused.
#   bench/surfaces_bench_smoke.sh BIN_DIR
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin/recsys-train" train --model_dir="$work/models" --demo_users=300 \
  --demo_tracks=800 --factors=8 --iterations=4 --log_level=warning >/dev/null
out="$("$bin/recsys-surfaces-bench" --model_dir="$work/models" --ids=64 \
  --benchmark_min_time=0.01 2>&1)"
echo "$out"
grep -q "300 users x 800 tracks, exhaustive" <<<"$out" ||
  { echo "FAIL: the model was not loaded" >&2; exit 1; }
for b in BM_GetUser BM_Recommend/recent:0 BM_Recommend/recent:1 BM_Radio \
  BM_RelatedArtists BM_NowPlaying; do
  grep -E "^$b +[0-9.]+ us" <<<"$out" | grep -vq "ERROR" ||
    { echo "FAIL: no result for $b" >&2; exit 1; }
  # One call's median and tail, in microseconds, next to the mean.
  grep -E "^$b +[0-9.]+ us" <<<"$out" | grep -qE "p50_us=[0-9.]+k? .*p99_us=[0-9.]+" ||
    { echo "FAIL: no percentiles for $b" >&2; exit 1; }
done
if "$bin/recsys-surfaces-bench" --model_dir="$work/none" >/dev/null 2>&1; then
  echo "FAIL: a missing model was accepted" >&2
  exit 1
fi
echo "ok"
