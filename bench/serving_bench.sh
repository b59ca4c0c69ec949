#!/usr/bin/env bash
# End-to-end serving benchmark (issue #5, docs/BENCHMARKS.md): the shipped
# recsys-server on loopback, driven by recsys-loadgen. Run with --help.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/serving_bench.sh [--flag=value ...]

Benchmarks recsys-server end to end on one demo-world model: start-up, the
cost of an RPC (health = the empty RPC) against Recommend, latency at a fixed
rate, and hot swaps of new model versions under load. Prints a markdown table;
--out also writes the numbers as JSON.

Phases (--phases, comma separated, in this order; default all):
  startup  the model's files are evicted from the page cache; time to read
           them sequentially (cat), then time from launching recsys-server to
           health SERVING with a cold cache, and again with a warm cache
           (all files read once first, as they are before every later phase)
  closed   closed loop, --concurrency calls in flight: max QPS of `health`
           alone, then of `recommend` alone, alternated --rounds times
           (--duration_s / --rounds each); the median of the rounds' ratios;
           and the CPU time per call of the server and of the load generator
           for each RPC (all rounds), which share the machine's CPUs
  fixed    fixed rate at half the closed-loop recommend QPS (or --fixed_qps)
           for --duration_s: recommend p50/p99/p99.9 (the steady p99)
  reload   the same fixed-rate load while --reload_versions new versions are
           published one after another with recsys-train into the served store
           (the server polls it every --reload_interval_s; each is awaited),
           with quiet spells between them: failed RPCs, and p99 of the calls
           scheduled during the swaps (from the moment a version is current
           to 1 s after the server serves it) against the calls of the same
           load between the publications (and against the steady p99); the
           publications themselves (copy, validation) are cut out and
           reported apart. The
           publications (idle scheduling class) share this machine with the
           server, so first the same ones run under the same load into a
           store nobody serves (the control): its p99 during publications is
           their part without any swap
The server always starts (warm) even without `startup`; `fixed` and `reload`
need `closed` or --fixed_qps.

Model (one of):
  --users=N --tracks=N --factors=N   demo world to generate and train
                       (default 100000 x 100000 x 64). Built once and kept in
                       --cache_dir/demo-u<users>-t<tracks>-f<factors>-e<events>-i<iterations>/
                       (reused by every later run with the same sizes)
  --model_dir=DIR      an existing store holding a demo-world model (ids
                       u000000.., tr000000..; sizes read from GetModelInfo).
                       Never written: `reload` publishes into a copy.
  --events=N           demo: mean distinct tracks per user (default 40)
  --iterations=N       ALS iterations of generated models (default 5; serving
                       cost does not depend on it)
  --train_threads=N    recsys-train --threads (default 1)
  --cache_dir=DIR      default <repo>/build/bench-models

Load:
  --duration_s=S       length of each closed-loop and fixed-rate phase (default 30)
  --rounds=N           closed loop: health / recommend pairs in the phase (default 3;
                       the host's speed drifts, so the ratio is the median pair's)
  --warmup_s=S         recommend calls before measuring, discarded (default 3)
  --concurrency=N      closed loop: calls in flight (default 16)
  --fixed_qps=R        fixed rate; 0 = half the closed-loop recommend QPS (default 0)
  --max_in_flight=N    fixed rate: cap on calls in flight; a scheduled call
                       that finds it reached is not sent and is reported
                       (default 64, the server's default --max_concurrent_rpcs)
  --deadline_ms=MS     deadline of every call (default 1000)
  --reload_versions=N  versions published in `reload` (default 5)
  --reload_source=S    prebuilt (default): the versions are trained before
                       the load, and each publication under load is what a
                       deployment sees when the trainer runs elsewhere: the
                       version's directory copied into the store, then
                       `recsys-train rollback` makes it current. train: each
                       publication runs recsys-train on this machine, under
                       the load (the trainer then competes for the CPU)
  --reload_interval_s=S  the server's --reload_interval_seconds (default 1)
  --start_timeout_s=S  give up on a server start after this (default 900)
  --evict=MODE         how the model leaves the page cache: auto (fadvise,
                       then drop_caches if pages stayed), fadvise,
                       drop_caches (system-wide; needs root) or none (default auto)

Other:
  --bin_dir=DIR        the binaries (default <repo>/build/bin)
  --server_flag=FLAG   pass FLAG to every recsys-server started (repeatable;
                       e.g. --server_flag=--retain_freed_memory=false)
  --phases=LIST        default startup,closed,fixed,reload
  --out=FILE           write the JSON report here
  --work_dir=DIR       scratch space, kept (default: a new temporary
                       directory, removed at the end)
  --keep_work          keep the scratch space (server log, loadgen reports)
  -h, --help           this text

Example, a smoke run in well under a minute:
  bench/serving_bench.sh --users=2000 --tracks=5000 --duration_s=3 --warmup_s=1 --out=/tmp/serving.json

All processes run on this machine: the load generator, and in `reload` the
publications (in the idle scheduling class), share the CPU with the server.
Numbers are for comparing runs on one machine, not capacity planning.
EOF
}

die() { echo "serving_bench: $*" >&2; exit 2; }
log() { echo "serving_bench: $*" >&2; }

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$script_dir/.." && pwd)"
# shellcheck source=bench/await_line.sh
source "$script_dir/await_line.sh"

bin_dir="$repo/build/bin"
cache_dir="$repo/build/bench-models"
model_dir=""
users=100000 tracks=100000 factors=64 events=40 iterations=5 train_threads=1
duration_s=30 warmup_s=3 concurrency=16 fixed_qps=0 max_in_flight=64 rounds=3
deadline_ms=1000 reload_versions=5 reload_interval_s=1 start_timeout_s=900
evict=auto phases="startup,closed,fixed,reload" out="" work_dir="" keep_work=0
reload_source=prebuilt
server_flags=()

for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --keep_work) keep_work=1 ;;
    --*=*)
      name="${arg%%=*}"; name="${name#--}"; value="${arg#*=}"
      case "$name" in
        bin_dir | cache_dir | model_dir | out | work_dir | phases | evict)
          printf -v "$name" '%s' "$value" ;;
        server_flag)
          [[ "$value" == --* ]] || die "--server_flag takes a flag, e.g. --server_flag=--user_cache_mb=64"
          server_flags+=("$value") ;;
        reload_source)
          [[ "$value" =~ ^(prebuilt|train)$ ]] || die "--reload_source must be prebuilt or train"
          reload_source="$value" ;;
        users | tracks | factors | events | iterations | train_threads | \
          duration_s | warmup_s | concurrency | max_in_flight | deadline_ms | \
          reload_versions | reload_interval_s | start_timeout_s | rounds)
          [[ "$value" =~ ^[0-9]+$ ]] || die "--$name must be a whole number, not \"$value\""
          printf -v "$name" '%s' "$value" ;;
        fixed_qps)
          [[ "$value" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--fixed_qps must be a number"
          fixed_qps="$(awk -v q="$value" 'BEGIN { print (q + 0 == 0) ? 0 : q }')" ;;
        *) die "unknown flag --$name (see --help)" ;;
      esac ;;
    *) die "unexpected argument \"$arg\" (flags are --name=value; see --help)" ;;
  esac
done

want() { [[ ",$phases," == *",$1,"* ]]; }
for p in ${phases//,/ }; do
  case "$p" in startup | closed | fixed | reload) ;; *) die "unknown phase \"$p\"" ;; esac
done
case "$evict" in auto | fadvise | drop_caches | none) ;; *) die "--evict must be auto, fadvise, drop_caches or none" ;; esac
[ "$users" -ge 1 ] && [ "$tracks" -ge 8 ] && [ "$factors" -ge 1 ] || die "--users >= 1, --tracks >= 8, --factors >= 1"
[ "$duration_s" -ge 1 ] || die "--duration_s must be at least 1"
[ "$rounds" -ge 1 ] || die "--rounds must be at least 1"
[ "$reload_interval_s" -ge 1 ] || die "--reload_interval_s must be at least 1"
if { want fixed || want reload; } && ! want closed && [ "$fixed_qps" = 0 ]; then
  die "phases fixed and reload need closed (for the rate) or --fixed_qps"
fi
for b in recsys-server recsys-train recsys-loadgen recsys-cli; do
  [ -x "$bin_dir/$b" ] || die "$bin_dir/$b not found (build it, or pass --bin_dir)"
done
command -v python3 >/dev/null || die "python3 is needed (JSON and the report)"

# --- scratch space and cleanup ------------------------------------------------
if [ -z "$work_dir" ]; then
  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/serving-bench.XXXXXX")"
else
  mkdir -p "$work_dir"
  keep_work=1  # not ours to delete
fi
work_dir="$(cd "$work_dir" && pwd)"
server_pid="" loadgen_pid=""
cleanup() {
  local status=$?
  for pid in $loadgen_pid $server_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $loadgen_pid $server_pid; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ] && [ -f "$work_dir/server.log" ]; then
    echo "--- last lines of the server log ---" >&2
    tail -n 20 "$work_dir/server.log" >&2 || true
  fi
  if [ "$keep_work" = 1 ]; then
    log "scratch space kept in $work_dir"
  else
    rm -rf "$work_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

facts="$work_dir/facts.tsv"
: >"$facts"
# fact KEY VALUE: one number or string of the report (dotted key = nesting);
# a value "@FILE" embeds that JSON file.
fact() { printf '%s\t%s\n' "$1" "$2" >>"$facts"; }
now() { echo "$EPOCHREALTIME"; }
# calc EXPR: floating-point arithmetic, 6 decimals.
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# settle: before a measured load, writes the page cache holds back (models
# just trained or copied, scratch space just removed) go to disk, so that the
# kernel's writeback threads do not compete with the server in the
# measurement (without it, the load right after training five versions had
# twice the steady p50 on 2 CPUs).
settle() { sync; sleep 1; }
# json_get FILE KEY...: a value from a JSON file (nested keys).
json_get() {
  python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[k]
print(v)' "$@"
}

fact host.nproc "$(nproc)"
fact host.loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
fact commit "$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
fact server_flags "${server_flags[*]}"
fact started_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# --- the model ----------------------------------------------------------------
# train_demo DIR SEED [extra flags]: publishes one demo-world version into DIR
# with ${train_cmd[@]}.
train_cmd=("$bin_dir/recsys-train")
train_demo() {
  local dir="$1" seed="$2"
  shift 2
  "${train_cmd[@]}" train --model_dir="$dir" --source=demo \
    --demo_users="$users" --demo_tracks="$tracks" --demo_events="$events" \
    --factors="$factors" --iterations="$iterations" --holdout=0 \
    --threads="$train_threads" --seed="$seed" --log_level=warning "$@"
}

if [ -n "$model_dir" ]; then
  [ -f "$model_dir/CURRENT" ] || die "--model_dir=$model_dir has no CURRENT (not a model store?)"
  source_dir="$(cd "$model_dir" && pwd)"
  fact model.source given
else
  key="demo-u${users}-t${tracks}-f${factors}-e${events}-i${iterations}"
  source_dir="$cache_dir/$key"
  if [ -f "$source_dir/CURRENT" ]; then
    log "reusing the cached model $source_dir"
    fact model.source cache
  else
    mkdir -p "$cache_dir"
    # Leftovers of runs that died while generating.
    for old in "$cache_dir/.tmp-$key-"*; do
      if [ -d "$old" ] && ! kill -0 "${old##*-}" 2>/dev/null; then rm -rf "$old"; fi
    done
    tmp="$cache_dir/.tmp-$key-$$"
    log "generating and training a demo model ($users users x $tracks tracks x $factors factors) into $source_dir"
    t0="$(now)"
    train_demo "$tmp" 42 >"$work_dir/generate.log" 2>&1 ||
      { cat "$work_dir/generate.log" >&2; rm -rf "$tmp"; die "training the demo model failed"; }
    fact model.generate_s "$(calc "$(now) - $t0")"
    # Another run may have built the same model meanwhile: keep the first.
    mv -T "$tmp" "$source_dir" 2>/dev/null || rm -rf "$tmp"
    fact model.source generated
  fi
fi
fact model.dir "$source_dir"

# `reload` publishes new versions: serve a copy of the current version so
# that neither the cache nor a given store is ever written.
if want reload; then
  serve_dir="$work_dir/models"
  current="$(tr -d '[:space:]' <"$source_dir/CURRENT")"
  mkdir -p "$serve_dir/versions"
  cp -a "$source_dir/versions/$current" "$serve_dir/versions/"
  cp -a "$source_dir/CURRENT" "$serve_dir/"
else
  serve_dir="$source_dir"
fi
current="$(tr -d '[:space:]' <"$serve_dir/CURRENT")"
mapfile -t model_files < <(
  { echo "$serve_dir/CURRENT"; find "$serve_dir/versions/$current" -type f; } | LC_ALL=C sort)
model_bytes="$(du -cb "${model_files[@]}" | tail -n 1 | cut -f1)"
fact model.version "$current"
fact model.bytes "$model_bytes"
fact model.files "${#model_files[@]}"

# --- page cache -----------------------------------------------------------------
# resident_bytes FILE...: bytes of the files in the page cache (fincore), or
# "unknown".
resident_bytes() {
  if command -v fincore >/dev/null; then
    fincore --bytes --noheadings --output RES "$@" | awk '{ s += $1 } END { print s + 0 }'
  else
    echo unknown
  fi
}
# evict_model: drops the model's files from the page cache; sets
# evict_method to how (fadvise, drop_caches or none).
evict_model() {
  evict_method=none
  if [ "$evict" = auto ] || [ "$evict" = fadvise ]; then
    # Per file, so nothing else on the machine loses its cache. Written-back
    # (fsync) first: dirty pages cannot be dropped.
    python3 - "${model_files[@]}" <<'EOF'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
EOF
    evict_method=fadvise
  fi
  local left
  left="$(resident_bytes "${model_files[@]}")"
  if [ "$evict" = drop_caches ] ||
    { [ "$evict" = auto ] && [ "$left" != unknown ] && [ "$left" -gt $((model_bytes / 10)) ]; }; then
    # System-wide: every process on the machine loses its page cache.
    sync
    if echo 1 2>/dev/null >/proc/sys/vm/drop_caches; then
      evict_method=drop_caches
    else
      log "cannot write /proc/sys/vm/drop_caches (not root?): the cache stays warm"
      evict_method=none
    fi
    left="$(resident_bytes "${model_files[@]}")"
  fi
  evict_left="$left"
}

# --- the server -------------------------------------------------------------------
# rss_mib PID FIELD: VmRSS (now) or VmHWM (peak) of a process, in MiB.
rss_mib() { awk -v f="$2:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# cpu_s PID: the process's user plus system CPU time so far, in seconds.
clk_tck="$(getconf CLK_TCK)"
cpu_s() { awk -v hz="$clk_tck" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

# start_server LABEL: launches recsys-server on free loopback ports and waits
# until it is SERVING. Sets server_pid, grpc_port, start_s (launch -> the
# server announced itself; health is SERVING from then on), health_s (launch
# -> a recsys-cli health check answered SERVING; adds the client's own start)
# server_load_s (the model load the server timed itself) and serving_rss_mib.
# A server that keeps freed memory then reserves a second version's in the
# background (event=swap_memory_reserved): awaited, so that no phase measures
# it; sets reserve_s (launch -> reserved) and reserved_rss_mib, else empty.
start_server() {
  local label="$1" t0 deadline line
  local logf="$work_dir/server-$label.log"
  : >"$logf"  # polled below, maybe before the server has opened it
  t0="$(now)"
  "$bin_dir/recsys-server" --model_dir="$serve_dir" --listen=127.0.0.1:0 \
    --metrics_listen=127.0.0.1:0 --reload_interval_seconds="$reload_interval_s" \
    "${server_flags[@]}" >"$logf" 2>&1 &
  server_pid=$!
  ln -sf "$logf" "$work_dir/server.log"
  deadline=$((EPOCHSECONDS + start_timeout_s))
  until grep -q "event=server_started" "$logf"; do
    kill -0 "$server_pid" 2>/dev/null || { server_pid=""; cat "$logf" >&2; die "recsys-server exited during start-up"; }
    [ "$EPOCHSECONDS" -lt "$deadline" ] || die "recsys-server not started after $start_timeout_s s"
    sleep 0.005
  done
  start_s="$(calc "$(now) - $t0")"
  line="$(grep -m1 "event=server_started" "$logf")"
  grpc_port="$(grep -o 'grpc_port=[0-9]*' <<<"$line" | cut -d= -f2)"
  [ "$("$bin_dir/recsys-cli" --target="127.0.0.1:$grpc_port" health)" = SERVING ] ||
    die "the server announced itself but health is not SERVING"
  health_s="$(calc "$(now) - $t0")"
  server_load_s="$(grep -m1 "event=model_loaded" "$logf" | grep -o 'seconds=[0-9.]*' | cut -d= -f2)"
  serving_rss_mib="$(rss_mib "$server_pid" VmRSS)"
  reserve_s="" reserved_rss_mib=""
  line="$(await_reserve "$logf" "$start_timeout_s")" ||
    die "recsys-server did not reserve its swap memory within $start_timeout_s s"
  if [ -n "$line" ]; then
    [[ "$line" != *error=* ]] || log "the server could not reserve its swap memory: $line"
    reserve_s="$(calc "$(now) - $t0")"
    reserved_rss_mib="$(rss_mib "$server_pid" VmRSS)"
  fi
}

stop_server() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [ "$status" -eq 0 ] || die "recsys-server exited with status $status on SIGTERM"
}

if want startup; then
  evict_model
  fact startup.evict_method "$evict_method"
  fact startup.resident_after_evict_bytes "$evict_left"
  t0="$(now)"
  cat "${model_files[@]}" >/dev/null
  cold_read_s="$(calc "$(now) - $t0")"
  fact startup.cold_read_s "$cold_read_s"
  fact startup.cold_read_mb_per_s "$(calc "$model_bytes / 1e6 / ($cold_read_s > 0 ? $cold_read_s : 1e-6)")"

  evict_model
  start_server cold
  fact startup.cold_start_s "$start_s"
  fact startup.cold_health_s "$health_s"
  fact startup.cold_server_load_s "$server_load_s"
  fact startup.cold_start_over_cold_read "$(calc "$start_s / ($cold_read_s > 0 ? $cold_read_s : 1e-6)")"
  log "cold: read $cold_read_s s ($evict_method), start-up $start_s s"
  stop_server
fi

# Everything from here on measures a machine that has been serving: the
# whole model in the page cache. A start-up reads the track side only; the
# users' records (vectors, histories, candidate lists) are read per request,
# and left cold they would cost a disk read for most requests until each
# block has been read once (1M x 1M on 2026-12-05: 3,163 Recommend/s just
# after the cold start, 4,595 with the files cached; docs/BENCHMARKS.md).
cat "${model_files[@]}" >/dev/null

start_server warm
fact startup.warm_start_s "$start_s"
fact startup.server_rss_mib "$serving_rss_mib"
fact startup.warm_reserve_s "$reserve_s"
fact startup.server_rss_reserved_mib "$reserved_rss_mib"
fact startup.warm_health_s "$health_s"
fact startup.warm_server_load_s "$server_load_s"
log "server on 127.0.0.1:$grpc_port (warm start-up $start_s s)"

cli=("$bin_dir/recsys-cli" "--target=127.0.0.1:$grpc_port" --deadline_ms=5000)
"${cli[@]}" --json model-info >"$work_dir/model-info.json"
m_users="$(json_get "$work_dir/model-info.json" num_users)"
m_tracks="$(json_get "$work_dir/model-info.json" num_tracks)"
m_artists="$(json_get "$work_dir/model-info.json" num_artists)"
m_factors="$(json_get "$work_dir/model-info.json" cf_dimensions)"
fact model.users "$m_users"
fact model.tracks "$m_tracks"
fact model.artists "$m_artists"
fact model.factors "$m_factors"

# loadgen NAME [flags]: one recsys-loadgen run in the foreground; its JSON
# report goes to $work_dir/NAME.json.
loadgen_args=(--target="127.0.0.1:$grpc_port" --users="$m_users" --tracks="$m_tracks"
  --artists="$m_artists" --deadline_ms="$deadline_ms" --json)
loadgen() {
  local name="$1"
  shift
  "$bin_dir/recsys-loadgen" "${loadgen_args[@]}" "$@" >"$work_dir/$name.json"
}

fact params.concurrency "$concurrency"
fact params.duration_s "$duration_s"
fact params.warmup_s "$warmup_s"
fact params.rounds "$rounds"
fact params.deadline_ms "$deadline_ms"
fact params.max_in_flight "$max_in_flight"
fact params.reload_interval_s "$reload_interval_s"

if [ "$warmup_s" -gt 0 ]; then
  loadgen warmup --mix=recommend:1 --concurrency="$concurrency" --duration_s="$warmup_s"
fi

if want closed; then
  settle
  # Alternated, so that a drift of the host's speed (the health QPS moved
  # 2.2x between two runs minutes apart) reaches both sides of each ratio.
  round_s=$(( (duration_s + rounds - 1) / rounds ))
  for r in $(seq 1 "$rounds"); do
    log "closed loop, round $r of $rounds: health, then recommend, $concurrency in flight, $round_s s each"
    for rpc in health recommend; do
      server_cpu0="$(cpu_s "$server_pid")"
      loadgen "closed-$rpc-$r" --mix="$rpc:1" --concurrency="$concurrency" --duration_s="$round_s"
      fact "closed_loop.rounds.$r.$rpc" "@$work_dir/closed-$rpc-$r.json"
      fact "closed_loop.rounds.$r.server_cpu_s.$rpc" "$(calc "$(cpu_s "$server_pid") - $server_cpu0")"
    done
  done
  fact closed_loop.round_s "$round_s"
  # The fixed rate's half of the maximum: the median round's, as reported.
  recommend_qps="$(python3 "$script_dir/bench_report.py" closed-recommend-qps "$facts")"
fi

if [ "$fixed_qps" = 0 ] && want closed; then
  fixed_qps="$(calc "$recommend_qps / 2")"
fi
fixed_args=(--mix=recommend:1 --qps="$fixed_qps" --concurrency="$max_in_flight")

if want fixed; then
  settle
  log "fixed rate: recommend at $fixed_qps QPS, $duration_s s"
  loadgen fixed --duration_s="$duration_s" "${fixed_args[@]}"
  fact fixed_rate.target_qps "$fixed_qps"
  fact fixed_rate.report "@$work_dir/fixed.json"
  fact fixed_rate.server_peak_rss_mib "$(rss_mib "$server_pid" VmHWM)"
fi

if want reload; then
  [ "$(json_get "$work_dir/model-info.json" training source)" = demo ] ||
    die "reload publishes demo-world versions: the served model must be one"
  # The published versions must have the served model's sizes.
  users="$m_users" tracks="$m_tracks" factors="$m_factors"
  reload_train_flags=(--demo_artists="$m_artists" --force)
  # Everything a publication runs (the trainer, the copy, `rollback`'s
  # validation) runs in the idle scheduling class, as a batch job sharing a
  # server's machine should (on a real deployment it runs elsewhere): at
  # nice 19 alone it still takes the CPU from a waking request thread for
  # milliseconds. The swap itself is waited for in the server's log by one
  # idle-class process (bench/await_line.sh), not by starting a gRPC client
  # or a grep (a process start at full priority) every 50 ms; and under the
  # loads, this script itself runs in the idle class (loaded_publications).
  background=(chrt --idle 0)
  train_cmd=("${background[@]}" "$bin_dir/recsys-train")
  # publish DIR SEED: one new version into DIR; sets published, publish_s,
  # publish_start and current_at (when the version became current).
  # Into the served store it then waits until the server serves it (sets
  # visible_s: end of publication -> served); elsewhere it sleeps as long as
  # the calibration's swap took, to keep the same pace.
  publish() {
    local dir="$1" seed="$2" t0 t1 out last src offset line
    offset="$(file_size "$work_dir/server.log")"
    t0="$(now)"
    publish_start="$t0"
    if [ "$reload_source" = train ]; then
      out="$(train_demo "$dir" "$seed" "${reload_train_flags[@]}" 2>&1)" ||
        { echo "$out" >&2; die "publication failed"; }
      published="$(grep -o 'published v[0-9]*' <<<"$out" | cut -d' ' -f2)"
      [ -n "$published" ] || die "recsys-train said nothing about a publication: $out"
    else
      # The next prebuilt version, copied in under the store's next name.
      src="${prebuilt[$((prebuilt_next % ${#prebuilt[@]}))]}"
      prebuilt_next=$((prebuilt_next + 1))
      mkdir -p "$dir/versions"
      last="$(find "$dir/versions" -mindepth 1 -maxdepth 1 -name 'v[0-9]*' -printf '%f\n' | sort | tail -n 1)"
      local number=1
      [ -z "$last" ] || number=$((10#${last#v} + 1))
      published="$(printf 'v%06d' "$number")"
      # In the idle class like the trainer: the copy stands for a transfer
      # from elsewhere.
      "${background[@]}" cp -a "$src" "$dir/versions/.copy-$published"
      # Written back by this idle-class process rather than later by the
      # kernel's writeback threads, which run at full priority.
      "${background[@]}" sync -f "$dir/versions/.copy-$published"
      mv -T "$dir/versions/.copy-$published" "$dir/versions/$published"
      out="$("${background[@]}" "$bin_dir/recsys-train" rollback --model_dir="$dir" --version="$published" 2>&1)" ||
        { echo "$out" >&2; die "making $published current failed"; }
    fi
    t1="$(now)"
    current_at="$t1"
    publish_s="$(calc "$t1 - $t0")"
    if [ "$dir" != "$serve_dir" ]; then
      sleep "$pace_s"
      visible_s="" server_load=""
      return
    fi
    line="$(await_line "$work_dir/server.log" "$offset" \
      "event=model_loaded version=$published |event=model_refused.* version=$published( |\$)" \
      $((60 + reload_interval_s * 3 + start_timeout_s)))" ||
      die "the server did not swap to $published"
    [[ "$line" == *event=model_loaded* ]] || die "the server refused $published: $line"
    visible_s="$(calc "$(now) - $t1")"
    server_load="$(grep -o 'seconds=[0-9.]*' <<<"$line" | cut -d= -f2)"
  }
  if [ "$reload_source" = prebuilt ]; then
    log "reload: training $reload_versions versions beforehand (not under load)"
    prebuilt=() prebuilt_next=0
    for i in $(seq 1 "$reload_versions"); do
      train_demo "$work_dir/prebuilt" $((2000 + i)) "${reload_train_flags[@]}" \
        >"$work_dir/prebuilt-$i.log" 2>&1 || { cat "$work_dir/prebuilt-$i.log" >&2; die "training a version failed"; }
      prebuilt+=("$work_dir/prebuilt/versions/$(tr -d '[:space:]' <"$work_dir/prebuilt/CURRENT")")
    done
  fi
  fact reload.source "$reload_source"
  # A first publication, outside the measurements, times one: the control
  # keeps the pace of the swaps (it sleeps as long as a swap took).
  log "reload: calibration publication"
  publish "$serve_dir" 1000
  fact reload.calibration_publish_s "$publish_s"
  pace_s="$visible_s"
  # Each publication has two windows: its publication (the copy, or the
  # trainer, and `rollback`'s validation, up to the moment the version is
  # current: the publisher's work) and its swap (from then to settle_s after
  # the server serves it, the first calls on the new version included: the
  # server's work). Then the load runs quiet_s without any publication,
  # about as long as both, so that the same load has all three: p99 during
  # the swaps against p99 between the publications is the swaps' part (the
  # target's ratio), and p99 during the publications against the same is
  # the publisher's, measured in one run on the same machine at the same
  # moment. The load starts quiet_s before the first publication and
  # ends quiet_s after the last window (SIGINT); its --duration_s is only a
  # bound (ten times the calibration's pace).
  settle_s=1
  quiet_s="$(awk -v p="$publish_s" -v v="$visible_s" -v s="$settle_s" \
    'BEGIN { w = p + v + s; printf "%.3f", s + ((w > 2) ? w : 2) }')"
  load_s="$(awk -v n="$reload_versions" -v p="$publish_s" -v v="$visible_s" -v r="$reload_interval_s" -v q="$quiet_s" \
    'BEGIN { w = (v > r) ? v : r; d = q + 10 * n * (p + w + q); d = (d > 3600) ? 3600 : d; printf "%d", (d == int(d)) ? d : int(d) + 1 }')"
  fact reload.quiet_s "$quiet_s"

  # loaded_publications NAME DIR: the fixed-rate load (report NAME.json)
  # while --reload_versions versions are published into DIR; sets
  # publications (JSON list) and inside (whether the load outlasted them).
  loaded_publications() {
    local name="$1" dir="$2" status=0
    "$bin_dir/recsys-loadgen" "${loadgen_args[@]}" --duration_s="$load_s" "${fixed_args[@]}" \
      --calls_out="$work_dir/$name-calls.csv" >"$work_dir/$name.json" 2>"$work_dir/$name.err" &
    loadgen_pid=$!
    # The publications, the waits and this script's own commands run in a
    # subshell in the idle scheduling class, so that nothing of the
    # benchmark's takes the CPU from the server or the load generator.
    (
      chrt --idle -p 0 "$BASHPID" >/dev/null
      entries=()
      sleep "$quiet_s"
      for i in $(seq 1 "$reload_versions"); do
        publish "$dir" $((1000 + i))
        window_end="$(calc "$(now) + $settle_s")"
        if [ "$dir" = "$serve_dir" ]; then
          log "$name: $published published in $publish_s s, served $visible_s s later"
        else
          log "$name: $published published in $publish_s s (not served)"
        fi
        entries+=("{\"version\":\"$published\",\"publish_s\":$publish_s,\"visible_s\":${visible_s:-null},\"server_load_s\":${server_load:-null},\"publication\":[$publish_start,$current_at],\"swap\":[$current_at,$window_end]}")
        sleep "$quiet_s"
      done
      echo "[$(IFS=,; echo "${entries[*]}")]" >"$work_dir/$name-publications.json"
    ) || status=$?
    if [ "$status" -ne 0 ]; then
      kill -TERM "$loadgen_pid" 2>/dev/null || true
      exit "$status"
    fi
    # Still sending when the last version was in: the load covered them all.
    if kill -INT "$loadgen_pid" 2>/dev/null; then inside=true; else inside=false; fi
    [ "$inside" = true ] || log "WARNING: $name: the load ended before the last publication: its numbers miss some"
    wait "$loadgen_pid" || status=$?
    loadgen_pid=""
    [ "$status" -eq 0 ] || die "recsys-loadgen failed (status $status): $(cat "$work_dir/$name.err")"
    python3 "$script_dir/bench_report.py" call-windows "$work_dir/$name-calls.csv" \
      "$work_dir/$name-publications.json" >"$work_dir/$name-windows.json"
  }

  # Control: the same publications into a store nobody serves, so that the
  # publication's own cost (the trainer's CPU, or the copy) shows apart from
  # the swaps.
  settle
  log "reload control: recommend at $fixed_qps QPS while $reload_versions versions are published elsewhere"
  loaded_publications reload-control "$work_dir/control-models"
  fact reload.control.report "@$work_dir/reload-control.json"
  fact reload.control.publications "@$work_dir/reload-control-publications.json"
  fact reload.control.windows "@$work_dir/reload-control-windows.json"
  fact reload.control.inside_load "$inside"
  rm -rf "$work_dir/control-models"

  settle
  log "reload: recommend at $fixed_qps QPS while $reload_versions versions are published and swapped in"
  loaded_publications reload "$serve_dir"
  fact reload.versions_published "$reload_versions"
  fact reload.swaps "@$work_dir/reload-publications.json"
  fact reload.windows "@$work_dir/reload-windows.json"
  fact reload.swaps_inside_load "$inside"
  fact reload.target_qps "$fixed_qps"
  fact reload.load_s "$(json_get "$work_dir/reload.json" duration_s)"
  fact reload.report "@$work_dir/reload.json"
  fact reload.server_refusals "$(grep -c "event=model_refused" "$work_dir/server.log" || true)"
fi

stop_server
fact host.loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$script_dir/bench_report.py" serving "$facts" ${out:+--out="$out"}
