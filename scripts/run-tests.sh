#!/usr/bin/env bash
# Builds (if needed) and runs every test: unit tests of the core, the real
# tshark with the plugin over test_captures/, the report, the Qt dialog and
# the GUI end to end. Exits non-zero when any test fails.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
export MIDDLEBOX_BUILD="$build"
"$here/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j 2 "$@"
