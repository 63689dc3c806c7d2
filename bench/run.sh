#!/usr/bin/env bash
# One command for the scan-scale benchmark (see bench/bench.py --help):
#   bench/run.sh [--sizes 100000 1000000] [--runs 3] [--callgrind 20000] [--build DIR]
# Prints a markdown report on stdout; progress on stderr. Takes ~30-60 min
# with the defaults on 2 cores: run it in the background, never in CI.
#
# middlebox-scan against tshark and the read floor (bench/scanner.py --help):
#   bench/run.sh --scanner [--sizes 1000000 10000000] [--runs 3] [--huge 10000000 --huge-repeat 5]
#                          [--scanner-base CONTROL_BUILD]   (a second scanner build, side by side)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "${1:-}" = "--scanner" ]; then
  shift
  exec python3 "$here/scanner.py" "$@"
fi
exec python3 "$here/bench.py" "$@"
