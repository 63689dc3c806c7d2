#!/usr/bin/env bash
# Builds (if needed) and runs every test: unit tests of the core, the real
# tshark with the plugin over test_captures/, the report, the scanner, the
# Qt dialog, the GUI end to end, the package, sanitizers and fuzzing. Exits
# non-zero when any test fails. This is the README's test command and CI's.
#
#   scripts/run-tests.sh              the full run (what CI runs)
#   scripts/run-tests.sh --quick      the edit loop: the unit tests, the -z middlebox
#                                     report suite and the scanner's identity with it,
#                                     over the replicas only
#   scripts/run-tests.sh -R REGEX     any other ctest arguments: a subset of the full run
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
export MIDDLEBOX_BUILD="$build"
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
"$here/scripts/build.sh"
cd "$build"
if [ "$quick" -eq 0 ]; then
  ctest --output-on-failure -j 2 "$@"
  exit
fi
replicas=("$here"/test_captures/replicas/*.pcapng)
rc=0
echo "== unit tests (ctest -L unit)"
ctest --output-on-failure -j 2 -L unit "$@" | grep -vE '^ +Start |Passed +[0-9.]+ sec$' || rc=1
echo "== tshark -z middlebox over the replicas (tests/report/test_report.py)"
python3 "$here/tests/report/test_report.py" "${replicas[@]}" | grep -v '^ok ' || rc=1
echo "== middlebox-scan against tshark over the replicas (tests/scanner/test_identity.py)"
python3 "$here/tests/scanner/test_identity.py" "${replicas[@]}" | grep -v '^ok ' || rc=1
exit "$rc"
