#!/usr/bin/env bash
# Serving cost against catalog size (issue #5, docs/BENCHMARKS.md): runs the
# start-up, closed-loop and fixed-rate phases of bench/serving_bench.sh at
# several model sizes and prints one table. Run with --help.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/growth.sh [--users_list=N,N] [--tracks_list=N,N,N] [--out=FILE] [serving_bench flags]

For every users x tracks pair (users outer, tracks inner) runs
bench/serving_bench.sh --phases=startup,closed,fixed on a demo model of that
size, then prints one markdown table: model size on disk, cold and warm
start-up, closed-loop health and recommend QPS and their ratio, recommend
latency at half the recommend QPS.

  --users_list=LIST    default 10000,1000000
  --tracks_list=LIST   default 10000,100000,1000000
  --out=FILE           all the per-size reports as one JSON file
  -h, --help           this text
Every other flag goes to serving_bench.sh unchanged (--duration_s,
--concurrency, --factors, --bin_dir, --cache_dir, --train_threads, ...; see
bench/serving_bench.sh --help); --duration_s defaults to 20 here.

Models are generated once and kept in serving_bench.sh's --cache_dir
(default build/bench-models/, one directory per size): the first run at
1,000,000 users or tracks spends minutes generating and training (and a few
GB of disk and RAM); later runs start serving at once.
EOF
}

die() { echo "growth: $*" >&2; exit 2; }

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
users_list="10000,1000000"
tracks_list="10000,100000,1000000"
out=""
pass=()
have_duration=0
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --users_list=*) users_list="${arg#*=}" ;;
    --tracks_list=*) tracks_list="${arg#*=}" ;;
    --out=*) out="${arg#*=}" ;;
    --users=* | --tracks=* | --phases=* | --model_dir=* | --work_dir=*)
      die "${arg%%=*} is chosen by growth.sh" ;;
    --duration_s=*) have_duration=1; pass+=("$arg") ;;
    *) pass+=("$arg") ;;
  esac
done
[ "$have_duration" = 1 ] || pass+=(--duration_s=20)
[[ "$users_list" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--users_list must be numbers separated by commas"
[[ "$tracks_list" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--tracks_list must be numbers separated by commas"

reports_dir="$(mktemp -d "${TMPDIR:-/tmp}/growth.XXXXXX")"
trap 'rm -rf "$reports_dir"' EXIT
reports=()
for u in ${users_list//,/ }; do
  for t in ${tracks_list//,/ }; do
    echo "growth: $u users x $t tracks" >&2
    report="$reports_dir/u$u-t$t.json"
    # Its own table goes to stderr: stdout is for the combined one.
    "$script_dir/serving_bench.sh" --users="$u" --tracks="$t" \
      --phases=startup,closed,fixed --out="$report" "${pass[@]}" >&2
    reports+=("$report")
  done
done
python3 "$script_dir/bench_report.py" growth ${out:+--out="$out"} "${reports[@]}"
