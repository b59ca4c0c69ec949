#!/usr/bin/env bash
# Sanitizer and fuzzing runs, one command (CI runs it too):
#  1. build-asan/: everything built by clang with AddressSanitizer +
#     UndefinedBehaviorSanitizer (and libFuzzer coverage), the whole test
#     suite run there, then each libFuzzer target for a bounded time
#     (RECSYS_FUZZ_SECONDS, default 20; ctest label 'fuzz').
#  2. build-tsan/: the multithreaded core (ALS, parallel loops, the event
#     log, the demo world, serving) under ThreadSanitizer. Server tests are
#     left out: Debian's gRPC is not built with TSan, so its internals would
#     be reported as races.
# Incremental: the build directories are reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${RECSYS_JOBS:-2}"
"$root/deploy/install-deps.sh"
prefix="$root/third_party/prefix/usr"

# The benchmarks (bench/) are left out: they link FAISS, an uninstrumented
# static library built for GCC's OpenMP, and measure speed, which a
# sanitizer distorts.
configure() {  # configure DIR FLAGS [extra cmake args]
  local dir="$1" flags="$2"
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="$flags" \
      -DRECSYS_BENCH=OFF "$@"
  fi
}

start=$(date +%s)
asan="$root/build-asan"
configure "$asan" "-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  -DRECSYS_FUZZ=ON -DRECSYS_FUZZ_SECONDS="${RECSYS_FUZZ_SECONDS:-20}"
cmake --build "$asan" -j "$jobs"
# Leak checking is off: gRPC and protobuf keep process-lifetime singletons.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export RECSYS_SANITIZER=asan  # tests skip what the sanitizer distorts (RSS)
# The quality suites (minutes of training in a release build) run their code
# here through the offline_eval and offline_models unit tests instead.
ctest --test-dir "$asan" --output-on-failure -j "$jobs" --timeout 900 -LE "heavy|soak|fuzz|quality"
ctest --test-dir "$asan" --output-on-failure --timeout 900 -L fuzz
echo "sanitize.sh: ASan+UBSan and fuzzing took $(( $(date +%s) - start )) s"

start=$(date +%s)
tsan="$root/build-tsan"
configure "$tsan" "-fsanitize=thread -fno-omit-frame-pointer"
tsan_tests=(als_test event_log_test demo_world_test recommender_test surfaces_test evaluation_test)
cmake --build "$tsan" -j "$jobs" --target "${tsan_tests[@]}"
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$root/deploy/tsan.supp
for t in "${tsan_tests[@]}"; do
  "$tsan/tests/$t" --gtest_brief=1
done
echo "sanitize.sh: ThreadSanitizer took $(( $(date +%s) - start )) s"
