#!/usr/bin/env bash
# ASan+UBSan run of the plugin inside the real tshark (tests/sanitize/README.md).
#
#   tests/sanitize/run.sh --quick     what ctest runs (sanitize.quick): every test
#                                     capture, 3 corrupted variants each, a 300k-SYN
#                                     flood, the snaplen check; a few minutes on 2 cores
#   tests/sanitize/run.sh --full      50 corrupted variants per capture, a 1M-SYN flood
#                                     (the 5M flood runs in bench/: bench/run.sh --flood 5000000)
#   options: --build-dir DIR (default build-sanitize), --variants N, --flood N,
#            --cap N (middlebox.max_pending for the flood), --jobs N
#
# tshark itself is not instrumented: the plugin is built with
# -DMIDDLEBOX_SANITIZE=ON (gcc: -fsanitize=address,undefined) and tshark is
# started with the gcc ASan runtime preloaded (LD_PRELOAD=libasan.so), which
# must come first in the process for ASan to intercept malloc/free; the UBSan
# runtime comes in with the plugin's own dependencies. Leak detection is off:
# tshark and GLib do not free everything at exit, and every stack that starts
# in a dissector passes through libwireshark, so leaks cannot be told apart
# by suppressions (the fuzzers check the core for leaks instead).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-sanitize"
variants=3
flood=300000
cap=10000
jobs=2
mode=quick
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick; shift ;;
    --full) mode=full; variants=50; flood=1000000; shift ;;
    --build-dir) build="$2"; shift 2 ;;
    --variants) variants="$2"; shift 2 ;;
    --flood) flood="$2"; shift 2 ;;
    --cap) cap="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "sanitize: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build="$root/$build" ;; esac

echo "== building the sanitized plugin in $build"
mkdir -p "$build"
# -O1 -g1, as ASan's own documentation advises: a third faster to build than -O2 -g,
# line numbers in every report, no check optimised away.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-O1 -g1" -DCMAKE_CXX_FLAGS="-O1 -g1" \
  -DMIDDLEBOX_SANITIZE=ON -DMIDDLEBOX_QT=OFF -DMIDDLEBOX_TESTS=OFF >"$build/cmake.log" 2>&1 || { cat "$build/cmake.log"; exit 1; }
# The plugin, and middlebox-scan (the same core behind its own decoder).
cmake --build "$build" -j2 --target middlebox middlebox-scan >"$build/build.log" 2>&1 || { tail -40 "$build/build.log"; exit 1; }
so="$(ls "$build"/plugins/*/epan/middlebox.so | head -n1)"
scanner="$build/cli/middlebox-scan"
for bin in "$so" "$scanner"; do
  if [ "$(nm "$bin" 2>/dev/null | grep -c __asan_report)" -eq 0 ] && [ "$(nm -D "$bin" | grep -c __asan_report)" -eq 0 ]; then
    echo "sanitize: $bin is not instrumented" >&2
    exit 1
  fi
done

# The runs' files where "nobody" (tshark-with-plugin.sh's user when root)
# can reach them: a build tree under /root is closed to it. Kept on failure.
work="$(mktemp -d /tmp/middlebox-sanitize.XXXXXX)"
mkdir -p "$work/variants" "$work/logs"
chmod 0777 "$work" "$work/variants" "$work/logs"

asan_rt="$(gcc -print-file-name=libasan.so)"
tshark_asan="$work/tshark-asan"
cat >"$tshark_asan" <<EOT
#!/bin/sh
# The gcc ASan runtime first, then tshark, which dlopens the instrumented plugin.
export LD_PRELOAD="$asan_rt"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:exitcode=86:abort_on_error=0:allocator_may_return_null=1:detect_odr_violation=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"
exec /usr/bin/tshark "\$@"
EOT
chmod 0755 "$tshark_asan"
export MIDDLEBOX_BUILD="$build" TSHARK="$tshark_asan"
wrap="$root/scripts/tshark-with-plugin.sh"

# Proof that the runtime and the plugin are really active in tshark.
# (Not with -G plugins: it spawns the extcap helpers, which inherit the
# preload and hang.)
probe="$root/test_captures/replicas/v0-echo.pcapng"
"$wrap" -r "$probe" -q -z middlebox >"$work/probe.out" 2>"$work/probe.err" || true
if grep -qE 'AddressSanitizer|runtime error:' "$work/probe.err"; then
  echo "sanitize: FAIL: sanitizer report on $probe" >&2
  grep -E -A12 'ERROR: AddressSanitizer|runtime error:' "$work/probe.err" | head -30 >&2
  exit 1
fi
if ! grep -q 'mptcp-echo' "$work/probe.out"; then
  echo "sanitize: tshark did not run the sanitized plugin" >&2
  tail -5 "$work/probe.err" >&2
  exit 1
fi

# One tshark run: exit status and sanitizer words decide. A tshark error
# on a corrupted file (status 2: damaged, cut short) is expected.
cat >"$work/one.sh" <<'EOT'
#!/usr/bin/env bash
# one.sh LOGNAME CAPTURE TSHARK-ARGS...  or  one.sh LOGNAME CAPTURE SCAN SCANNER-ARGS...
log="$1"; cap="$2"; shift 2
set +e
if [ "${1:-}" = "SCAN" ]; then  # middlebox-scan instead of tshark
  shift
  ASAN_OPTIONS="$SCAN_ASAN" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87" \
    "$SCANNER" -q "$@" "$cap" >"$log.out" 2>"$log.err"
else
  "$WRAP" -r "$cap" "$@" >"$log.out" 2>"$log.err"
fi
rc=$?
set -e
bad=""
if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer' "$log.err"; then bad="sanitizer report"; fi
if [ $rc -eq 86 ] || [ $rc -eq 87 ] || [ $rc -ge 128 ]; then bad="${bad:+$bad, }exit $rc"; fi
if grep -qE 'Dissector bug, protocol Middlebox|Malformed Packet: Middlebox|\[Middlebox: .*exception' "$log.out" "$log.err"; then
  bad="${bad:+$bad, }exception in the Middlebox dissector"
fi
if [ -n "$bad" ]; then
  echo "FAIL $cap ($*): $bad; see $log.err"
  exit 1
fi
rm -f "$log.out" "$log.err"
EOT
chmod 0755 "$work/one.sh"
export WRAP="$wrap" SCANNER="$scanner"
# The scanner is all ours: leaks are checked too.
export SCAN_ASAN="detect_leaks=1:halt_on_error=1:exitcode=86:abort_on_error=0"

mapfile -t caps < <(find "$root/test_captures" -name '*.pcap' -o -name '*.pcapng' | sort)
# A small generated scan too: thousands of handshakes, data, RSTs.
python3 "$root/bench/gen_scan.py" -n 3000 --data 0.2 -o "$work/scan-3000.pcap" >/dev/null
caps+=("$work/scan-3000.pcap")
echo "== ${#caps[@]} captures, $variants corrupted variants each (editcap -E 0.02, seeds 1..$variants)"

# tshark starts slowly under ASan, so it reads the captures one after another
# in one file (mergecap -a: each capture's frames, link types kept): the
# originals twice (two passes with every detail and the reports; one pass
# with fields and the pairs report), and each seed's corrupted variants of all
# captures once (odd seeds: two passes with details; even: one pass with
# fields). middlebox-scan reads each file on its own (its reader takes one
# link type per file).
jobsfile="$work/jobs.txt"
: >"$jobsfile"
merge() {  # merge OUT FILES...: the files that mergecap can read, one after another
  local out="$1"; shift
  mergecap -a -w "$out" "$@" 2>"$out.err" || { echo "sanitize: mergecap failed: $(cat "$out.err")" >&2; exit 1; }
}
merge "$work/originals.pcapng" "${caps[@]}"
echo "$work/logs/o.a $work/originals.pcapng -2 -V -z middlebox -z expert -z middlebox,path" >>"$jobsfile"
echo "$work/logs/o.b $work/originals.pcapng -T fields -e middlebox.verdict -e middlebox.diff -e middlebox.syn_frame -z middlebox,pairs" >>"$jobsfile"
i=0
for c in "${caps[@]}"; do
  i=$((i + 1))
  echo "$work/logs/o$i.s $c SCAN --format pairs" >>"$jobsfile"
done
for s in $(seq 1 "$variants"); do
  vs=()
  i=0
  for c in "${caps[@]}"; do
    i=$((i + 1))
    v="$work/variants/$i-$s.pcapng"
    editcap -E 0.02 --seed "$s" "$c" "$v" >/dev/null 2>&1 || continue
    vs+=("$v")
    # middlebox-scan over every variant: the text report and the stream.
    echo "$work/logs/s$i-$s $v SCAN --format $([ $((s % 2)) -eq 1 ] && echo text || echo ndjson)" >>"$jobsfile"
  done
  merge "$work/variants/seed-$s.pcapng" "${vs[@]}"
  if [ $((s % 2)) -eq 1 ]; then
    echo "$work/logs/v$s $work/variants/seed-$s.pcapng -2 -V -z middlebox -z expert -z middlebox,path,json" >>"$jobsfile"
  else
    echo "$work/logs/v$s $work/variants/seed-$s.pcapng -T fields -e middlebox.verdict -e middlebox.diff -z middlebox,json" >>"$jobsfile"
  fi
done
chmod -R a+rX "$work"
total=$(wc -l <"$jobsfile")
echo "== $total runs (tshark over the merged captures, middlebox-scan over each), $jobs at a time"
failed=0
# shellcheck disable=SC2086
xargs -P "$jobs" -L 1 "$work/one.sh" <"$jobsfile" >"$work/failures.txt" 2>&1 || failed=1
if [ -s "$work/failures.txt" ]; then
  cat "$work/failures.txt" | head -20
  for f in $(grep -o 'see [^ ]*' "$work/failures.txt" | head -3 | cut -c5-); do
    echo "--- $f"; grep -A25 -E 'ERROR|runtime error' "$f" | head -40
  done
  failed=1
fi
n_fail=$(grep -c '^FAIL' "$work/failures.txt" || true)
echo "sanitized runs (tshark and middlebox-scan): $((total - n_fail)) clean, $n_fail with a report"

# The snaplen check: a scan cut inside the options must say "truncated"
# (verdict and expert info) for every paired SYN+ACK, never an echo or MPTCP verdict.
python3 "$root/bench/gen_scan.py" -n 2000 -o "$work/snap-full.pcap" >/dev/null
snap_ok=1
for snaplen in 54 60 70; do
  editcap -s "$snaplen" "$work/snap-full.pcap" "$work/snap-$snaplen.pcap" >/dev/null 2>&1
  chmod a+r "$work/snap-$snaplen.pcap"
  "$wrap" -r "$work/snap-$snaplen.pcap" -q -z middlebox -z expert,note >"$work/snap-$snaplen.txt" 2>"$work/snap-$snaplen.err" || true
  verdicts="$(grep -E '^\s*Verdicts:' "$work/snap-$snaplen.txt" || true)"
  synacks="$(python3 -c "import json;print(json.load(open('$work/snap-full.pcap.truth.json'))['synacks'])")"
  trunc_expert="$(grep -E 'TCP options of .* cut by the capture' "$work/snap-$snaplen.txt" | awk '{s+=$1} END {print s+0}')"
  if grep -qE 'Sanitizer|runtime error' "$work/snap-$snaplen.err" ||
     [[ "$verdicts" =~ mptcp-|option-echo|plain ]] || [[ ! "$verdicts" =~ "truncated $synacks" ]] ||
     [ "$trunc_expert" -ne "$synacks" ]; then
    echo "FAIL snaplen $snaplen: expected truncated $synacks and as many expert notes; got: $verdicts; expert: $trunc_expert"
    snap_ok=0
  else
    echo "ok   snaplen $snaplen: $verdicts; 'options cut by the capture' expert infos: $trunc_expert"
  fi
done
[ "$snap_ok" -eq 1 ] || failed=1

# The flood: distinct SYNs, never answered; the pending table stays at the cap.
python3 "$root/bench/gen_scan.py" --syn-flood -n "$flood" -o "$work/flood.pcap" >/dev/null
chmod a+r "$work/flood.pcap"
/usr/bin/time -v -o "$work/flood.time" "$wrap" -r "$work/flood.pcap" -o "middlebox.max_pending:$cap" -q -z middlebox \
  >"$work/flood.txt" 2>"$work/flood.err" || true
ev="$(grep -oE 'dropped at the cap: [0-9]+' "$work/flood.txt" | grep -oE '[0-9]+$' || echo missing)"
rss="$(grep -oE 'Maximum resident set size \(kbytes\): [0-9]+' "$work/flood.time" | grep -oE '[0-9]+$')"
noans="$(grep -E '^\s*Verdicts:' "$work/flood.txt" | grep -oE 'no-answer [0-9]+' || true)"
expect=$((flood - cap))
if [ "$ev" != "$expect" ] || grep -qE 'Sanitizer|runtime error' "$work/flood.err" || [ "$noans" != "no-answer $flood" ]; then
  echo "FAIL flood of $flood SYNs, max_pending $cap: evictions $ev (expected $expect), $noans; see $work/flood.err"
  tail -5 "$work/flood.err"
  failed=1
else
  echo "ok   flood of $flood SYNs, max_pending $cap: $ev evictions, $noans, peak RSS $((rss / 1024)) MiB (ASan build)"
fi

if [ "$failed" -ne 0 ]; then
  echo "sanitize: FAILED (logs in $work)"
  exit 1
fi
rm -rf "$work"
echo "sanitize: clean"
