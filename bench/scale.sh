#!/usr/bin/env bash
# Trains (once) the demo world at a given size and reports what it cost:
# wall time, peak RSS, the time spent building the track indexes, computing
# the users' candidate lists and publishing, and the model's size on disk.
# The model lands in
# BUILD/bench-models/demo-u<users>-t<tracks>-f<factors>-e<events>-i<iterations>,
# the cache of bench/serving_bench.sh (which then serves it rather than
# training its own) and where recsys-index-bench --model_dir finds it; an
# existing one is reused.
#
#   bench/scale.sh [--users N] [--tracks N] [--factors F] [--iterations I]
#                  [--events E] [--build-dir DIR] [--force]
#
# Prints one JSON object on stdout (also saved beside the model as
# scale.json). --force retrains over an existing model.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
users=1000000
tracks=1000000
factors=64
iterations=15
events=40
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --users) users="$2"; shift 2 ;;
    --tracks) tracks="$2"; shift 2 ;;
    --factors) factors="$2"; shift 2 ;;
    --iterations) iterations="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "scale.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

train="$build/bin/recsys-train"
[ -x "$train" ] || { echo "scale.sh: $train not built (deploy/build.sh)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scale.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
model="$build/bench-models/demo-u${users}-t${tracks}-f${factors}-e${events}-i${iterations}"
if [ -f "$model/CURRENT" ] && [ -f "$model/scale.json" ] && [ "$force" = 0 ]; then
  echo "scale.sh: reusing $model" >&2
  cat "$model/scale.json"
  exit 0
fi
rm -rf "$model"
mkdir -p "$model"
log="$model/train.log"
# One fit (no holdout): the size run measures training, not evaluation.
/usr/bin/time -v -o "$model/time.txt" "$train" train --model_dir="$model" \
  --source=demo --demo_users="$users" --demo_tracks="$tracks" \
  --demo_events="$events" --factors="$factors" --iterations="$iterations" \
  --holdout=0 --threads=2 >"$log" 2>&1 || {
  echo "scale.sh: training failed, see $log" >&2; tail -5 "$log" >&2; exit 1; }

wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$model/time.txt")
wall_s=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$model/time.txt")
field() {  # the value of $2 in the trainer's first log line of event $1
  grep " event=$1 " "$log" | head -1 | grep -o " $2=[^ ]*" | cut -d= -f2
}
index_s=$(field indexes_built seconds)
candidate_s=$(field candidates_computed seconds)
publish_s=$(field publish_seconds seconds)
nnz=$(grep -o 'interactions=[0-9]*' "$log" | head -1 | cut -d= -f2)
bytes=$(du -sb "$model/versions" | cut -f1)
index_bytes=$(du -sbc "$model"/versions/*/index | tail -1 | cut -f1)
printf '{"users": %s, "tracks": %s, "factors": %s, "iterations": %s, "interactions": %s, "train_wall_seconds": %s, "index_seconds": %s, "candidate_seconds": %s, "publish_seconds": %s, "peak_rss_mib": %s, "model_bytes": %s, "index_bytes": %s}\n' \
  "$users" "$tracks" "$factors" "$iterations" "${nnz:-null}" "$wall_s" \
  "${index_s:-null}" "${candidate_s:-null}" "${publish_s:-null}" "$((rss_kb / 1024))" "$bytes" "$index_bytes" |
  tee "$model/scale.json"
