#!/usr/bin/env bash
# recsys-hiccup (label unit): one JSON report with every CPU, wake-ups at
# about the asked period, the events file's header and rows, bad flags
# refused with exit 2. Timing itself is not checked.
# Usage: hiccup_test.sh RECSYS_HICCUP
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" --duration_s=1 --period_us=1000 --record_over_ms=0 --json \
  --events_out="$work/events.csv" >"$work/report.json"
python3 - "$work/report.json" "$work/events.csv" "$(nproc)" <<'PY' || fail "report $(cat "$work/report.json")"
import csv, json, re, sys
report = json.load(open(sys.argv[1]))
cpus = report["cpus"]
assert [c["cpu"] for c in cpus] == list(range(int(sys.argv[3]))), cpus
for c in cpus:
    # 1 s at 1 ms: about 1,000 wake-ups, fewer when some come late.
    assert 200 <= c["wakeups"] <= 1001, c
    assert 0 <= c["p50_ms"] <= c["p99_ms"] <= c["p999_ms"] <= c["max_ms"], c
with open(sys.argv[2]) as f:
    assert re.fullmatch(r"# recsys-hiccup events start_unix_ms=\d{13}\n", f.readline())
    rows = list(csv.DictReader(f))
# --record_over_ms=0: every wake-up that was late at all is listed.
assert 0 < len(rows) <= sum(c["wakeups"] for c in cpus), len(rows)
assert all(0 <= float(r["at_ms"]) <= 1100 and float(r["late_ms"]) > 0 for r in rows)
PY
for bad in "--duration_s=0" "--duration_s=1 --period_us=10" "--duration_s=1 --record_over_ms=-1" \
  "--duration_s=1 --events_out=$work/no/such/dir/e.csv"; do
  set +e
  # shellcheck disable=SC2086
  "$bin" $bad >/dev/null 2>"$work/err"
  status=$?
  set -e
  [ "$status" -eq 2 ] || fail "recsys-hiccup $bad exited $status, not 2"
  [ -s "$work/err" ] || fail "recsys-hiccup $bad said nothing"
done
echo "hiccup_test: ok"
