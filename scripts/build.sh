#!/usr/bin/env bash
# Configures and builds the plugin, the Qt dialog library and the tests into
# ./build (or $MIDDLEBOX_BUILD), warnings as errors. Extra arguments go to
# cmake's configure step.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDDLEBOX_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
