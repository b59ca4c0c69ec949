#!/usr/bin/env bash
# Where request threads wait during model swaps (docs/BENCHMARKS.md, "What
# the swaps were"): recsys-server serves a copy of a demo model, recsys-loadgen
# sends Recommend at a fixed rate, and the server swaps between two copies of
# the version three times (SWAPS=N: N times), each swap awaited in its log,
# 1 s apart. With TRACE=1 the
# whole machine is recorded with `perf sched record -g`, and the time the
# server's gRPC callback threads ("nexting_thread") spent blocked (state D)
# is summed by the kernel function they waited in: mprotect / mmap lock
# waits show as down_write_killable / down_read_killable.
# With HICCUP=1, recsys-hiccup runs beside: a normal-priority thread on each
# CPU wakes every millisecond, and its wake-ups more than 2 ms late are
# counted inside the server's loads and outside them. Nothing of the
# ordinary scheduling class but the load (and the load generator) competes
# with it, so lateness without load (QPS 0) is the kernel's or the host's.
# Every run prints the p99 of the calls scheduled inside the server's loads
# and of the others. KEEP=DIR keeps the run's files there (server log, the
# load generator's calls, hiccups, perf data).
#
# Usage: [TRACE=1] [HICCUP=1] [KEEP=DIR] [SWAPS=N] bench/swap_trace.sh [MODEL_DIR] [QPS] [SERVER_FLAG...]
#   MODEL_DIR  a store holding a 100k x 100k demo model (default: the one
#              bench/serving_bench.sh caches in build/bench-models)
#   QPS        the fixed rate (default 800; 0: no load, the swaps alone)
#   SERVER_FLAG extra recsys-server flags, e.g. --user_cache_mb=32
# RECSYS_SERVER names another server binary (e.g. one built with
# -DRECSYS_JEMALLOC=OFF, to compare allocators).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/build/bin"
model="${1:-$repo/build/bench-models/demo-u100000-t100000-f64-e40-i5}"
qps="${2:-800}"
shift $(($# > 2 ? 2 : $#))
swaps="${SWAPS:-3}"
[[ "$swaps" =~ ^[1-9][0-9]*$ ]] || { echo "swap_trace: SWAPS must be a whole number >= 1" >&2; exit 2; }
[ -f "$model/CURRENT" ] || { echo "swap_trace: no model in $model (run bench/serving_bench.sh once)" >&2; exit 2; }
if [ "${TRACE:-0}" = 1 ]; then
  command -v perf >/dev/null || { echo "swap_trace: TRACE=1 needs perf" >&2; exit 2; }
fi

work="$(mktemp -d)"
server_pid="" load_pid="" perf_pid="" hiccup_pid=""
cleanup() {
  for p in "$perf_pid" "$hiccup_pid" "$load_pid" "$server_pid"; do [ -z "$p" ] || kill "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP" && find "$work" -maxdepth 1 -type f -exec cp {} "$KEEP/" \;
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/serve_copy.sh
source "$repo/bench/serve_copy.sh"
serve_copy "$model" "$work" "$qps" "$@"

# The load runs until SIGINT, 1 s after the last swap.
if [ "$qps" != 0 ]; then
  "${loadgen[@]}" --duration_s=$((60 + 10 * swaps)) --calls_out="$work/calls.csv" >"$work/load.json" &
  load_pid=$!
fi
if [ "${HICCUP:-0}" = 1 ]; then
  "$bin/recsys-hiccup" --duration_s=$((60 + 10 * swaps)) --record_over_ms=2 --events_out="$work/hiccups.csv" \
    --json >"$work/hiccup.json" &
  hiccup_pid=$!
fi
if [ "${TRACE:-0}" = 1 ]; then
  perf sched record -g -o "$work/perf.data" 2>"$work/perf.err" &
  perf_pid=$!
fi
sleep 1
# Fresh transparent huge pages faulted in (machine-wide) per swap: what a
# load maps instead of reusing.
thp_faults() { awk '$1 == "thp_fault_alloc" { print $2 }' /proc/vmstat; }
fresh=()
for i in $(seq 1 "$swaps"); do
  before="$(thp_faults)"
  if ((i % 2)); then swap_to "$second"; else swap_to "$version"; fi
  fresh+=($(($(thp_faults) - before)))
  sleep 1
done
for p in "$load_pid" "$hiccup_pid" "$perf_pid"; do
  [ -z "$p" ] || { kill -INT "$p"; wait "$p" || true; }
done
load_pid="" hiccup_pid="" perf_pid=""
if [ "$qps" != 0 ]; then
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); l = r["latency_ms"]
print("Recommend at %s QPS with %s swaps: p50 %.2f ms  p90 %.2f  p99 %.2f  p99.9 %.2f  errors %d  not sent %d" % (
    sys.argv[2], sys.argv[3], l["p50"], l["p90"], l["p99"], l["p99.9"], r["errors"], r["skipped"]))' \
    "$work/load.json" "$qps" "$swaps"
fi
echo "server's loads: $(grep event=model_loaded "$serve_log" | tail -n +2 | grep -o 'seconds=[0-9.]*' | tr '\n' ' ')"
echo "fresh 2 MiB pages faulted in per swap (machine-wide): ${fresh[*]}"
# The calls scheduled inside the server's loads ([logged time - seconds,
# logged time] of each model_loaded line after the start-up's) against the
# others; with HICCUP=1 the late wake-ups too.
python3 - "$serve_log" "$qps" "$work/calls.csv" "$work/hiccups.csv" "$work/hiccup.json" <<'PY'
import csv, datetime, json, os, re, sys
serve_log, qps, calls_path, hiccups_path, hiccup_json = sys.argv[1:]
loads = []
for line in open(serve_log):
    if "event=model_loaded" in line:
        ts = datetime.datetime.strptime(re.search(r"ts=(\S+)Z", line).group(1), "%Y-%m-%dT%H:%M:%S.%f")
        end = ts.replace(tzinfo=datetime.timezone.utc).timestamp()
        loads.append((end - float(re.search(r"seconds=([0-9.]+)", line).group(1)), end))
loads = loads[1:]
def inside(t):
    return any(a <= t < b for a, b in loads)
def read(path):
    with open(path) as f:
        start = int(f.readline().split("=")[1]) / 1000
        return start, list(csv.DictReader(f))
def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")
if qps != "0":
    start, rows = read(calls_path)
    rows = [(float(r["scheduled_ms"]) / 1000 + start, r) for r in rows]
    end = rows[-1][0]
    inside_s = sum(min(b, end) - max(a, start) for a, b in loads if b > start)
    for name, picked, seconds in (
            ("inside the server's loads", [r for t, r in rows if inside(t)], inside_s),
            ("outside them", [r for t, r in rows if not inside(t)], end - start - inside_s)):
        sent = [float(r["latency_ms"]) for r in picked if r["latency_ms"]]
        print("Recommend at %s QPS %s (%.1f s): %d calls, p50 %.2f ms  p99 %.2f  max %.2f  failed %d  not sent %d" % (
            qps, name, seconds, len(picked), quantile(sent, 0.5), quantile(sent, 0.99), max(sent, default=0),
            sum(r["code"] not in ("OK", "NOT_SENT") for r in picked), sum(r["code"] == "NOT_SENT" for r in picked)))
    print("p99 of the calls inside each load: %s" % "  ".join(
        "%.1f ms (%.2f s)" % (quantile([float(r["latency_ms"]) for t, r in rows if a <= t < b and r["latency_ms"]], 0.99), b - a)
        for a, b in loads if a >= start))
if os.path.exists(hiccups_path):
    start, rows = read(hiccups_path)
    events = [(float(r["at_ms"]) / 1000 + start, float(r["late_ms"])) for r in rows]
    report = json.load(open(hiccup_json))
    span = max(c["wakeups"] for c in report["cpus"]) * report["period_us"] / 1e6
    inside_s = sum(b - max(a, start) for a, b in loads if b > start)
    for name, picked, seconds in (
            ("inside the server's loads", [l for t, l in events if inside(t)], inside_s),
            ("outside them", [l for t, l in events if not inside(t)], span - inside_s)):
        late = sorted(picked, reverse=True)
        print("hiccups %s (%.1f s): %d wake-ups > 2 ms (%.1f per s), > 5 ms: %d, > 10 ms: %d, longest: %s ms" % (
            name, seconds, len(late), len(late) / max(seconds, 1e-9), sum(l > 5 for l in late),
            sum(l > 10 for l in late), ", ".join("%.1f" % l for l in late[:5]) or "-"))
PY
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
