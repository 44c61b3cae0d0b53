#!/bin/bash
# Runs every test: unit + kernel + C/C++ API tests (GoogleTest), the conformance
# suite against its pass list, the CLI and model checks, the Python module's
# pytest suite, the install test (examples built against `cmake --install`) and
# the offline `pip install .` test. Usage: tests/run_all.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
"$build/bin/onyx_tests" --gtest_brief=1
# The SIMD kernels' suites again on the portable build of each kernel: the
# run above used the widest ISA the CPU has, this one the reference loops.
ONYX_ISA=scalar "$build/bin/onyx_tests" --gtest_brief=1 --gtest_filter='Nchwc*:Conv.*:Sgemm*:Gemm*:MatMul*'
# And on the AVX2 build of each, which an AVX-512 CPU would otherwise never
# run (on a CPU without AVX2, ONYX_ISA=avx2 is ignored and this repeats the
# run above).
ONYX_ISA=avx2 "$build/bin/onyx_tests" --gtest_brief=1 --gtest_filter='Nchwc*:Conv.*:Sgemm*:Gemm*:MatMul*'
# The suite in ../shared (onnx 1.20 era, 1951 tests) when present, else Debian's
# libonnx-testdata (onnx 1.12 era, 1072 tests): each has its own pass list.
if [ -d ../shared/onnx-backend-tests ]; then
  "$build/bin/onyx_conformance" --root ../shared/onnx-backend-tests \
    --passlist tests/conformance/passlist.txt --jobs "$(nproc)"
else
  "$build/bin/onyx_conformance" --root /usr/share/libonnx-testdata/data \
    --passlist tests/conformance/passlist-debian.txt --jobs "$(nproc)"
fi
tests/cli/test_cli.sh "$build"
tests/models/check_models.sh "$build"
/usr/bin/python3 tests/models/exporter_styles.py "$build"
PYTHONPATH="$build/python" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
tests/install/test_install.sh "$build"
tests/python/test_pip_install.sh "$build"
