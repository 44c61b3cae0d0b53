#!/bin/bash
# Runs every test: unit + kernel tests (GoogleTest), the conformance suite
# against its pass list, and the model checks. Usage: tests/run_all.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
"$build/bin/onyx_tests" --gtest_brief=1
"$build/bin/onyx_conformance" --passlist tests/conformance/passlist.txt --jobs "$(nproc)"
tests/cli/test_cli.sh "$build"
tests/models/check_models.sh "$build"
