#!/usr/bin/env bash
# How fast a scan may come at middlebox-scan -i before frames are lost: a
# generated real-mix scan (gen-scan, bench/gen_scan.cpp) sent by send-frames
# (bench/send_frames.cpp: the capture in memory, sendmmsg batches on an
# AF_PACKET socket, paced per batch) over a veth pair between two network
# namespaces this script creates (and removes), at rising rates, in one run.
# For each ring size (-B) and rate: the rate the sender reached, the frames
# the scanner analysed, the kernel's drops from its ndjson totals, frames
# lost before the capture saw them (sent - analysed - drops), and the
# scanner's CPU seconds. Root only; never a timed test.
#
#   sudo bench/live_rate.sh [--build DIR] [--handshakes N] [--rates "R1 R2 ... 0"] [--buffers "2 64"]
#
# A rate of 0 is as fast as send-frames can. Namespace and veth names start
# with $LIVE_PREFIX (default mblive<pid>).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$root/build}"
n=1000000
rates="50000 100000 200000 400000 800000 0"
buffers="2 64"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --handshakes) n="$2"; shift 2 ;;
    --rates) rates="$2"; shift 2 ;;
    --buffers) buffers="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "live_rate.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "live_rate.sh: must run as root" >&2; exit 2; }
scan="$build/cli/middlebox-scan"
tag="${LIVE_PREFIX:-mblive$$}"
a="$tag-a" b="$tag-b"
work="$(mktemp -d /var/tmp/"$tag".XXXXXX)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add "$tag-0" netns "$a" type veth peer name "$tag-1" netns "$b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "$tag-0" up
ip -n "$b" link set "$tag-1" up
chmod 0777 "$work"

"$build/bench/gen-scan" -n "$n" -o "$work/scan.pcap" >/dev/null
packets=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$work/scan.pcap.truth.json")
tick=$(getconf CLK_TCK)
echo "scan: $n SYNs, $packets packets (real mix); middlebox-scan -i --format ndjson --only answered"
echo "| -B MiB | asked pps | sent pps | frames analysed | kernel drops | lost before capture | scanner CPU s |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for buf in $buffers; do
  for r in $rates; do
    ip netns exec "$a" "$scan" -i "$tag-0" -B "$buf" --format ndjson --only answered -o "$work/out.ndjson" \
      --no-progress -q 2>"$work/scan.err" &
    pid=$!
    for _ in $(seq 100); do
      [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = 65534 ] && break
      sleep 0.1
    done
    sent="$(ip netns exec "$b" "$build/bench/send-frames" -i "$tag-1" --pps "$r" "$work/scan.pcap")"
    sleep 1
    cpu=$(awk -v t="$tick" '{printf "%.2f", ($14 + $15) / t}' "/proc/$pid/stat")
    kill -INT "$pid"
    wait "$pid" || true
    pid=""
    python3 - "$work/out.ndjson" "$buf" "$r" "$sent" "$packets" "$cpu" <<'PY'
import json, re, sys
out, buf, rate, sent, packets, cpu = sys.argv[1:]
last = json.loads(open(out).read().splitlines()[-1])
t, f = last["totals"], last["frames"]
analysed = sum(f.values())
m = re.search(r"sent (\d+) frames in [\d.]+ s: (\d+) pps", sent)
lost = int(m.group(1)) - analysed - t["kernel_drops"]
print("| %s | %s | %s | %d | %d | %d | %s |" % (buf, "max" if rate == "0" else format(int(rate), ","),
                                               format(int(m.group(2)), ","), analysed, t["kernel_drops"], lost, cpu))
PY
  done
done
