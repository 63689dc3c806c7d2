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
#   tests/guide/make_exercises.sh [OUTDIR]      (default test_captures/exercises)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
lab="$here/test_captures/lab"
out="${1:-$here/test_captures/exercises}"
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
# make OUT PIECE...: merged in time order into one pcapng
make() {
  local o="$1"; shift
  mergecap -F pcapng -w "$out/$o" "$@"
}

# ex1: one client probes three services of 10.77.4.2 with MPTCP (and kind 222) SYNs
make ex1.pcapng "$(piece mptcp-absent 1-10)" "$(piece echo-kernel-v1 1-4)" \
                "$(piece option222-echo-vs-linux 1-6)" "$(piece syn-retransmit 1-15)"
# ex2: tracebox-style probes over IPv6
make ex2.pcapng "$(piece tracebox-v6 1-22)"
# ex3: a SYN+ACK whose TSval is the SYN's
make ex3.pcapng "$(piece netns-same-clock 1-10)"
# ex4: an MPTCP client, a SYN+ACK without MP_CAPABLE
make ex4.pcapng "$(piece synproxy-client 1-18)"
# ex5: SYN+ACKs that repeat a SYN's sequence number and options
make ex5.pcapng "$(piece simultaneous-open 1-7)"
ls -l "$out"/ex*.pcapng
