#!/bin/bash
# Checks the real models in ../shared/models against ONNX Runtime 1.30:
# inflates them (once), makes ORT reference outputs with ../shared/tools/ort-run.js
# (once), runs `onyx run` on the same inputs and compares (compare.py).
#
#   tests/models/check_models.sh [BUILD_DIR] [NAME ...]
#
# Big files go to $ONYX_MODELS_DIR (default BUILD_DIR/models). Needs Debian's
# python3-onnx and python3-numpy, Node.js + npm (ORT comes from the npm registry).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd); shift || true
shared="$root/../shared"
if [ ! -d "$shared/models" ]; then
  echo "check_models: $shared/models not found; skipping the real-model checks" >&2
  exit 0
fi
models_dir=${ONYX_MODELS_DIR:-$build/models}
ort_dir=${ONYX_ORT_DIR:-$HOME/.cache/onnxruntime-node}
mkdir -p "$models_dir"
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  bash "$shared/tools/install-ort.sh" "$ort_dir" >/dev/null
fi
export ORT_NODE_PATH="$ort_dir/node_modules/onnxruntime-node"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(grep -v '^#' "$root/tests/models/models.txt" | awk 'NF {print $1}')
fi
fails=0
for name in "${names[@]}"; do
  spec=$(awk -v n="$name" '$1 == n {print $2}' "$root/tests/models/models.txt")
  model="$models_dir/$name.onnx"
  [ -f "$model" ] || /usr/bin/python3 "$shared/models/inflate.py" "$models_dir" "$name" >/dev/null
  ref="$models_dir/ref/$name"
  if [ ! -f "$ref/index.json" ]; then
    node "$shared/tools/ort-run.js" "$model" "$spec" --iters 1 --dump "$ref" >/dev/null
  fi
  args=()
  while read -r in_name file; do
    args+=(--input "$in_name=$ref/$file")
  done < <(/usr/bin/python3 -c "
import json,sys
for e in json.load(open('$ref/index.json')):
    if e['kind'] == 'in': print(e['name'], e['file'])")
  out="$models_dir/out/$name"
  rm -rf "$out"
  echo "$name:"
  if ! "$build/bin/onyx" run "$model" "${args[@]}" --output-dir "$out" >/dev/null; then
    echo "  onyx run FAILED"
    fails=$((fails + 1))
    continue
  fi
  /usr/bin/python3 "$root/tests/models/compare.py" "$ref" "$out" || fails=$((fails + 1))
  # The optimizer's round trip at each level: `onyx optimize` writes the
  # optimized graph as ONNX (com.onyx fused ops), which must load and match
  # ORT. (Outputs of each level inside one session are checked by onyx_tests,
  # tests/passes/real_models_test.cc.)
  for level in ${ONYX_CHECK_LEVELS:-disabled basic extended all}; do
    opt="$models_dir/opt/$name.$level.onnx"
    mkdir -p "$models_dir/opt"
    rm -rf "$out"
    echo "  optimized at level $level:"
    if ! "$build/bin/onyx" optimize "$model" "$opt" --level "$level" >/dev/null ||
       ! "$build/bin/onyx" run "$opt" "${args[@]}" --output-dir "$out" >/dev/null; then
      echo "  onyx optimize --level $level / run FAILED"
      fails=$((fails + 1))
    else
      /usr/bin/python3 "$root/tests/models/compare.py" "$ref" "$out" | sed 's/^/  /' || fails=$((fails + 1))
    fi
    rm -f "$opt"
  done
done
if [ "$fails" -ne 0 ]; then
  echo "check_models: $fails model(s) differ from ONNX Runtime" >&2
  exit 1
fi
echo "check_models: all ${#names[@]} models match ONNX Runtime"
