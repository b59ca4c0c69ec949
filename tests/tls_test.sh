#!/usr/bin/env bash
# TLS and mutual TLS of recsys-server's gRPC port, as an operator sets them
# up: a CA, a server certificate for 127.0.0.1/localhost and a client
# certificate made with openssl; recsys-cli talks TLS with --tls_ca, a
# plaintext client is refused; with --tls_client_ca only a client with a
# certificate gets in; plaintext on a non-loopback address needs
# --allow_insecure. Usage: tls_test.sh BIN_DIR
set -eu

bin="$1"
work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/server.log" ] && cat "$work/server.log" >&2
  [ -f "$work/err" ] && cat "$work/err" >&2
  exit 1
}

# --- Certificates: CA -> server (SAN 127.0.0.1, localhost) and client.
pki="$work/pki"
mkdir -p "$pki"
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=recsys test CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
  >"$pki/server.ext"
ossl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$pki/server.key" -out "$pki/server.csr"
ossl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
  -CAcreateserial -days 2 -extfile "$pki/server.ext" -out "$pki/server.pem"
printf 'extendedKeyUsage=clientAuth\n' >"$pki/client.ext"
ossl req -newkey rsa:2048 -nodes -subj "/CN=recsys test client" \
  -keyout "$pki/client.key" -out "$pki/client.csr"
ossl x509 -req -in "$pki/client.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
  -CAcreateserial -days 2 -extfile "$pki/client.ext" -out "$pki/client.pem"
# A second CA whose client certificate the server must not accept.
ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
  -keyout "$pki/other-ca.key" -out "$pki/other-ca.pem"
ossl req -newkey rsa:2048 -nodes -subj "/CN=stranger" \
  -keyout "$pki/stranger.key" -out "$pki/stranger.csr"
ossl x509 -req -in "$pki/stranger.csr" -CA "$pki/other-ca.pem" \
  -CAkey "$pki/other-ca.key" -CAcreateserial -days 2 -extfile "$pki/client.ext" \
  -out "$pki/stranger.pem"

"$bin/recsys-train" train --model_dir="$work/models" --demo_users=300 \
  --demo_tracks=800 --factors=8 --iterations=4 --log_level=warning >/dev/null ||
  fail "train"

# start_server ARGS...: starts recsys-server in the background and sets
# grpc_port from its server_started line; fails when it exits first.
start_server() {
  : >"$work/server.log"
  "$bin/recsys-server" --model_dir="$work/models" --metrics_listen=127.0.0.1:0 \
    --reload_interval_seconds=0 "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 400); do
    grep -q "event=server_started" "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || fail "server exited: $*"
    sleep 0.05
  done
  grpc_port="$(grep -o 'grpc_port=[0-9]*' "$work/server.log" | cut -d= -f2)"
  [ -n "$grpc_port" ] || fail "no grpc port in the log"
}

# expect_cli_fails ARGS...: recsys-cli must exit 1 (the RPC failed).
expect_cli_fails() {
  set +e
  "$bin/recsys-cli" --deadline_ms=3000 "$@" health >"$work/out" 2>"$work/err"
  local rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "expected exit 1 from recsys-cli $*, got $rc"
}

tls=(--tls_cert="$pki/server.pem" --tls_key="$pki/server.key")

# --- TLS: verified against the CA, by IP and by an overridden name.
start_server --listen=127.0.0.1:0 "${tls[@]}"
grep -q "transport=tls" "$work/server.log" || fail "transport not logged"
target="--target=127.0.0.1:$grpc_port"
"$bin/recsys-cli" "$target" --tls_ca="$pki/ca.pem" health | grep -q SERVING ||
  fail "TLS health"
"$bin/recsys-cli" "$target" --tls_ca="$pki/ca.pem" --tls_server_name=localhost \
  model-info | grep -q v000001 || fail "TLS model-info with --tls_server_name"
"$bin/recsys-cli" "--target=localhost:$grpc_port" --tls_ca="$pki/ca.pem" \
  health | grep -q SERVING || fail "TLS health via localhost"
expect_cli_fails "$target"                             # plaintext client
expect_cli_fails "$target" --tls_ca="$pki/other-ca.pem" # untrusted server
expect_cli_fails "$target" --tls_ca="$pki/ca.pem" --tls_server_name=elsewhere
stop_server

# --- Mutual TLS: only clients with a certificate from the client CA.
start_server --listen=127.0.0.1:0 "${tls[@]}" --tls_client_ca="$pki/ca.pem"
grep -q "transport=mtls" "$work/server.log" || fail "mtls not logged"
target="--target=127.0.0.1:$grpc_port"
expect_cli_fails "$target" --tls_ca="$pki/ca.pem"      # no client certificate
expect_cli_fails "$target" --tls_ca="$pki/ca.pem" \
  --tls_cert="$pki/stranger.pem" --tls_key="$pki/stranger.key"
expect_cli_fails "$target"                             # plaintext
"$bin/recsys-cli" "$target" --tls_ca="$pki/ca.pem" --tls_cert="$pki/client.pem" \
  --tls_key="$pki/client.key" health | grep -q SERVING || fail "mTLS health"
"$bin/recsys-cli" "$target" --tls_ca="$pki/ca.pem" --tls_cert="$pki/client.pem" \
  --tls_key="$pki/client.key" recommend --user=u000001 --count=3 |
  grep -q "tr0" || fail "mTLS recommend"
stop_server

# --- Plaintext on a non-loopback address: refused with a clear message...
set +e
"$bin/recsys-server" --model_dir="$work/models" --listen=0.0.0.0:0 \
  --metrics_listen=127.0.0.1:0 >"$work/server.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "plaintext on 0.0.0.0 started"
grep -q "INVALID_ARGUMENT" "$work/server.log" || fail "no INVALID_ARGUMENT"
grep -q "not a loopback address" "$work/server.log" || fail "unclear message"
grep -q -- "--allow_insecure" "$work/server.log" || fail "message without a fix"
# ... and so is half a TLS configuration, anywhere.
set +e
"$bin/recsys-server" --model_dir="$work/models" --listen=127.0.0.1:0 \
  --metrics_listen=127.0.0.1:0 --tls_cert="$pki/server.pem" >"$work/server.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "private key" "$work/server.log" ||
  fail "--tls_cert without --tls_key accepted"

# ... allowed with --allow_insecure, and TLS needs no such flag.
start_server --listen=0.0.0.0:0 --allow_insecure
grep -q "event=insecure_listen" "$work/server.log" || fail "no insecure warning"
"$bin/recsys-cli" "--target=127.0.0.1:$grpc_port" health | grep -q SERVING ||
  fail "health with --allow_insecure"
stop_server
start_server --listen=0.0.0.0:0 "${tls[@]}"
"$bin/recsys-cli" "--target=127.0.0.1:$grpc_port" --tls_ca="$pki/ca.pem" health |
  grep -q SERVING || fail "TLS on 0.0.0.0"
stop_server

# The CLI refuses inconsistent TLS flags as a usage error.
set +e
"$bin/recsys-cli" --tls_cert="$pki/client.pem" --tls_key="$pki/client.key" \
  health 2>/dev/null
[ $? -eq 2 ] || fail "cli --tls_cert without --tls_ca"
"$bin/recsys-cli" --tls_ca="$work/missing.pem" health 2>/dev/null
[ $? -eq 2 ] || fail "cli with an unreadable --tls_ca"
set -e
echo "tls_test: ok"
