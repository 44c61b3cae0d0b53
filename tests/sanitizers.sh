#!/bin/bash
# Sanitizer runs (CI runs `tests/sanitizers.sh all`):
#   1. ASan + UBSan (+ LeakSanitizer) build in build-asan: all unit tests and
#      the conformance suite against its pass list; with clang the same build
#      holds the libFuzzer targets, whose saved crash inputs are replayed.
#   2. TSan build in build-tsan: all unit tests (the concurrency tests, and
#      every kernel that splits work over the intra-op pool).
# Usage: tests/sanitizers.sh [asan|tsan|all (default)] [--quick|--full]
#   default: the real-model tests (Models/*) and the conformance suite's light/
#            models are left out: at -O0 under ASan each needs minutes.
#   --full:  those too.
#   --quick: only the hostile-model, loader, session, concurrency and C API
#            tests, and no conformance suite (a fast check while developing).
# Builds at -O0 (compile time dominates on small machines; the precompiled
# header, ONYX_PCH, halves it) with clang-14 when installed, else g++.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
quick=0 full=0
for a in "$@"; do
  [ "$a" = --quick ] && quick=1
  [ "$a" = --full ] && full=1
done
unit_filter='-Models/*'
[ $full = 1 ] && unit_filter='*'
[ $quick = 1 ] && unit_filter='Hostile*:Loader.*:Session.*:RunChecks.*:Concurrency.*:Allocator.*:CApi*:CxxApi*'
# The conformance suites (--filter: substrings of test ids) the default run covers.
conf_filter=(--filter node/ --filter simple/ --filter pytorch-)
[ $full = 1 ] && conf_filter=()
jobs=$(nproc)
if command -v clang++-14 >/dev/null; then cc=clang-14 cxx=clang++-14; else cc=gcc cxx=g++; fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

configure() {  # DIR SANITIZERS [extra cmake args]
  local dir=$1 san=$2
  shift 2
  [ -f "$dir/build.ninja" ] && return 0
  CC=$cc CXX=$cxx cmake -S . -B "$dir" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O0 -g1" -DCMAKE_C_FLAGS="-O0 -g1" -DONYX_SANITIZE="$san" \
    -DONYX_BUILD_PYTHON=OFF -DONYX_BUILD_BENCH=OFF "$@" >/dev/null
}

t0=$(date +%s)
if [ "$what" = all ] || [ "$what" = asan ]; then
  fuzz=()
  [ "$cc" = clang-14 ] && fuzz=(-DONYX_BUILD_FUZZ=ON)
  configure build-asan address,undefined "${fuzz[@]}"
  targets=(onyx_tests onyx_conformance)
  [ ${#fuzz[@]} -gt 0 ] && targets+=(fuzz_loader fuzz_infer fuzz_run)
  cmake --build build-asan -j "$jobs" --target "${targets[@]}"
  t1=$(date +%s)
  echo "asan: build $((t1 - t0))s"
  # allocator_may_return_null: the tests ask for absurd sizes on purpose and
  # expect the library's error, not ASan's abort.
  export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build-asan/bin/onyx_tests --gtest_brief=1 --gtest_filter="$unit_filter"
  t2=$(date +%s)
  echo "asan: onyx_tests $((t2 - t1))s"
  if [ $quick = 0 ]; then
    # The runner finds ../shared/onnx-backend-tests or Debian's libonnx-testdata;
    # the pass list is picked the way tests/run_all.sh picks it.
    passlist=tests/conformance/passlist.txt
    [ -d ../shared/onnx-backend-tests ] || passlist=tests/conformance/passlist-debian.txt
    build-asan/bin/onyx_conformance --passlist "$passlist" "${conf_filter[@]}" --jobs "$jobs" --timeout 900
    echo "asan: conformance $(($(date +%s) - t2))s"
  fi
  [ ${#fuzz[@]} -gt 0 ] && tests/fuzz/run.sh 0 build-asan
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi
if [ "$what" = all ] || [ "$what" = tsan ]; then
  t3=$(date +%s)
  configure build-tsan thread
  cmake --build build-tsan -j "$jobs" --target onyx_tests
  t4=$(date +%s)
  echo "tsan: build $((t4 - t3))s"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    build-tsan/bin/onyx_tests --gtest_brief=1 --gtest_filter="$unit_filter"
  echo "tsan: tests $(($(date +%s) - t4))s"
fi
echo "sanitizers: total $(($(date +%s) - t0))s"
