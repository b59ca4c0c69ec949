#!/usr/bin/env bash
# What background work does to a served model's Recommend latency
# (docs/BENCHMARKS.md, "model swaps under load"): recsys-server serves a copy
# of a demo model, recsys-loadgen sends Recommend at a fixed rate for 15 s
# per variant, and 2 s into each load a disturbance starts beside it.
# Prints one line per variant with the load's p50/p90/p99/p99.9.
#
# Usage: [RECSYS_SERVER=BINARY] bench/disturbance.sh [MODEL_DIR] [QPS] [VARIANT...]
#   MODEL_DIR  a store holding a 100k x 100k demo model (default: the one
#              bench/serving_bench.sh caches in build/bench-models)
#   QPS        the fixed rate (default 800, about half this machine's max)
#   VARIANT    none cpu19 cpuidle rollback19 rollbackidle cp19 cat19 memidle
#              allocidle swap (default: all, with none first and last).
#              swap: the server swaps between two copies of the version
#              four times, each awaited, 2 s apart
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/build/bin"
model="${1:-$repo/build/bench-models/demo-u100000-t100000-f64-e40-i5}"
qps="${2:-800}"
shift $(($# > 2 ? 2 : $#))
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(none cpu19 cpuidle rollback19 rollbackidle cp19 cat19 memidle allocidle swap none)
[ -f "$model/CURRENT" ] || { echo "disturbance: no model in $model (run bench/serving_bench.sh once)" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/serve_copy.sh
source "$repo/bench/serve_copy.sh"
serve_copy "$model" "$work" "$qps"
src="$model/versions/$version"

# Two of `cmd` at once for 2 s, five times, 0.5 s apart.
twice() {
  local other
  for _ in 1 2 3 4 5; do
    timeout 2 "$@" &
    other=$!
    timeout 2 "$@" || true
    wait "$other" || true
    sleep 0.5
  done
}
spin='while :; do :; done'
alloc='while True:
    b = bytearray(300 << 20); del b'
for variant in "${variants[@]}"; do
  "${loadgen[@]}" --duration_s=15 >"$work/$variant.json" &
  load=$!
  sleep 2
  case "$variant" in
    none) ;;
    cpu19) twice nice -n 19 sh -c "$spin" ;;
    cpuidle) twice chrt --idle 0 sh -c "$spin" ;;
    memidle) twice chrt --idle 0 dd if=/dev/zero of=/dev/null bs=64M status=none ;;
    allocidle) twice chrt --idle 0 python3 -c "$alloc" ;;
    rollback19 | rollbackidle)
      prio=(nice -n 19)
      [ "$variant" = rollbackidle ] && prio=(chrt --idle 0)
      for _ in 1 2 3 4 5; do
        "${prio[@]}" "$bin/recsys-train" rollback --model_dir="$work/store" --version="$version" >/dev/null
        sleep 1
      done ;;
    swap)
      for v in "$second" "$version" "$second" "$version"; do swap_to "$v"; sleep 2; done ;;
    cp19) for i in 1 2 3 4 5; do nice -n 19 cp -a "$src" "$work/copy$i"; sleep 1; done ;;
    cat19) for _ in 1 2 3 4 5; do find "$src" -type f -exec nice -n 19 cat {} + >/dev/null; sleep 1; done ;;
    *) echo "disturbance: unknown variant $variant" >&2; exit 2 ;;
  esac
  wait "$load"
  rm -rf "$work"/copy*
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); l = r["latency_ms"]
print("%-13s p50 %7.2f ms  p90 %7.2f  p99 %7.2f  p99.9 %7.2f  errors %d  not sent %d" % (
    sys.argv[2], l["p50"], l["p90"], l["p99"], l["p99.9"], r["errors"], r["skipped"]))' \
    "$work/$variant.json" "$variant"
done
