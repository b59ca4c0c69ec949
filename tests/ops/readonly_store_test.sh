#!/usr/bin/env bash
# The deployments mount the model store read-only in every server and let one
# trainer write it (deploy/k8s, deploy/compose.yaml, deploy/systemd). This
# runs that arrangement for real: recsys-server in a private mount namespace
# where the store is a read-only bind mount, recsys-train publishing and
# rolling back from outside. It checks that
#  - a store without versions/ cannot be opened read-only (why the
#    deployments create versions/ before the servers start),
#  - with versions/ the server starts NOT_SERVING (--allow_empty_store), and
#    serves the first published version, then a newer one, then a rollback.
# Needs root and unshare(1) for the bind mount: skips (exit 77) without them.
# Usage: readonly_store_test.sh BIN_DIR
set -eu

bin="$1"
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
  echo "SKIP: needs root and mount namespaces (unshare -m)"
  exit 77
fi
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/server.log" ] && cat "$work/server.log" >&2; exit 1; }

# serve_ro DIR: recsys-server on DIR bind-mounted read-only, in the background.
serve_ro() {
  unshare -m --propagation private sh -c '
    mount --bind -o ro "$1" "$1" && exec "$2/recsys-server" --model_dir="$1" \
      --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 --allow_empty_store \
      --reload_interval_seconds=1' sh "$1" "$bin" >"$work/server.log" 2>&1 &
  server_pid=$!
}
small=(--demo_users=300 --demo_tracks=800 --factors=8 --iterations=4 --log_level=warning)

# 1. An empty directory: the server cannot create versions/ and refuses to start.
mkdir "$work/bare"
serve_ro "$work/bare"
for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$server_pid" 2>/dev/null; then fail "server started on a read-only store without versions/"; fi
grep -q "Read-only file system" "$work/server.log" || fail "no read-only error in the log"
server_pid=""
echo "readonly_store_test: a read-only store without versions/ is refused (as expected)"

# 2. versions/ created by a writer first (init-store, ExecStartPre): starts NOT_SERVING.
mkdir -p "$work/m/versions"
serve_ro "$work/m"
for _ in $(seq 1 200); do
  grep -q "event=server_started" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || fail "server exited"
  sleep 0.05
done
grpc_port="$(grep -o 'grpc_port=[0-9]*' "$work/server.log" | cut -d= -f2)"
[ -n "$grpc_port" ] || fail "no grpc port in the log"
cli=("$bin/recsys-cli" "--target=127.0.0.1:$grpc_port")
if "${cli[@]}" health >/dev/null 2>&1; then fail "SERVING without a model"; fi
echo "readonly_store_test: empty read-only store: NOT_SERVING"

wait_version() {
  for _ in $(seq 1 100); do
    "${cli[@]}" model-info 2>/dev/null | grep -q "$1" && return 0
    sleep 0.1
  done
  fail "the server does not serve $1"
}
"$bin/recsys-train" train --model_dir="$work/m" "${small[@]}" >/dev/null || fail "train v1"
wait_version v000001
"${cli[@]}" health | grep -q SERVING || fail "health after the first model"
"${cli[@]}" recommend --user=u000001 --count=3 | grep -q "tr0" || fail "recommend"
echo "readonly_store_test: first publication picked up: SERVING v000001"
# --force: another seed moves this small model's validation NDCG@10 by more
# than the quality gate's margin, and this test is about the reload.
"$bin/recsys-train" train --model_dir="$work/m" "${small[@]}" --seed=7 --force >/dev/null ||
  fail "train v2"
wait_version v000002
echo "readonly_store_test: new version picked up: v000002"
"$bin/recsys-train" rollback --model_dir="$work/m" --version=v000001 >/dev/null || fail "rollback"
wait_version v000001
echo "readonly_store_test: rollback picked up: v000001"
kill -0 "$server_pid" 2>/dev/null || fail "server died"
echo "readonly_store_test: passed"
