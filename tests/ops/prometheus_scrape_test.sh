#!/usr/bin/env bash
# A real Prometheus scrapes a real recsys-server: trains a tiny model, serves
# it on free loopback ports, makes RPCs with recsys-cli, starts `prometheus`
# scraping /metrics every second with deploy/prometheus/alerts.yml loaded, and
# checks through the query API that recsys_rpc_duration_seconds_count counts
# exactly the Recommend calls made, that the p99 query of the dashboard and of
# RecsysHighLatencyP99 returns a number, that the five alert rules load, and
# that none fires on this healthy server.
# Usage: prometheus_scrape_test.sh BIN_DIR [REPO_ROOT]
set -euo pipefail

bin="$1"
root="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
work="$(mktemp -d)"
server_pid=""
prom_pid=""
stop() {  # stop PID: SIGTERM, bounded wait, then SIGKILL
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$prom_pid"
  stop "$server_pid"
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in server.log prometheus.log; do
    [ -f "$work/$f" ] && { echo "--- $f (tail)" >&2; tail -n 30 "$work/$f" >&2; }
  done
  exit 1
}
command -v prometheus >/dev/null || fail "prometheus not found (Debian package prometheus)"

# Train and serve.
"$bin/recsys-train" train --model_dir="$work/m" --demo_users=300 --demo_tracks=800 \
  --factors=8 --iterations=4 --log_level=warning >"$work/train.out" ||
  fail "training"
"$bin/recsys-server" --model_dir="$work/m" --listen=127.0.0.1:0 \
  --metrics_listen=127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q "event=server_started" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || fail "server exited"
  sleep 0.05
done
grpc_port="$(grep -o 'grpc_port=[0-9]*' "$work/server.log" | head -1 | cut -d= -f2)"
metrics_port="$(grep -o 'metrics_port=[0-9]*' "$work/server.log" | head -1 | cut -d= -f2)"
[ -n "$grpc_port" ] && [ -n "$metrics_port" ] || fail "no ports in the server log"
cli=("$bin/recsys-cli" "--target=127.0.0.1:$grpc_port")
"${cli[@]}" health >/dev/null || fail "health is not SERVING"

calls=0
recommend_batch() {  # five Recommend calls, counted
  for u in 1 2 3 4 5; do
    "${cli[@]}" recommend --user="u00000$u" --count=5 >/dev/null || fail "recommend u00000$u"
    calls=$((calls + 1))
  done
}
recommend_batch
"${cli[@]}" radio --seed_genre=rock --count=5 >/dev/null || fail "radio"
# A NOT_FOUND: a caller's mistake, counted under its code, alerting on nothing.
if "${cli[@]}" radio --seed_track=no-such-track >/dev/null 2>&1; then
  fail "radio with an unknown seed succeeded"
fi

# The exposition itself counts the calls (the sum over codes of method Recommend).
direct="$(curl -fsS "http://127.0.0.1:$metrics_port/metrics" |
  awk '/^recsys_rpc_duration_seconds_count\{/ && /method="Recommend"/ {s += $NF} END {print s + 0}')"
[ "$direct" = "$calls" ] || fail "/metrics counts $direct Recommend calls, made $calls"

# Prometheus on a free loopback port, scraping every second, with the alerts.
cp "$root/deploy/prometheus/alerts.yml" "$work/alerts.yml"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml]
scrape_configs:
  - job_name: recsys-server
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
YAML
promtool check config "$work/prometheus.yml" >/dev/null || fail "generated config"
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
prom_port=""
for attempt in 1 2 3; do  # the free port may be taken in between: retry
  port="$(free_port)"
  rm -rf "$work/tsdb"
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus.log" 2>&1 &
  prom_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then prom_port="$port"; break; fi
    kill -0 "$prom_pid" 2>/dev/null || break
    sleep 0.2
  done
  [ -n "$prom_port" ] && break
  stop "$prom_pid"
  prom_pid=""
done
[ -n "$prom_port" ] || fail "prometheus did not become ready"
api="http://127.0.0.1:$prom_port/api/v1"

query() {  # query PROMQL -> the API's JSON
  curl -fsS -G "$api/query" --data-urlencode "query=$1"
}
# JSON on stdin -> the sum of the values of the series whose method is
# Recommend ("" when there is none).
recommend_sum() {
  python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
v = [float(s["value"][1]) for s in r if s["metric"].get("method") == "Recommend"]
print("%g" % sum(v) if v else "")'
}
wait_count() {  # wait_count N: until Prometheus has scraped N Recommend calls
  local got=""
  for _ in $(seq 1 150); do
    got="$(query 'recsys_rpc_duration_seconds_count' | recommend_sum)" || got=""
    [ "$got" = "$1" ] && return 0
    sleep 0.2
  done
  fail "recsys_rpc_duration_seconds_count{method=\"Recommend\"} is '$got' after 30 s, expected $1"
}
wait_count "$calls"
echo "prometheus_scrape_test: Prometheus counts $calls Recommend calls"

# More calls now that Prometheus has scraped the first five, so that rate()
# sees an increase.
recommend_batch
wait_count "$calls"
echo "prometheus_scrape_test: Prometheus counts $calls Recommend calls after a second batch"

p99_query='histogram_quantile(0.99, sum by (le) (rate(recsys_rpc_duration_seconds_bucket[1m])))'
p99=""
for _ in $(seq 1 50); do
  p99="$(query "$p99_query" | python3 -c '
import json, math, sys
r = json.load(sys.stdin)["data"]["result"]
v = float(r[0]["value"][1]) if len(r) == 1 else float("nan")
print(v if math.isfinite(v) else "")')" || p99=""
  [ -n "$p99" ] && break
  sleep 0.2
done
[ -n "$p99" ] || fail "no number from $p99_query"
python3 -c "import sys; v = float('$p99'); sys.exit(0 if 0 < v <= 10 else 1)" ||
  fail "p99 $p99 s is outside the histogram's (0, 10] s"
echo "prometheus_scrape_test: p99 latency $p99 s"

# The shipped rules load and, on this healthy server, stay quiet: wait until
# every rule has been evaluated (after the scrapes above), then no alert may be
# pending or firing.
rules_state() {
  curl -fsS "$api/rules" | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"] if r["type"] == "alerting"]
evaluated = all(not r.get("lastEvaluation", "0001").startswith("0001") for r in rules)
print(("evaluated" if evaluated else "pending") + " " + " ".join(sorted(r["name"] for r in rules)))'
}
state=""
for _ in $(seq 1 50); do
  state="$(rules_state)" || state=""
  case "$state" in evaluated\ *) break ;; esac
  sleep 0.2
done
[ "$state" = "evaluated RecsysHighErrorRatio RecsysHighLatencyP99 RecsysModelReloadFailed RecsysModelStale RecsysNotReady" ] ||
  fail "alert rules loaded and evaluated: '$state'"
active="$(curl -fsS "$api/alerts" | python3 -c '
import json, sys
print(" ".join(a["labels"]["alertname"] for a in json.load(sys.stdin)["data"]["alerts"]))')"
[ -z "$active" ] || fail "alerts active on a healthy server: $active"
up="$(query 'up{job="recsys-server"} == 1 and on (instance) recsys_model_loaded == 1' |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)["data"]["result"]))')"
[ "$up" = 1 ] || fail "the server is not up with a model loaded in Prometheus"
echo "prometheus_scrape_test: 5 alert rules loaded, none active"
echo "prometheus_scrape_test: passed"
