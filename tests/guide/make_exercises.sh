#!/usr/bin/env bash
# Makes the unlabeled exercise captures test_captures/exercises/exN.pcapng from the committed
# lab captures (test_captures/lab/), as they were made once; the answers
# (test_captures/exercises/ANSWERS.md) cite their frame numbers, so they are committed and not
# remade when the lab is regenerated: rerun this only to make new exercises, then check the
# answers with tests/guide/check_guide.py.
#
# Unlabeled: every piece goes through classic pcap, which has no packet or capture comments,
# no interface names and no capture-tool strings; mergecap writes the pcapng.
#
# Each exercise also gets its expected verdicts (test_captures/FORMAT.md), taken from the lab
# captures it was cut from by tests/guide/exercise_expected.py (no plugin involved).
#
#   tests/guide/make_exercises.sh [--out OUTDIR] [exN ...]   (default: all, into test_captures/exercises)
#   tests/guide/make_exercises.sh --expected [exN ...]       only the .expected.tsv of committed ones
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
lab="$here/test_captures/lab"
out="$here/test_captures/exercises"
only=()
expected_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --expected) expected_only=1; shift ;;
    *) only+=("$1"); shift ;;
  esac
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# piece NAME FRAMES: the frames of lab/NAME.pcapng, as classic pcap (runs in $(...): a file
# name of its own, no counter)
piece() {
  local f="$tmp/$1.$2.pcap"
  editcap -F pcap -r "$lab/$1.pcapng" "$f" "$2"
  echo "$f"
}
wanted() {
  [ "${#only[@]}" -eq 0 ] && return 0
  local x
  for x in "${only[@]}"; do [ "$x" = "$1" ] && return 0; done
  return 1
}
# make OUT PIECE...: merged in time order into one pcapng
make() {
  local o="$1"; shift
  mergecap -F pcapng -w "$out/$o" "$@"
}
# exercise EXN "LAB LAB..." "PIECE ARGS" ...: one exercise, its capture (unless --expected) and its
# expected verdicts
exercise() {
  local ex="$1" sources="$2"; shift 2
  wanted "$ex" || return 0
  if [ "$expected_only" -eq 0 ]; then
    local pieces=() p
    for p in "$@"; do pieces+=("$(piece $p)"); done
    make "$ex.pcapng" "${pieces[@]}"
  fi
  # shellcheck disable=SC2086
  /usr/bin/python3 "$here/tests/guide/exercise_expected.py" "$out/$ex.pcapng" $sources
}

# ex1: one client probes three services of 10.77.4.2 with MPTCP (and kind 222) SYNs
exercise ex1 "mptcp-absent echo-kernel-v1 option222-echo-vs-linux syn-retransmit" \
  "mptcp-absent 1-10" "echo-kernel-v1 1-4" "option222-echo-vs-linux 1-6" "syn-retransmit 1-15"
# ex2: tracebox-style probes over IPv6
exercise ex2 tracebox-v6 "tracebox-v6 1-22"
# ex3: a SYN+ACK whose TSval is the SYN's
exercise ex3 netns-same-clock "netns-same-clock 1-10"
# ex4: an MPTCP client, a SYN+ACK without MP_CAPABLE
exercise ex4 synproxy-client "synproxy-client 1-18"
# ex5: SYN+ACKs that repeat a SYN's sequence number and options
exercise ex5 simultaneous-open "simultaneous-open 1-7"
# captures the guide never shows (lab scenarios echo-prefix, strip-synack-r2, synproxy-host)
# ex6: one box answering port 80 for a whole prefix
exercise ex6 echo-prefix "echo-prefix 1-41"
# ex7: a stripping rule on the way back, behind a clean tracebox sweep
exercise ex7 strip-synack-r2 "strip-synack-r2 1-21"
# ex8: a SYN proxy in front of an MPTCP host, on the router in front of it
exercise ex8 synproxy-host "synproxy-host 1-38"
ls -l "$out"/ex*.pcapng
