#!/bin/bash
# Installs the Debian packages Onyx needs that are missing (nothing else).
#   tools/install-deps.sh          to build and run
#   tools/install-deps.sh --test   also what the tests and benchmarks need
# Why each package is there: see README.md, "Dependencies".
set -euo pipefail
pkgs=(g++ make cmake ninja-build pkg-config libre2-dev libjpeg62-turbo-dev libpng-dev libwebp-dev libopenjp2-7-dev pybind11-dev python3-dev python3-numpy)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libgtest-dev libgmock-dev libbenchmark-dev python3-onnx python3-pytest python3-venv python3-pip python3-setuptools python3-wheel libonnx-testdata nodejs npm)
fi
# clang 14 with its sanitizer and libFuzzer runtimes: tests/sanitizers.sh, tests/fuzz/run.sh.
if [ "${1:-}" = "--test" ]; then pkgs+=(clang-14 libclang-rt-14-dev); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A Node.js installed outside apt (nvm, nodesource) is fine: skip Debian's.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
