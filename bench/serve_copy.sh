# shellcheck shell=bash
# Sourced by bench/disturbance.sh and bench/swap_trace.sh (not run on its
# own): recsys-server on a copy of a demo model, and the load generator's
# command line for it.
#
# serve_copy MODEL_DIR WORK_DIR QPS [SERVER_FLAG...] copies MODEL_DIR's
# current version into WORK_DIR/store twice (as itself and as v999999, so
# that the server can be swapped between them), starts the server there
# (RECSYS_SERVER names another binary; the store is polled every second),
# waits for its swap memory reserve, sends 5 s of warm-up load, and sets:
#   version, second  the two versions' names
#   server_pid       the server's pid (the caller kills it)
#   loadgen          recsys-loadgen's command for Recommend at QPS, 64 in
#                    flight; the caller adds --duration_s
# swap_to VERSION makes VERSION current and waits until the server says it
# serves it (30 s at most).
# Needs: bin (the build's bin/ directory).

# shellcheck source=bench/await_line.sh
source "$(dirname "${BASH_SOURCE[0]}")/await_line.sh"

serve_copy() {
  local model="$1" work="$2" qps="$3"
  shift 3
  version="$(tr -d '[:space:]' <"$model/CURRENT")"
  second=v999999
  mkdir -p "$work/store/versions"
  cp -a "$model/versions/$version" "$work/store/versions/$version"
  cp -a "$model/versions/$version" "$work/store/versions/$second"
  cp "$model/CURRENT" "$work/store/"
  serve_log="$work/server.log"
  "${RECSYS_SERVER:-$bin/recsys-server}" --model_dir="$work/store" --listen=127.0.0.1:0 \
    --metrics_listen=127.0.0.1:0 --reload_interval_seconds=1 "$@" >"$serve_log" 2>&1 &
  server_pid=$!
  until grep -q event=server_started "$serve_log"; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$serve_log" >&2; exit 1; }
    sleep 0.05
  done
  local port info
  # A server that keeps freed memory reserves a second version's in the
  # background after start: awaited, so that no measurement sees it.
  await_reserve "$serve_log" 300 >/dev/null ||
    { echo "serve_copy: the server reserved no swap memory within 300 s" >&2; exit 1; }
  port="$(grep -o 'grpc_port=[0-9]*' "$serve_log" | cut -d= -f2)"
  info="$("$bin/recsys-cli" --target="127.0.0.1:$port" --json model-info)"
  count() { python3 -c 'import json, sys; print(int(json.loads(sys.argv[1])[sys.argv[2]]))' "$info" "$1"; }
  loadgen=("$bin/recsys-loadgen" --target="127.0.0.1:$port" --users="$(count num_users)"
    --tracks="$(count num_tracks)" --artists="$(count num_artists)" --deadline_ms=1000 --json
    --mix=recommend:1 --qps="$qps" --concurrency=64)
  "${loadgen[@]}" --duration_s=5 >/dev/null  # warm-up
}

swap_to() {
  local offset
  offset="$(file_size "$serve_log")"
  chrt --idle 0 "$bin/recsys-train" rollback --model_dir="$(dirname "$serve_log")/store" \
    --version="$1" >/dev/null
  await_line "$serve_log" "$offset" "event=model_loaded version=$1 " 30 >/dev/null && return 0
  echo "serve_copy: the server did not swap to $1 within 30 s" >&2
  return 1
}
