#!/usr/bin/env bash
# The whole service in one command: installs what is missing, builds, trains a
# model on the built-in demo catalog, starts the server, calls every RPC with
# recsys-cli, shows the server's metrics, and stops the server.
#
# Idempotent: a second run rebuilds only what changed and reuses the trained
# model (RECSYS_DEMO_RETRAIN=1 trains and publishes a new version).
# Ports: RECSYS_PORT (gRPC, default 50051), RECSYS_METRICS_PORT (default 9464).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RECSYS_BUILD_DIR:-$root/build}"
bin="$build/bin"
data="${RECSYS_DEMO_DIR:-$root/demo-data}"
port="${RECSYS_PORT:-50051}"
metrics_port="${RECSYS_METRICS_PORT:-9464}"
target="127.0.0.1:$port"

section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "Build"
"$root/deploy/build.sh" --target recsys-server recsys-train recsys-cli

section "Train on the demo catalog"
mkdir -p "$data"
if [ "${RECSYS_DEMO_RETRAIN:-0}" = 1 ] || ! "$bin/recsys-train" versions \
    --model_dir="$data/models" | grep -q current; then
  "$bin/recsys-train" train --model_dir="$data/models" --source=demo \
    --demo_users=5000 --demo_tracks=20000 --factors=32 --iterations=10 \
    --log_level=warning
else
  echo "reusing the published model (RECSYS_DEMO_RETRAIN=1 trains a new one)"
fi
"$bin/recsys-train" versions --model_dir="$data/models"

section "Start the server"
"$bin/recsys-server" --model_dir="$data/models" --listen="$target" \
  --metrics_listen="127.0.0.1:$metrics_port" --event_log_dir="$data/events" \
  --experiment=demo --variants='control:50;discovery:50:popularity=0.05' \
  >"$data/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if "$bin/recsys-cli" --target="$target" --deadline_ms=500 health >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited; its log:" >&2
    cat "$data/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
cli=("$bin/recsys-cli" "--target=$target")
"${cli[@]}" health

section "Model info"
"${cli[@]}" model-info

section "Recommend (Discover Weekly) for user u000001"
"${cli[@]}" recommend --user=u000001 --count=10
# Seeds for the next calls: a track and an artist from that answer.
json="$("${cli[@]}" --json recommend --user=u000001 --count=1)"
track="$(grep -o '"track_id":"[^"]*"' <<<"$json" | head -1 | cut -d'"' -f4)"
artist="$(grep -o '"artist_id":"[^"]*"' <<<"$json" | head -1 | cut -d'"' -f4)"

section "Discover Weekly for user u000001 (unheard, new artists, stable all week)"
"${cli[@]}" recommend --user=u000001 --surface=discover_weekly --count=8

section "Daily mixes for user u000001"
"${cli[@]}" recommend --user=u000001 --surface=daily_mix --num_mixes=2 --count=5

section "Recommend for a new listener in Sweden (cold start)"
"${cli[@]}" recommend --user=someone-new --country=SE --count=5

section "A new listener who likes $artist"
"${cli[@]}" recommend --user=someone-new --country=SE --liked_artists="$artist" --count=5

section "Podcasts released after 2015, no explicit content"
"${cli[@]}" recommend --user=u000001 --kind=podcast --released_after=2015 --no_explicit --count=5

section "Radio seeded by track $track, two pages"
radio_out="$("${cli[@]}" radio --seed_track="$track" --count=6)"
echo "$radio_out"
token="$(grep -o -- '--page_token=[^ ]*' <<<"$radio_out" | head -1 | cut -d= -f2-)"
skipped="$(grep -o 'tr[0-9]\{6\}' <<<"$radio_out" | sed -n 2p)"
echo "... the listener skipped $skipped; next page:"
"${cli[@]}" radio --page_token="$token" --skipped="$skipped" --count=6

section "Radio seeded by the genre 'jazz'"
"${cli[@]}" radio --seed_genre=jazz --count=5

section "Related artists of $artist"
"${cli[@]}" related-artists --artist="$artist" --count=8

section "Now playing $track for user u000001"
"${cli[@]}" now-playing --track="$track" --user=u000001 --count=5

section "Feedback from the app (logged for the next training run)"
"${cli[@]}" feedback --user=u000001 --track="$track" --event=play --surface=discover_weekly --variant=control

section "Bad input is refused with a clear error"
"${cli[@]}" recommend --user=u000001 --count=100000 || true

section "Prometheus metrics (http://127.0.0.1:$metrics_port/metrics, excerpt)"
curl -s "http://127.0.0.1:$metrics_port/metrics" |
  grep -E '^recsys_(rpc_requests_total|feedback_events_total|model_info|model_loaded)' || true

section "Stop the server"
kill -TERM "$server_pid"
wait "$server_pid" || true
trap - EXIT
echo "server stopped; its log is $data/server.log"
