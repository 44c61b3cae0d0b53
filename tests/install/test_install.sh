#!/bin/bash
# Installs Onyx from a build folder into a temporary prefix, then builds the
# examples against what was installed - examples/c and examples/cpp with
# find_package(onyx), examples/c once more with pkg-config - runs them on
# models/squeezenet1_1.onnx and checks they print the same five classes, then
# runs the C and C++ examples on a real model (mobilenet_v3_large.onnx from
# $ONYX_MODELS_DIR, BUILD_DIR/models where tests/models/check_models.sh inflates
# it, ../models or ../shared/models; skipped with a message when none is there).
# The prefix is then moved, to check that the CMake package and onyx.pc do
# not hard-code it.    Usage: tests/install/test_install.sh [BUILD_DIR]
set -euo pipefail
build=$(realpath "${1:-build}")
cd "$(dirname "$0")/../.."
root=$PWD
model=$root/models/squeezenet1_1.onnx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
fail() { echo "test_install: FAILED: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); }

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# ---- install ----
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log" >&2; fail "cmake --install"; }
for f in include/onyx/onyx_c_api.h include/onyx/onyx.hpp lib/libonyx.so lib/cmake/onyx/onyxConfig.cmake \
         lib/cmake/onyx/onyxConfigVersion.cmake lib/cmake/onyx/onyxTargets.cmake lib/pkgconfig/onyx.pc bin/onyx; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
# Only the public API: no engine-internal header leaks into include/.
extra=$(find "$prefix/include" -type f ! -name onyx_c_api.h ! -name onyx.hpp)
[ -z "$extra" ] || fail "unexpected installed headers: $extra"
"$prefix/bin/onyx" info "$model" >"$tmp/info.txt" || fail "installed CLI cannot read the model"
ok

# ---- examples with find_package(onyx) ----
run_example() {  # name binary -> writes $tmp/name.out, checks its shape
  local name=$1 bin=$2
  "$bin" "$model" >"$tmp/$name.out" || fail "$name exited with $?"
  grep -q "^input input: float\[1, 3, 224, 224\]$" "$tmp/$name.out" || fail "$name: no input line: $(cat "$tmp/$name.out")"
  grep -q "^output output: 1000 scores$" "$tmp/$name.out" || fail "$name: no output line: $(cat "$tmp/$name.out")"
  grep -Eq "^top5:( [0-9]+:-?[0-9]+\.[0-9]{4}){5}$" "$tmp/$name.out" || fail "$name: bad top5 line: $(cat "$tmp/$name.out")"
}
for lang in c cpp; do
  cmake -S "examples/$lang" -B "$tmp/ex-$lang" "${generator[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release >"$tmp/ex-$lang.log" 2>&1 || { cat "$tmp/ex-$lang.log" >&2; fail "configure examples/$lang"; }
  cmake --build "$tmp/ex-$lang" >>"$tmp/ex-$lang.log" 2>&1 || { cat "$tmp/ex-$lang.log" >&2; fail "build examples/$lang"; }
  run_example "$lang" "$tmp/ex-$lang/classify_$lang"
  ok
done

# ---- the C example with pkg-config ----
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion onyx)" = "$(sed -n 's/^project(onyx VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)" ] \
  || fail "onyx.pc version differs from CMakeLists.txt"
libdir=$(pkg-config --variable=libdir onyx)
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror examples/c/main.c $(pkg-config --cflags --libs onyx) -Wl,-rpath,"$libdir" \
  -o "$tmp/classify_pc" || fail "pkg-config build of examples/c"
run_example pkgconfig "$tmp/classify_pc"
ok

# The same model, input and kernels: the three must print the same classes.
top() { grep '^top5:' "$tmp/$1.out"; }
[ "$(top c)" = "$(top cpp)" ] || fail "C and C++ examples differ: $(top c) / $(top cpp)"
[ "$(top c)" = "$(top pkgconfig)" ] || fail "CMake and pkg-config builds differ"
ok

# ---- a real model from ../models or ../shared/models (inflated), when there is one ----
real=""
for dir in "${ONYX_MODELS_DIR:-}" "$build/models" ../models ../shared/models; do
  [ -n "$dir" ] && [ -f "$dir/mobilenet_v3_large.onnx" ] && { real=$(realpath "$dir/mobilenet_v3_large.onnx"); break; }
done
if [ -n "$real" ]; then
  for lang in c cpp; do
    "$tmp/ex-$lang/classify_$lang" "$real" >"$tmp/real-$lang.out" || fail "classify_$lang $real exited with $?"
    grep -q "^input input: float\[1, 3, 224, 224\]$" "$tmp/real-$lang.out" || fail "classify_$lang on $real: $(cat "$tmp/real-$lang.out")"
    grep -q "^output output: 1000 scores$" "$tmp/real-$lang.out" || fail "classify_$lang on $real: $(cat "$tmp/real-$lang.out")"
  done
  [ "$(top real-c)" = "$(top real-cpp)" ] || fail "C and C++ examples differ on $real: $(top real-c) / $(top real-cpp)"
  echo "$real: $(top real-c)"
  ok
else
  echo "install: no mobilenet_v3_large.onnx in \$ONYX_MODELS_DIR, $build/models, ../models or ../shared/models (tests/models/check_models.sh inflates it): real-model check skipped"
fi

# ---- a moved prefix still works ----
mv "$prefix" "$tmp/moved"
export PKG_CONFIG_PATH=$tmp/moved/lib/pkgconfig
[ "$(realpath "$(pkg-config --variable=libdir onyx)")" = "$(realpath "$tmp/moved/lib")" ] \
  || fail "onyx.pc does not follow a moved prefix: $(pkg-config --variable=libdir onyx)"
cmake -S examples/cpp -B "$tmp/ex-moved" "${generator[@]}" -DCMAKE_PREFIX_PATH="$tmp/moved" >"$tmp/ex-moved.log" 2>&1 \
  && cmake --build "$tmp/ex-moved" >>"$tmp/ex-moved.log" 2>&1 || { cat "$tmp/ex-moved.log" >&2; fail "build against a moved prefix"; }
run_example moved "$tmp/ex-moved/classify_cpp"
ok

echo "$(top c)"
echo "install: $passed passed, 0 failed"
