#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan+UBSan) in their own tree and
# runs each for a bounded time, seeded from tests/fuzz/corpus/<harness>.
# A crash (or a sanitizer report, or a harness invariant) makes the script
# fail and copies the input to tests/fuzz/regressions/<harness>/, where
# ctest replays it from then on (fuzz.replay.<harness>).
#
#   scripts/fuzz.sh                       60 s per harness, 2 at a time
#   scripts/fuzz.sh --seconds 10 --seconds-for decoder=20 --seconds-for correlator=40
#                                         what ctest (fuzz.bounded) runs: each harness about as
#                                         long as it takes to reach the coverage of a 40 s run
#   scripts/fuzz.sh --only correlator --seconds 600
#   scripts/fuzz.sh --merge               also merge new coverage into the seed corpus
#
# Work corpora live in the build tree (<build-dir>/corpus/<harness>), so a CI
# run leaves the repository untouched unless something crashed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=60
build="$root/build-fuzz"
only=""
merge=0
declare -A seconds_for=()
jobs="${FUZZ_JOBS:-2}"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds-for) seconds_for["${2%%=*}"]="${2#*=}"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
harnesses=(options evidence correlator decoder)
[ -n "$only" ] && harnesses=("$only")

cc="$(command -v clang-14 || command -v clang || true)"
cxx="$(command -v clang++-14 || command -v clang++ || true)"
if [ -z "$cc" ] || [ -z "$cxx" ]; then
  echo "fuzz.sh: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

echo "== building fuzzers in $build"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMIDDLEBOX_FUZZ=ON -DMIDDLEBOX_PLUGIN=OFF -DMIDDLEBOX_QT=OFF -DMIDDLEBOX_TESTS=ON >"$build/cmake.log" 2>&1 ||
  { cat "$build/cmake.log"; exit 1; }
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j2 --target "${targets[@]}" >"$build/build.log" 2>&1 || { tail -50 "$build/build.log"; exit 1; }

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

seconds_of() { echo "${seconds_for[$1]:-$seconds}"; }

run_one() {
  local h="$1" work="$build/corpus/$1" art="$build/artifacts/$1/"
  rm -rf "$art"
  mkdir -p "$work" "$art"
  cp -n "$root/tests/fuzz/corpus/$h/"* "$work/" 2>/dev/null || true
  # Known crash inputs first: they must pass before fuzzing goes on.
  local regs=()
  [ -n "$(ls -A "$root/tests/fuzz/regressions/$h" 2>/dev/null | grep -v README)" ] && regs=("$root/tests/fuzz/regressions/$h")
  "$build/tests/fuzz/fuzz_$h" -max_total_time="$(seconds_of "$h")" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$art" "$work" "$root/tests/fuzz/corpus/$h" >"$build/fuzz_$h.log" 2>&1
}

# The longest runs first, then a pool of $jobs.
mapfile -t order < <(for h in "${harnesses[@]}"; do echo "$(seconds_of "$h") $h"; done | sort -rn | cut -d' ' -f2)
status=0
running=0
for h in "${order[@]}"; do
  echo "== fuzz_$h for $(seconds_of "$h")s"
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done

for h in "${harnesses[@]}"; do
  log="$build/fuzz_$h.log"
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)"
  found=("$build/artifacts/$h/"*)
  if [ -e "${found[0]}" ]; then
    mkdir -p "$root/tests/fuzz/regressions/$h"
    for f in "${found[@]}"; do cp "$f" "$root/tests/fuzz/regressions/$h/"; done
    echo "FAIL fuzz_$h: ${#found[@]} crashing input(s) saved to tests/fuzz/regressions/$h/ (log: $log)"
    grep -E 'ERROR|runtime error|invariant failed|SUMMARY' "$log" | head -5 || true
    status=1
  elif ! grep -q 'Done [0-9]* runs' "$log"; then
    echo "FAIL fuzz_$h: did not finish (log: $log)"
    tail -20 "$log"
    status=1
  else
    echo "ok   fuzz_$h: $runs runs in $(seconds_of "$h")s, $cov"
  fi
  if [ "$merge" -eq 1 ]; then
    "$build/tests/fuzz/fuzz_$h" -merge=1 "$root/tests/fuzz/corpus/$h" "$build/corpus/$h" >/dev/null 2>&1 || true
  fi
done
exit "$status"
