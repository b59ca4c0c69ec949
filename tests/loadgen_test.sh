#!/usr/bin/env bash
# recsys-loadgen against real servers on free loopback ports: every --mix
# name is accepted and sends that RPC, `health` checks the service named by
# --health_service and counts an answer other than SERVING as a failure
# (HEALTH_NOT_SERVING on a server without a model), a bad --mix is refused
# with exit 2 naming the valid RPCs. Usage: loadgen_test.sh BIN_DIR
set -euo pipefail

bin="$1"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_server NAME FLAGS...: starts a server (not in a subshell: its pid
# must reach cleanup); sets port to its gRPC port.
start_server() {
  local name="$1"
  shift
  "$bin/recsys-server" --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
    --log_level=info "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    grep -q "event=server_started" "$work/$name.log" && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "server $name exited: $(cat "$work/$name.log")"
    sleep 0.05
  done
  port="$(grep -o 'grpc_port=[0-9]*' "$work/$name.log" | cut -d= -f2)"
  [ -n "$port" ] || fail "server $name did not start"
}
# field REPORT KEY: one field of a loadgen JSON report, as JSON.
field() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[sys.argv[2]], sort_keys=True))' "$1" "$2"; }

"$bin/recsys-train" train --model_dir="$work/models" --demo_users=300 \
  --demo_tracks=800 --factors=8 --iterations=2 --holdout=0 --threads=1 \
  --log_level=warning >/dev/null
mkdir -p "$work/empty"
start_server empty --model_dir="$work/empty" --allow_empty_store
empty_port="$port"
start_server serving --model_dir="$work/models"
lg=("$bin/recsys-loadgen" --duration_s=1 --concurrency=4 --users=300 --tracks=800 --json)

set +e
"$bin/recsys-loadgen" --duration_s=1 --mix=recommend:1,empty:1 2>"$work/bad.err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "a bad --mix exited $status, not 2"
grep -q 'unknown RPC "empty" (recommend, radio, related, now_playing, model_info, health)' "$work/bad.err" ||
  fail "bad --mix message: $(cat "$work/bad.err")"

# Every RPC of the mix is sent and answered OK by a serving server.
r="$("${lg[@]}" --target="127.0.0.1:$port" \
  --mix=recommend:1,radio:1,related:1,now_playing:1,model_info:1,health:1)"
[ "$(field "$r" codes | grep -o '"[A-Z_]*"' | sort -u | tr -d '\n')" = '"OK"' ] || fail "codes: $r"
[ "$(python3 -c 'import json,sys; print(" ".join(sorted(json.loads(sys.argv[1])["rpcs"])))' "$r")" = \
  "health model_info now_playing radio recommend related" ] || fail "rpcs: $r"
# Its own CPU time: some, and no more than all the CPUs for the whole run.
python3 -c 'import json,os,sys; r=json.loads(sys.argv[1]); sys.exit(not 0 < r["cpu_s"] <= (r["duration_s"] + 0.5) * os.cpu_count())' "$r" ||
  fail "cpu_s: $r"

for service in "" recsys.v1.Recommender; do
  r="$("${lg[@]}" --target="127.0.0.1:$port" --mix=health:1 --health_service="$service")"
  [ "$(field "$r" errors)" = 0 ] && [ "$(field "$r" rpcs | grep -c '"health"')" = 1 ] ||
    fail "health of \"$service\" on a serving server: $r"
done
r="$("${lg[@]}" --target="127.0.0.1:$port" --mix=health:1 --health_service=no.such.Service)"
[ "$(field "$r" codes | grep -o '"[A-Z_]*"' | tr -d '\n')" = '"NOT_FOUND"' ] ||
  fail "health of an unknown service: $r"

# No model: health answers NOT_SERVING, counted as a failure.
r="$("${lg[@]}" --target="127.0.0.1:$empty_port" --mix=health:1)"
[ "$(field "$r" codes | grep -o '"[A-Z_]*"' | tr -d '\n')" = '"HEALTH_NOT_SERVING"' ] ||
  fail "health without a model: $r"
[ "$(field "$r" errors)" = "$(field "$r" requests)" ] || fail "NOT_SERVING not counted as errors: $r"
# SIGINT stops a long run early, fixed-rate and closed-loop, with a report
# of what was sent.
for mode in --qps=200 --concurrency=4; do
  "$bin/recsys-loadgen" --target="127.0.0.1:$port" --users=300 --tracks=800 --json \
    --mix=health:1 --duration_s=600 "$mode" >"$work/stopped.json" &
  lg_pid=$!
  sleep 1.5
  kill -INT "$lg_pid"
  wait "$lg_pid" || fail "recsys-loadgen $mode exited $? after SIGINT"
  r="$(cat "$work/stopped.json")"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(not (0.5 < r["duration_s"] < 60 and r["requests"] > 0 and r["errors"] == 0))' "$r" ||
    fail "report after SIGINT ($mode): $r"
done

# --calls_out: one line per scheduled call, matching the report's counts;
# the in-flight cap of 1 at 2,000 QPS leaves some calls not sent.
r="$("${lg[@]}" --target="127.0.0.1:$port" --mix=recommend:1,health:1 --qps=2000 \
  --concurrency=1 --calls_out="$work/calls.csv")"
python3 - "$r" "$work/calls.csv" <<'PY' || fail "--calls_out does not match the report $r"
import csv, json, re, sys
report = json.loads(sys.argv[1])
with open(sys.argv[2]) as f:
    head = f.readline()
    assert re.fullmatch(r"# recsys-loadgen calls start_unix_ms=\d{13}\n", head), head
    rows = list(csv.DictReader(f))
sent = [r for r in rows if r["code"] != "NOT_SENT"]
skipped = [r for r in rows if r["code"] == "NOT_SENT"]
assert len(sent) == report["requests"], (len(sent), report)
assert len(skipped) == report["skipped"] > 0, (len(skipped), report)
assert all(r["latency_ms"] == "" and r["rpc"] == "-" for r in skipped)
assert {r["rpc"] for r in sent} == {"recommend", "health"}, {r["rpc"] for r in sent}
assert all(r["code"] == "OK" and float(r["latency_ms"]) > 0 for r in sent)
at = sorted(float(r["scheduled_ms"]) for r in rows)
assert 0 <= at[0] < 1 and 900 < at[-1] < 1000, (at[0], at[-1])
PY
if "$bin/recsys-loadgen" --duration_s=1 --calls_out="$work/no/such/dir/calls.csv" 2>"$work/bad.err"; then
  fail "an unwritable --calls_out was accepted"
fi
grep -q -- '--calls_out: cannot write' "$work/bad.err" || fail "unwritable --calls_out: $(cat "$work/bad.err")"
echo "loadgen_test: ok"
