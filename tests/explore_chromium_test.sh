#!/usr/bin/env bash
# Opens an exploration report (core/explore_report.h) in headless Chromium and
# checks that every chart renders: the page's own script must report
# "charts-ok N" with N the number of <svg class="chart"> in the file, and a
# screenshot must show more than a blank page.
#
# Usage: explore_chromium_test.sh MIN_CHARTS GENERATOR [ARGS...]
# Runs GENERATOR ARGS... with the report path substituted for an argument
# "{out}" (or, when no argument has it, appended), then expects at least
# MIN_CHARTS charts in the report.
#
# Needs Debian's chromium. Without it the test is skipped (exit 77), unless
# CI=true, where a missing browser is a broken CI image and fails the test.
set -eu

min_charts="$1"
shift

if ! command -v chromium >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: chromium is not installed (CI=true; see deploy/install-deps.sh)" >&2
    exit 1
  fi
  echo "SKIP: chromium is not installed (apt-get install chromium)"
  exit 77
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

report="$work/report.html"
args=()
substituted=false
for arg in "$@"; do
  if [[ "$arg" == *"{out}"* ]]; then substituted=true; fi
  args+=("${arg//\{out\}/$report}")
done
if [ "$substituted" = false ]; then args+=("$report"); fi
"${args[@]}" || fail "generator exited with $?: ${args[*]}"
[ -s "$report" ] || fail "no report at $report"

charts="$(grep -o '<svg class="chart"' "$report" | wc -l)"
[ "$charts" -ge "$min_charts" ] ||
  fail "the report has $charts charts, expected at least $min_charts"

# Chromium wants a writable home and profile; keep both out of the real ones.
export HOME="$work/home"
browser=(timeout 120 chromium --headless=new --no-sandbox --disable-gpu
  --user-data-dir="$work/profile" --virtual-time-budget=5000)

"${browser[@]}" --dump-dom "file://$report" >"$work/dom.html" 2>"$work/chromium.log" ||
  { cat "$work/chromium.log" >&2; fail "chromium --dump-dom failed"; }
check="$(grep -o '<div id="render-check">[^<]*' "$work/dom.html" | sed 's/.*>//')"
[ "$check" = "charts-ok $charts" ] ||
  fail "render check says '${check:-nothing}', expected 'charts-ok $charts'"

"${browser[@]}" --hide-scrollbars --window-size=1100,3000 \
  --screenshot="$work/report.png" "file://$report" >/dev/null 2>>"$work/chromium.log" ||
  { cat "$work/chromium.log" >&2; fail "chromium --screenshot failed"; }
# A blank 1100x3000 page compresses to about 16 kB, the demo-world report to
# about 270 kB.
png_bytes="$(stat -c %s "$work/report.png")"
[ "$png_bytes" -gt 50000 ] || fail "screenshot is only $png_bytes bytes"
[ "$(head -c 8 "$work/report.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
  fail "screenshot is not a PNG"

echo "PASS: $check, screenshot $png_bytes bytes"
