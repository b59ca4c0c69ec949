#!/usr/bin/env bash
# Installs everything the build and the tests need on Debian 12 (run as root).
# Idempotent: packages already present are not reinstalled, and prometheus-cpp is
# unpacked into third_party/prefix only once.
#
# prometheus-cpp is packaged only from Debian 13 on; its Debian 13 binary packages
# work on Debian 12 (see docs/ARCHITECTURE.md, "Dependencies"). They are fetched
# with a private apt configuration so the system's sources stay untouched, and
# unpacked with `dpkg -x` into a project-local prefix.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${RECSYS_DEPS_PREFIX:-$root/third_party/prefix}"

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libssl-dev
  libabsl-dev libeigen3-dev librocksdb-dev
  # recsys-server's allocator (server/allocator.h).
  libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Track index: hnswlib serves; FAISS is linked only by the index benchmark
  # (bench/), as a peer to measure against.
  libhnswlib-dev libfaiss-dev
  civetweb libcivetweb-dev libcurl4-openssl-dev zlib1g-dev
  curl openssl
  # Operations tests: a real Prometheus (and promtool), a Python gRPC client,
  # YAML checks of the deployment manifests, clang for fuzzing and sanitizers.
  prometheus python3 python3-grpcio python3-protobuf python3-yaml
  clang libclang-rt-14-dev
  # The exploration report's charts must render in a real browser
  # (tests/explore_chromium_test.sh, headless).
  chromium
  # The trainer benchmark regenerates ../shared/eval/synth with its script.
  python3-numpy python3-scipy time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$prefix/.complete" ]; then
  echo "install-deps: fetching prometheus-cpp 1.0 from Debian 13 into $prefix"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/etc"
  cat >"$work/etc/trixie.list" <<LIST
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
LIST
  apt_opts=(
    -o "Dir::Etc::sourcelist=$work/etc/trixie.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache::Archives=$work/archives"
    -o "APT::Get::List-Cleanup=0"
  )
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work" && apt-get "${apt_opts[@]}" download \
    prometheus-cpp-dev libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 \
    libprometheus-cpp-push1.0)
  rm -rf "$prefix"
  mkdir -p "$prefix"
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$prefix"; done
  touch "$prefix/.complete"
fi
echo "install-deps: ok (prometheus-cpp prefix: $prefix/usr)"
