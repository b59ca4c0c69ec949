#!/usr/bin/env bash
# recsys-als-bench on a tiny generated matrix: --help, the JSON report's
# fields (plain and gzip input, --user_fraction, merged duplicates), and exit
# status 2 with a located message for each kind of bad input.
# Usage: als_synth_bench_test.sh PATH_TO_recsys-als-bench
set -eu

bench="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" --help 2>&1 | grep -q -- "--user_fraction" || fail "--help lists no flags"

# 40 users x 25 items, 3 to 8 items per user, counts 1..4; deterministic.
{
  printf 'user\titem\tcount\n'
  for u in $(seq 0 39); do
    for k in $(seq 0 $((u % 6 + 2))); do
      printf '%d\t%d\t%d\n' "$u" $(((u * 7 + k * 3) % 25)) $(((u + k) % 4 + 1))
    done
  done
} >"$work/m.tsv"
rows=$(($(wc -l <"$work/m.tsv") - 1))
users_half=$(awk -F'\t' 'NR > 1 && $1 < 20' "$work/m.tsv" | wc -l)
gzip -c "$work/m.tsv" >"$work/m.tsv.gz"

small=(--factors=8 --iterations=2 --threads=2)
"$bench" --input="$work/m.tsv" "${small[@]}" --json >"$work/plain.json" 2>"$work/err" ||
  fail "plain TSV: $(cat "$work/err")"
"$bench" --input="$work/m.tsv.gz" "${small[@]}" --json --user_fraction=0.5 \
  >"$work/half.json" 2>"$work/err" || fail "gzip TSV: $(cat "$work/err")"
# Each row again: counts are summed, so nnz stays and 'duplicate_rows' counts.
{ cat "$work/m.tsv"; tail -n +2 "$work/m.tsv"; } >"$work/dup.tsv"
"$bench" --input="$work/dup.tsv" "${small[@]}" --json >"$work/dup.json" 2>"$work/err" ||
  fail "duplicates: $(cat "$work/err")"
"$bench" --input="$work/m.tsv" "${small[@]}" >"$work/text.out" 2>"$work/err" ||
  fail "text report: $(cat "$work/err")"
grep -q "median .* s/iteration over 2 iterations" "$work/text.out" ||
  fail "text report: $(cat "$work/text.out")"

/usr/bin/python3 - "$work" "$rows" "$users_half" <<'EOF' || fail "JSON reports"
import json, sys
work, rows, rows_half = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fields = ["input", "user_fraction", "total_users", "users", "items", "rows_read",
          "duplicate_rows", "nnz", "confidence", "alpha", "factors", "iterations",
          "cg_steps", "threads", "regularization", "seed", "load_seconds",
          "parse_seconds", "matrix_seconds", "train_seconds", "iteration_seconds",
          "median_iteration_seconds", "loss", "peak_rss_mib", "peak_rss_load_mib",
          "peak_rss_train_mib"]
def load(name):
    with open(f"{work}/{name}.json") as f:
        report = json.loads(f.read())  # exactly one object
    missing = [k for k in fields if k not in report]
    assert not missing, (name, missing)
    return report
plain, half, dup = load("plain"), load("half"), load("dup")
assert (plain["users"], plain["total_users"], plain["items"]) == (40, 40, 25), plain
assert plain["nnz"] == plain["rows_read"] == rows and plain["duplicate_rows"] == 0, plain
assert plain["confidence"] == "count" and plain["alpha"] == 1 and plain["factors"] == 8, plain
assert plain["iterations"] == 2 and len(plain["iteration_seconds"]) == 2, plain
m = plain["median_iteration_seconds"]
assert m > 0 and min(plain["iteration_seconds"]) <= m <= max(plain["iteration_seconds"]), plain
assert plain["peak_rss_mib"] >= plain["peak_rss_load_mib"] > 0, plain
assert half["users"] == 20 and half["total_users"] == 40 and half["nnz"] == rows_half, half
assert dup["nnz"] == rows and dup["rows_read"] == 2 * rows and dup["duplicate_rows"] == rows, dup
EOF

# Bad input: exit 2 and a message naming the file (and the line).
expect_exit2() {  # NAME PATTERN FLAGS...
  local name="$1" pattern="$2" status=0
  shift 2
  "$bench" "$@" "${small[@]}" >"$work/out" 2>"$work/err" || status=$?
  [ "$status" -eq 2 ] || fail "$name: exit $status, want 2: $(cat "$work/err")"
  grep -q -- "$pattern" "$work/err" || fail "$name: message '$(cat "$work/err")' lacks '$pattern'"
}
head -n 4 "$work/m.tsv" >"$work/bad.tsv"
printf '3\tx\t1\n' >>"$work/bad.tsv"
expect_exit2 "non-numeric item" "bad.tsv:5: item 'x'" --input="$work/bad.tsv"
{ head -n 3 "$work/m.tsv"; printf '3\t4\n'; } >"$work/short.tsv"
expect_exit2 "two fields" "short.tsv:4: expected 3 tab-separated fields" --input="$work/short.tsv"
{ head -n 2 "$work/m.tsv"; printf '3\t4\t0\n'; } >"$work/zero.tsv"
expect_exit2 "zero count" "zero.tsv:3: count '0'" --input="$work/zero.tsv"
{ head -n 2 "$work/m.tsv"; printf -- '-1\t4\t2\n'; } >"$work/neg.tsv"
expect_exit2 "negative user" "neg.tsv:3: user '-1'" --input="$work/neg.tsv"
printf 'u\ti\tc\n0\t0\t1\n' >"$work/header.tsv"
expect_exit2 "wrong header" "header.tsv:1: expected the header" --input="$work/header.tsv"
: >"$work/empty.tsv"
expect_exit2 "empty file" "empty.tsv: empty file" --input="$work/empty.tsv"
printf 'user\titem\tcount\n' >"$work/nodata.tsv"
expect_exit2 "header only" "no interactions" --input="$work/nodata.tsv"
expect_exit2 "missing file" "missing.tsv: cannot open" --input="$work/missing.tsv"
head -c $(($(stat -c %s "$work/m.tsv.gz") / 2)) "$work/m.tsv.gz" >"$work/cut.tsv.gz"
expect_exit2 "truncated gzip" "cut.tsv.gz: read error after line" --input="$work/cut.tsv.gz"
expect_exit2 "bad fraction" "--user_fraction" --input="$work/m.tsv" --user_fraction=0
expect_exit2 "no input" "--input is required"
echo "als_synth_bench_test: OK"
