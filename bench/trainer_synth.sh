#!/usr/bin/env bash
# Issue #5, "Trainer": seconds per ALS iteration and peak RSS of our trainer
# on the synthetic 200,000 x 50,000 matrix of ../shared/eval/synth, with the
# protocol of ../shared/eval/README.md (confidence = count, 15 iterations,
# 3 CG steps, 2 threads), next to the peer's numbers of
# ../shared/eval/BASELINES.md.
#
# 1. Regenerates synth_u200k_i50k.tsv.gz with make_synth.py into
#    BUILD_DIR/bench-cache/synth (once: a cached copy whose sha256 matches
#    synth_u200k_i50k.stats.txt is reused; a new one must match it too).
# 2. Runs recsys-als-bench at 64 factors on the first 25%, 50% and 100% of the
#    users (growth should be linear in the non-zeros) and at 128 factors on
#    all users, one process each, so each peak RSS is that run's alone.
# 3. Prints a markdown table; the JSON reports stay in
#    BUILD_DIR/bench-results/trainer_synth/.
#
# Times on shared 2-core machines vary by about 20%: run on a quiet machine,
# and compare with the peer only in the same session. A few minutes in all
# (one 3-iteration run on 10% of the users took 0.18 s per iteration and 2.4 s
# to load); generating the matrix the first time took 26 s.
#
# Usage: bench/trainer_synth.sh [--build-dir DIR] [--bench PATH]
#                               [--prepare-only] [-- EXTRA BENCH FLAGS]
#   --build-dir DIR  the CMake build directory (default: <repo>/build)
#   --bench PATH     recsys-als-bench (default: DIR/bin/recsys-als-bench)
#   --prepare-only   make and check the matrix, then stop
# The shared folder is ../shared next to the repository root
# (RECSYS_SHARED_DIR overrides it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
bench=""
prepare_only=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --bench) bench="$2"; shift 2 ;;
    --prepare-only) prepare_only=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "trainer_synth.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bench="${bench:-$build/bin/recsys-als-bench}"
die() { echo "trainer_synth.sh: $*" >&2; exit 1; }

shared="${RECSYS_SHARED_DIR:-$root/../shared}"
synth="$shared/eval/synth"
if [ ! -d "$shared" ]; then
  if [ -n "${RECSYS_SHARED_DIR:-}" ]; then
    die "shared folder RECSYS_SHARED_DIR=$shared is missing"
  fi
  die "shared folder $shared (../shared relative to the repository root $root) is missing; set RECSYS_SHARED_DIR to its path"
fi
for f in make_synth.py synth_u200k_i50k.stats.txt; do
  [ -f "$synth/$f" ] || die "$synth/$f is missing"
done
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 is missing (deploy/install-deps.sh)"

name=synth_u200k_i50k.tsv.gz
want="$(awk -F'\t' -v f="$name" '$1 == "sha256" && $2 == f { print $3 }' \
  "$synth/synth_u200k_i50k.stats.txt")"
[ -n "$want" ] || die "no sha256 of $name in $synth/synth_u200k_i50k.stats.txt"
cache="$build/bench-cache/synth"
matrix="$cache/$name"
sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$matrix" ] && [ "$(sha "$matrix")" = "$want" ]; then
  echo "trainer_synth.sh: reusing $matrix (sha256 checked)" >&2
else
  [ -e "$matrix" ] && echo "trainer_synth.sh: $matrix has the wrong sha256; regenerating" >&2
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.make-XXXXXX")"
  echo "trainer_synth.sh: generating the matrix into $tmp (about half a minute)" >&2
  /usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null ||
    die "python3-numpy and python3-scipy are needed (deploy/install-deps.sh)"
  /usr/bin/python3 "$synth/make_synth.py" "$tmp" >&2 || die "make_synth.py failed"
  got="$(sha "$tmp/$name")"
  [ "$got" = "$want" ] ||
    die "generated $tmp/$name has sha256 $got, but synth_u200k_i50k.stats.txt says $want (different numpy or gzip?); left in $tmp"
  # Only the TSV is read; the .npz is another 200 MB.
  mv "$tmp/$name" "$matrix"
  rm -rf "$tmp"
  echo "trainer_synth.sh: $matrix verified" >&2
fi
[ "$prepare_only" -eq 1 ] && exit 0

[ -x "$bench" ] || die "$bench is missing: cmake --build $build --target recsys-als-bench"
results="$build/bench-results/trainer_synth"
mkdir -p "$results"
echo "trainer_synth.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" >&2

# factors user_fraction
runs=("64 0.25" "64 0.5" "64 1" "128 1")
for run in "${runs[@]}"; do
  read -r factors fraction <<<"$run"
  echo "trainer_synth.sh: $factors factors, user_fraction $fraction" >&2
  "$bench" --input="$matrix" --factors="$factors" --user_fraction="$fraction" \
    --iterations=15 --cg_steps=3 --threads=2 --confidence=count --json \
    ${extra[@]+"${extra[@]}"} >"$results/f${factors}_u${fraction}.json" ||
    die "recsys-als-bench failed ($factors factors, user_fraction $fraction)"
done

/usr/bin/python3 - "$results" "${runs[@]}" <<'EOF'
import json, sys
results, runs = sys.argv[1], [r.split() for r in sys.argv[2:]]
# ../shared/eval/BASELINES.md: implicit 0.7.2, all users.
peer = {64: (4.54, 496), 128: (7.42, 557)}
print("| factors | users | nnz | median s/iter | vs peer | s/iter per M nnz "
      "| peak RSS MiB | vs peer |")
print("|---|---|---|---|---|---|---|---|")
for factors, fraction in runs:
    with open(f"{results}/f{factors}_u{fraction}.json") as f:
        r = json.load(f)
    s, rss, nnz = r["median_iteration_seconds"], r["peak_rss_mib"], r["nnz"]
    full = r["users"] == r["total_users"]
    ps, prss = peer.get(r["factors"], (None, None)) if full else (None, None)
    ratio = lambda ours, theirs: f"{ours / theirs:.2f}x" if theirs else "-"
    print(f"| {r['factors']} | {r['users']:,} ({float(fraction):.0%}) | {nnz:,} "
          f"| {s:.2f} | {ratio(s, ps)} | {s / nnz * 1e6:.3f} | {rss:.0f} "
          f"| {ratio(rss, prss)} |")
print()
print("Median over the run's iterations (user half + item half); peak RSS of the "
      "whole process (load phase included; each JSON report also has "
      "peak_rss_load_mib and peak_rss_train_mib). Peer: implicit 0.7.2, "
      "../shared/eval/BASELINES.md (4.54 s and 496 MiB at 64 factors, 7.42 s "
      "and 557 MiB at 128); ratios > 1 mean we are slower or larger.")
EOF
