#!/usr/bin/env bash
# Where request threads wait during model swaps (docs/BENCHMARKS.md, "What
# the swaps were"): recsys-server serves a copy of a demo model, recsys-loadgen
# sends Recommend at a fixed rate, and the server swaps between two copies of
# the version three times, each swap awaited in its log. With TRACE=1 the
# whole machine is recorded with `perf sched record -g`, and the time the
# server's gRPC callback threads ("nexting_thread") spent blocked (state D)
# is summed by the kernel function they waited in: mprotect / mmap lock
# waits show as down_write_killable / down_read_killable.
#
# Usage: [TRACE=1] bench/swap_trace.sh [MODEL_DIR] [QPS] [SERVER_FLAG...]
#   MODEL_DIR  a store holding a 100k x 100k demo model (default: the one
#              bench/serving_bench.sh caches in build/bench-models)
#   QPS        the fixed rate (default 800)
#   SERVER_FLAG extra recsys-server flags, e.g. --user_cache_mb=32
# RECSYS_SERVER names another server binary (e.g. one built with
# -DRECSYS_JEMALLOC=OFF, to compare allocators).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/build/bin"
model="${1:-$repo/build/bench-models/demo-u100000-t100000-f64-e40-i5}"
qps="${2:-800}"
shift $(($# > 2 ? 2 : $#))
[ -f "$model/CURRENT" ] || { echo "swap_trace: no model in $model (run bench/serving_bench.sh once)" >&2; exit 2; }
if [ "${TRACE:-0}" = 1 ]; then
  command -v perf >/dev/null || { echo "swap_trace: TRACE=1 needs perf" >&2; exit 2; }
fi

work="$(mktemp -d)"
server_pid="" load_pid="" perf_pid=""
cleanup() {
  for p in "$perf_pid" "$load_pid" "$server_pid"; do [ -z "$p" ] || kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/serve_copy.sh
source "$repo/bench/serve_copy.sh"
serve_copy "$model" "$work" "$qps" "$@"

# The load runs until SIGINT, 1 s after the last swap.
"${loadgen[@]}" --duration_s=120 >"$work/load.json" &
load_pid=$!
if [ "${TRACE:-0}" = 1 ]; then
  perf sched record -g -o "$work/perf.data" 2>"$work/perf.err" &
  perf_pid=$!
fi
sleep 1
for v in "$second" "$version" "$second"; do
  swap_to "$v"
  sleep 1
done
kill -INT "$load_pid"
wait "$load_pid"
load_pid=""
if [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf_pid=""
fi
python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); l = r["latency_ms"]
print("Recommend at %s QPS with 3 swaps: p50 %.2f ms  p90 %.2f  p99 %.2f  p99.9 %.2f  errors %d  not sent %d" % (
    sys.argv[2], l["p50"], l["p90"], l["p99"], l["p99.9"], r["errors"], r["skipped"]))' "$work/load.json" "$qps"
echo "server's loads: $(grep event=model_loaded "$serve_log" | tail -n +2 | grep -o 'seconds=[0-9.]*' | tr '\n' ' ')"
if [ "${TRACE:-0}" = 1 ]; then
  # timehist prints, per switch-out, the wait before this run (col 4), the
  # scheduling delay (col 5), the state left in (col 7) and the kernel stack;
  # a thread's next line holds the length of the block its last line began.
  perf sched timehist -i "$work/perf.data" --state 2>/dev/null |
    awk -v pid="$server_pid" '
      $3 ~ "^nexting_thread\\[[0-9]+/" pid "\\]$" {
        match($3, /\[[0-9]+/); tid = substr($3, RSTART + 1, RLENGTH - 1)
        if (tid in why) { w = $4 + $5; sum[why[tid]] += w; n[why[tid]]++; if (w > top[why[tid]]) top[why[tid]] = w }
        stack = $0; sub(/.*  [RSDWI] +/, "", stack); split(stack, f, " <- ")
        why[tid] = ($7 == "D") ? f[3] : ""
      }
      END {
        for (k in sum) if (k != "") printf "callback threads blocked in %-28s %5d times, %8.1f ms in all, longest %6.2f ms\n", k, n[k], sum[k], top[k]
      }' | sort -k8,8 -rn
fi
