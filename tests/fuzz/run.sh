#!/bin/bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan), replays every saved
# crash input under tests/fuzz/regressions/TARGET/, then fuzzes each target for
# a bounded time starting from the checked-in seed corpus.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET=60] [BUILD_DIR=build-asan] [TARGETS...]
#   SECONDS_PER_TARGET=0 only replays the regressions.
# New corpus entries go to BUILD_DIR/corpus-TARGET (the checked-in corpus is
# only read); crashes are written to BUILD_DIR/crashes/ and fail the script:
# fix the bug, then copy the input to tests/fuzz/regressions/TARGET/.
set -euo pipefail
secs=${1:-60}
build=${2:-build-asan}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(loader infer run)
cd "$(dirname "$0")/../.."
root=$PWD
cc=${CC:-clang-14}; cxx=${CXX:-clang++-14}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/build.ninja" ]; then
  CC=$cc CXX=$cxx cmake -S . -B "$build" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O0 -g1" -DCMAKE_C_FLAGS="-O0 -g1" -DONYX_BUILD_FUZZ=ON \
    -DONYX_SANITIZE=address,undefined -DONYX_BUILD_PYTHON=OFF -DONYX_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/crashes"
status=0
for t in "${targets[@]}"; do
  bin="$build/bin/fuzz_$t"
  seeds=tests/fuzz/corpus/models
  [ "$t" = run ] && seeds=tests/fuzz/corpus/run
  regs=(tests/fuzz/regressions/$t/*)
  if [ -e "${regs[0]}" ]; then
    echo "== fuzz_$t: replaying ${#regs[@]} regression inputs"
    "$bin" -rss_limit_mb=2048 -timeout=30 "${regs[@]}" >"$build/replay-$t.log" 2>&1 \
      || { echo "FAILED: fuzz_$t regression replay (see $build/replay-$t.log)"; tail -30 "$build/replay-$t.log"; status=1; }
  fi
  [ "$secs" -gt 0 ] || continue
  mkdir -p "$build/corpus-$t"
  echo "== fuzz_$t: fuzzing for ${secs}s"
  start=$(date +%s)
  if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=30 -max_len=16384 \
      -artifact_prefix="$build/crashes/$t-" -print_final_stats=1 "$build/corpus-$t" "$seeds" \
      >"$build/fuzz-$t.log" 2>&1; then
    echo "FAILED: fuzz_$t found a crash (see $build/fuzz-$t.log, input in $build/crashes/)"
    grep -m5 -E "ERROR|runtime error|SUMMARY" "$build/fuzz-$t.log" || tail -20 "$build/fuzz-$t.log"
    status=1
  fi
  echo "   ran $(( $(date +%s) - start ))s: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$build/fuzz-$t.log" || true)"
done
exit $status
