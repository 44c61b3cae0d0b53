#!/bin/bash
# Tests of the `onyx` CLI: run / info / bench outputs, --output-dir file
# names, .npy reading and writing, and the errors users get (missing file,
# wrong input name, wrong dtype or shape, corrupt model, bad .npy files).
# Usage: tests/cli/test_cli.sh [BUILD_DIR]   (after `make`)
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
onyx="$PWD/$build/bin/onyx"
py=/usr/bin/python3
[ -x "$onyx" ] || { echo "test_cli: $onyx not found (build first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" tests/cli/make_models.py "$tmp" || { echo "test_cli: cannot make the test models" >&2; exit 1; }
m="$tmp"

failures=0
pass() { :; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run_cmd NAME EXPECTED_STATUS CMD... : runs, keeps stdout/stderr in $out/$err.
run_cmd() {
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  if [ "$got" != "$want" ]; then
    fail "$name: exit status $got, expected $want"
    echo "  command: $*" >&2
    echo "  stdout: $out" | head -20 >&2
    echo "  stderr: $err" | head -20 >&2
    return 1
  fi
  return 0
}
# has NAME TEXT PATTERN... : each fixed-string pattern occurs in TEXT.
has() {
  local name=$1 text=$2
  shift 2
  for p in "$@"; do
    grep -qF -- "$p" <<<"$text" || fail "$name: output lacks '$p'"$'\n'"$text"
  done
}

# ---- help / version / usage --------------------------------------------------
run_cmd help 0 "$onyx" --help && has help "$out" "onyx run MODEL" "onyx info MODEL" "onyx bench MODEL"
run_cmd version 0 "$onyx" --version && has version "$out" "onyx 0.1.0" "CPUExecutionProvider"
run_cmd no-args 2 "$onyx"
run_cmd unknown-command 2 "$onyx" frobnicate && has unknown-command "$err" "unknown command 'frobnicate'"
run_cmd run-help 0 "$onyx" run --help && has run-help "$out" "--output-dir"
run_cmd unknown-option 2 "$onyx" run "$m/add.onnx" --bogus && has unknown-option "$err" "unknown option '--bogus'"
run_cmd missing-model-arg 2 "$onyx" info && has missing-model-arg "$err" "missing MODEL"
run_cmd bad-dim 2 "$onyx" run "$m/add.onnx" --dim N=abc && has bad-dim "$err" "'abc' is not an integer"
run_cmd bad-input-flag 2 "$onyx" run "$m/add.onnx" --input x && has bad-input-flag "$err" "NAME=FILE.npy"

# ---- info ------------------------------------------------------------------------
run_cmd info 0 "$onyx" info "$m/add.onnx" &&
  has info "$out" "ir_version" "cli-test 3.1" "ai.onnx 17" "tensor(float)[N,3]" "out:0/y" "relu out" \
    "initializers 1 (12 B)" "Add" "Relu" "nodes 2"
run_cmd info-unknown-op 0 "$onyx" info "$m/unknown.onnx" &&
  has info-unknown-op "$out" "com.example.FooBar" "If" "Relu" "Neg" "nodes 4" "com.example 1"
run_cmd info-missing 1 "$onyx" info "$m/nothere.onnx" && has info-missing "$err" "nothere.onnx"
run_cmd info-corrupt 1 "$onyx" info "$m/corrupt.onnx" && has info-corrupt "$err" "corrupt.onnx"

# ---- run -------------------------------------------------------------------------
run_cmd run-npy 0 "$onyx" run "$m/add.onnx" --input x="$m/x.npy" --output-dir "$tmp/outdir" &&
  has run-npy "$out" "input 'x': float32[2,3] from" "output 'out:0/y': float32[2,3]" "min -1.5" "max 5.5" \
    "output 'relu out': float32[2,3]" "wrote"
[ -f "$tmp/outdir/out_0_y.npy" ] || fail "run-npy: $tmp/outdir/out_0_y.npy not written"
[ -f "$tmp/outdir/relu_out.npy" ] || fail "run-npy: $tmp/outdir/relu_out.npy not written"
"$py" - "$tmp/outdir" "$m" <<'PY' || fail "run-npy: written outputs differ from numpy's answer"
import sys, numpy as np
d, m = sys.argv[1], sys.argv[2]
x = np.load(m + "/x.npy")
y = np.load(d + "/out_0_y.npy")
r = np.load(d + "/relu_out.npy")
want = x + np.array([1, 2, 3], np.float32)
assert y.dtype == np.float32 and y.shape == (2, 3), (y.dtype, y.shape)
assert np.array_equal(y, want) and np.array_equal(r, np.maximum(want, 0)), (y, r)
PY
for v in 2 3; do
  run_cmd "run-npy-v$v" 0 "$onyx" run "$m/add.onnx" --input "x=$m/x_v$v.npy" && has "run-npy-v$v" "$out" "max 5.5"
done
run_cmd run-random 0 "$onyx" run "$m/add.onnx" && has run-random "$err" "symbolic dim 'N'" "--dim N=<size>" &&
  has run-random "$out" "float32[1,3] random in [-1,1)" "output 'out:0/y': float32[1,3]"
run_cmd run-dim 0 "$onyx" run "$m/add.onnx" --dim N=4 --threads 1 && has run-dim "$out" "float32[4,3]"
run_cmd run-dim-unused 0 "$onyx" run "$m/add.onnx" --dim Q=2 && has run-dim-unused "$err" "--dim Q=2 is unused"
run_cmd run-ids 0 "$onyx" run "$m/ids.onnx" --dim batch=2 --dim seq=5 &&
  has run-ids "$out" "input 'input_ids': int64[2,5] random integers in [0,10)" "attention_mask': int64[2,5] all 1" \
    "token_type_ids': int64[2,5] all 0" "output 'mask_out': int64[2,5]  min 1  max 1"
run_cmd run-strings 0 "$onyx" run "$m/strings.onnx" --input s="$m/s.npy" --output-dir "$tmp/strdir" &&
  has run-strings "$out" "\"héllo\" \"wörld!\""
"$py" -c "import numpy as np,sys; a=np.load(sys.argv[1]); assert list(a)==['héllo','wörld!'], a" \
  "$tmp/strdir/s_out.npy" || fail "run-strings: string output not written as numpy strings"

# ---- run: errors name what was wrong -------------------------------------------------
run_cmd err-missing-model 1 "$onyx" run "$m/nothere.onnx" && has err-missing-model "$err" "nothere.onnx"
run_cmd err-corrupt-model 1 "$onyx" run "$m/corrupt.onnx" && has err-corrupt-model "$err" "corrupt.onnx"
run_cmd err-unknown-op 1 "$onyx" run "$m/unknown.onnx" && has err-unknown-op "$err" "FooBar" "com.example"
run_cmd err-input-name 1 "$onyx" run "$m/add.onnx" --input nope="$m/x.npy" &&
  has err-input-name "$err" "no input 'nope'" "'x'"
run_cmd err-dtype 1 "$onyx" run "$m/add.onnx" --input x="$m/x_int64.npy" &&
  has err-dtype "$err" "input 'x'" "x_int64.npy" "expects float32" "holds int64"
run_cmd err-shape 1 "$onyx" run "$m/add.onnx" --input x="$m/x_wide.npy" && has err-shape "$err" "dim 1 is 4" "needs 3"
run_cmd err-rank 1 "$onyx" run "$m/add.onnx" --input x="$m/x_rank1.npy" && has err-rank "$err" "rank 2" "[3]"
run_cmd err-dim-conflict 1 "$onyx" run "$m/add.onnx" --input x="$m/x.npy" --dim N=5 &&
  has err-dim-conflict "$err" "'N' is 5 from --dim N=5"
run_cmd err-npy-missing 1 "$onyx" run "$m/add.onnx" --input x="$m/absent.npy" && has err-npy-missing "$err" "absent.npy"
run_cmd err-fortran 1 "$onyx" run "$m/add.onnx" --input x="$m/x_fortran.npy" && has err-fortran "$err" "Fortran"
run_cmd err-big-endian 1 "$onyx" run "$m/add.onnx" --input x="$m/x_big.npy" && has err-big-endian "$err" "big-endian"
run_cmd err-object 1 "$onyx" run "$m/add.onnx" --input x="$m/x_object.npy" && has err-object "$err" "object"
run_cmd err-truncated 1 "$onyx" run "$m/add.onnx" --input x="$m/x_truncated.npy" && has err-truncated "$err" "truncated"
run_cmd err-not-npy 1 "$onyx" run "$m/add.onnx" --input x="$m/add.onnx" && has err-not-npy "$err" "not a .npy file"
run_cmd err-twice 1 "$onyx" run "$m/add.onnx" --input x="$m/x.npy" --input x="$m/x.npy" && has err-twice "$err" "twice"

# Damaged .npy files (cut anywhere, bytes flipped) give an error, never a crash.
"$py" - "$m/x.npy" "$tmp/fuzz" <<'PY'
import os, random, sys
data = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2], exist_ok=True)
rng = random.Random(7)
for i in range(40):
    b = bytearray(data[:rng.randrange(len(data))] if i % 2 else data)
    for _ in range(rng.randrange(1, 4)):
        if b:
            b[rng.randrange(min(len(b), 140))] = rng.randrange(256)
    open(os.path.join(sys.argv[2], "f%02d.npy" % i), "wb").write(bytes(b))
PY
for f in "$tmp"/fuzz/*.npy; do
  "$onyx" run "$m/add.onnx" --input x="$f" >/dev/null 2>&1
  st=$?
  [ "$st" -le 1 ] || fail "damaged npy $(basename "$f"): exit status $st (crash?)"
done

# ---- bench -------------------------------------------------------------------------
run_cmd bench 0 "$onyx" bench "$m/add.onnx" --iters 7 --warmup 1 --dim N=8 --json &&
  has bench "$out" "create" "first run" "median" "p90" "p99" "throughput" "peak RSS"
tail -n 1 <<<"$out" | "$py" -c '
import json, sys
j = json.loads(sys.stdin.read())
for k in ("create_ms", "first_ms", "median_ms", "p90_ms", "p99_ms", "peak_rss_mb", "iters", "threads", "mean_ms",
          "min_ms", "throughput_per_s"):
    assert k in j, k
assert j["iters"] == 7 and j["peak_rss_mb"] > 0 and j["min_ms"] <= j["median_ms"] <= j["p99_ms"], j
' || fail "bench: the last line is not the expected JSON object"
grep -q '#' <<<"$err" && fail "bench: progress bar drawn although stderr is not a terminal"
run_cmd bench-text 0 "$onyx" bench "$m/add.onnx" --iters 2 --warmup 0 && has bench-text "$out" "iterations   2"
grep -q '^{' <<<"$out" && fail "bench-text: JSON printed without --json"
run_cmd bench-bad-iters 2 "$onyx" bench "$m/add.onnx" --iters 0 && has bench-bad-iters "$err" "--iters"
run_cmd bench-missing 1 "$onyx" bench "$m/nothere.onnx" && has bench-missing "$err" "nothere.onnx"

# ---- optimize ----------------------------------------------------------------------
run_cmd optimize 0 "$onyx" optimize "$m/add.onnx" "$tmp/add.opt.onnx" --level extended &&
  has optimize "$out" "wrote $tmp/add.opt.onnx"
# The saved model loads and gives the original's outputs (same seeded random inputs).
run_cmd optimize-run-orig 0 "$onyx" run "$m/add.onnx" --dim N=4 --output-dir "$tmp/orig" &&
  run_cmd optimize-run-opt 0 "$onyx" run "$tmp/add.opt.onnx" --dim N=4 --output-dir "$tmp/opt" &&
  { cmp -s "$tmp/orig/relu_out.npy" "$tmp/opt/relu_out.npy" || fail "optimize: the saved model's output differs"; }
run_cmd optimize-help 0 "$onyx" optimize --help && has optimize-help "$out" "--level"
run_cmd optimize-bad-level 2 "$onyx" optimize "$m/add.onnx" "$tmp/x.onnx" --level max &&
  has optimize-bad-level "$err" "--level 'max'"
run_cmd optimize-one-arg 2 "$onyx" optimize "$m/add.onnx"
run_cmd optimize-missing 1 "$onyx" optimize "$m/nothere.onnx" "$tmp/y.onnx" && has optimize-missing "$err" "nothere.onnx"
run_cmd optimize-unwritable 1 "$onyx" optimize "$m/add.onnx" "$tmp/no/such/dir/z.onnx" && has optimize-unwritable "$err" "z.onnx"

if [ "$failures" -ne 0 ]; then
  echo "test_cli: $failures check(s) failed" >&2
  exit 1
fi
echo "test_cli: all checks passed"
