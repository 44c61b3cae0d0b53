#!/bin/bash
# `pip install .` the way a user runs it - offline, with Debian's setuptools,
# wheel and pybind11 - into a fresh venv; then onyx is imported from outside
# the source tree and runs the bundled model.
#   Usage: tests/python/test_pip_install.sh [BUILD_DIR]
# BUILD_DIR's compiled library is reused (setup.py's ONYX_CMAKE_BUILD_DIR), so
# this costs a link rather than a full build; a user's plain
# `pip install --no-build-isolation --no-index .` builds in build-pip/.
set -euo pipefail
build=$(realpath "${1:-build}")
cd "$(dirname "$0")/../.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
ONYX_CMAKE_BUILD_DIR=$build "$tmp/venv/bin/python" -m pip install --no-build-isolation --no-index -q "$root" \
  >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log" >&2; echo "test_pip_install: pip install failed" >&2; exit 1; }

cd "$tmp"  # away from the source tree and build/python
env -u PYTHONPATH -u LD_LIBRARY_PATH "$tmp/venv/bin/python" - "$root/models/squeezenet1_1.onnx" "$tmp/venv" <<'PY'
import os
import sys

import numpy as np
import onyx as ort

model, venv = sys.argv[1], sys.argv[2]
pkg = os.path.dirname(ort.__file__)
assert os.path.realpath(pkg).startswith(os.path.realpath(venv)), pkg
files = sorted(os.listdir(pkg))
assert any(f.startswith("_onyx") and f.endswith(".so") for f in files), files
assert any(f.startswith("libonyx.so.") for f in files), files  # found through the extension's $ORIGIN RPATH
from onyx.capi.onnxruntime_pybind11_state import InvalidArgument  # noqa: F401

sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
x = np.random.default_rng(0).random((1, 3, 224, 224), dtype=np.float32)
(y,) = sess.run(None, {sess.get_inputs()[0].name: x})
assert y.shape == (1, 1000), y.shape
print("onyx %s from %s: top-1 class %d" % (ort.__version__, pkg, int(np.argmax(y))))
PY
echo "pip install: 1 passed, 0 failed"
