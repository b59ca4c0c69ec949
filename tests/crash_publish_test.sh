#!/usr/bin/env bash
# Crash safety of publication (docs/RELIABILITY.md): recsys-train is killed
# with SIGKILL at random moments (before, during and after it publishes)
# while recsys-server serves the same store and reloads every second. After
# every kill the server still answers from a complete version, the store
# lists only complete versions and CURRENT names one of them. Finally a
# corrupted version made current is refused with DATA_LOSS, counted, and the
# previous version keeps serving.
# Usage: crash_publish_test.sh BIN_DIR [KILLS]
set -eu

bin="$1"
kills="${2:-20}"
work="$(mktemp -d)"
models="$work/models"
server_pid=""
train_pid=""
cleanup() {
  if [ -n "$train_pid" ]; then kill -9 "$train_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/server.log" ] && tail -20 "$work/server.log" >&2; exit 1; }
now_ms() { date +%s%3N; }

# Small, but large enough that publication (writing users) is a good part
# of a run, so kills land inside it.
small=(--demo_users=3000 --demo_tracks=6000 --factors=16 --iterations=6
       --holdout=0 --threads=1 --log_level=warning)
train() { "$bin/recsys-train" train --model_dir="$1" "${small[@]}"; }

# v000001, and how long one (warm) training run takes here.
train "$models" >/dev/null || fail "first publication"
start=$(now_ms)
train "$work/timing" >/dev/null || fail "timing publication"
train_ms=$(( $(now_ms) - start ))

"$bin/recsys-server" --model_dir="$models" --listen=127.0.0.1:0 \
  --metrics_listen=127.0.0.1:0 --reload_interval_seconds=1 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q "event=server_started" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || fail "server exited"
  sleep 0.05
done
grpc_port="$(grep -o 'grpc_port=[0-9]*' "$work/server.log" | cut -d= -f2)"
metrics_port="$(grep -o 'metrics_port=[0-9]*' "$work/server.log" | cut -d= -f2)"
[ -n "$grpc_port" ] && [ -n "$metrics_port" ] || fail "no ports in the log"
cli=("$bin/recsys-cli" "--target=127.0.0.1:$grpc_port" --deadline_ms=5000)

served_version() {
  "${cli[@]}" --json model-info | grep -o '"model_version":"v[0-9]*"' | cut -d'"' -f4
}
metric() {
  curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep "^$1 " | awk '{print $2}'
}
# The store is consistent and the server answers from a complete version.
check_store_and_server() {
  local what="$1" listed current served
  local listing_re='^v[0-9]{6}(  \(current\))?$'
  listed="$("$bin/recsys-train" versions --model_dir="$models")" ||
    fail "$what: versions"
  while read -r line; do
    [[ "$line" =~ $listing_re ]] || fail "$what: listed '$line'"
    v="${line%% *}"
    [ -f "$models/versions/$v/CURRENT" ] || fail "$what: $v is incomplete"
  done <<<"$listed"
  current="$(cat "$models/CURRENT")"
  grep -qx "$current  (current)" <<<"$listed" ||
    fail "$what: CURRENT '$current' is not a listed version: $listed"
  served="$(served_version)"
  [ -n "$served" ] || fail "$what: model-info"
  [ -f "$models/versions/$served/CURRENT" ] || fail "$what: serves $served"
  "${cli[@]}" recommend --user=u000001 --count=5 | grep -q "tr0" ||
    fail "$what: recommend"
}

# Kill delays spread evenly (one random point per slice) over [0, 1.3 x
# training time]: before publication starts, while the version is written,
# between its rename and CURRENT's, and after the process is done (then the
# kill finds nothing to kill).
RANDOM=$$
mid_publish=0
slice_ms=$(( train_ms * 13 / 10 / kills + 1 ))
for i in $(seq 1 "$kills"); do
  delay_ms=$(( (i - 1) * slice_ms + RANDOM % slice_ms ))
  # Started directly (not through train()), so that $! is recsys-train
  # itself and not a subshell whose child would outlive the kill.
  "$bin/recsys-train" train --model_dir="$models" "${small[@]}" >/dev/null 2>&1 &
  train_pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$train_pid" 2>/dev/null || true
  wait "$train_pid" 2>/dev/null || true
  train_pid=""
  if ls -A "$models/versions" | grep -q '^\.tmp-'; then mid_publish=$((mid_publish + 1)); fi
  check_store_and_server "kill $i after ${delay_ms} ms"
done

# How the kills fell (for the log): versions completed, kills that left a
# publication half-written (its .tmp-* is removed by the next Publish).
published=$(ls "$models/versions" | grep -c '^v' || true)
echo "after $kills kills: $published versions, $mid_publish kills during publication"

# One clean publication; wait until the server serves it.
train "$models" >/dev/null || fail "publication after the kills"
good="$(cat "$models/CURRENT")"
for _ in $(seq 1 100); do
  [ "$(served_version)" = "$good" ] && break
  sleep 0.1
done
[ "$(served_version)" = "$good" ] || fail "server did not swap to $good"
check_store_and_server "after a clean publication"

# A newer version with corrupted SST files, made current by hand
# (rollback refuses bad versions). It is built in a staging store and
# renamed in whole, as Publish does.
failures_before="$(metric 'recsys_model_reloads_total{result="failure"}')"
train "$work/staging" >/dev/null || fail "staging publication"
last="$("$bin/recsys-train" versions --model_dir="$models" | tail -1 | cut -c2-7)"
bad="$(printf 'v%06d' $((10#$last + 1)))"
mv "$work/staging/versions/v000001" "$models/versions/$bad"
for sst in "$models/versions/$bad"/*.sst; do
  size=$(stat -c %s "$sst")
  head -c 256 /dev/urandom |
    dd of="$sst" bs=1 seek=$((size / 2)) conv=notrunc status=none
done
echo "$bad" >"$models/CURRENT.tmp"
mv "$models/CURRENT.tmp" "$models/CURRENT"
for _ in $(seq 1 100); do
  grep -q "event=model_refused.*version=$bad" "$work/server.log" && break
  sleep 0.1
done
grep "event=model_refused" "$work/server.log" | grep "version=$bad" |
  grep -q "code=DATA_LOSS" || fail "corrupt $bad not refused with DATA_LOSS"
failures_after="$(metric 'recsys_model_reloads_total{result="failure"}')"
awk -v a="$failures_after" -v b="$failures_before" 'BEGIN { exit !(a > b) }' ||
  fail "reload failures $failures_before -> $failures_after"
[ "$(served_version)" = "$good" ] || fail "stopped serving $good"
"${cli[@]}" recommend --user=u000001 --count=5 | grep -q "tr0" ||
  fail "recommend after the refusal"

kill -TERM "$server_pid"
wait "$server_pid" || fail "server exit status $?"
server_pid=""
echo "crash_publish_test: ok ($kills kills, training ${train_ms} ms)"
