#!/usr/bin/env bash
# One command for the scan-scale benchmark (see bench/bench.py --help):
#   bench/run.sh [--sizes 100000 1000000] [--runs 3] [--callgrind 20000] [--build DIR]
# Prints a markdown report on stdout; progress on stderr. Takes ~30-60 min
# with the defaults on 2 cores: run it in the background, never in CI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 "$here/bench.py" "$@"
