#!/usr/bin/env bash
# How fast a scan may come at middlebox-scan -i before the kernel drops
# frames: a generated real-mix scan (bench/gen_scan.py --mix real) replayed
# with tcpreplay over a veth pair between two network namespaces this script
# creates (and removes), at rising rates, in one run. For each rate and ring
# size (-B): the rate tcpreplay reached, the frames the scanner analysed,
# the kernel drops from its ndjson totals. Root only; never a timed test.
#
#   sudo bench/live_rate.sh [--build DIR] [--handshakes N] [--rates "R1 R2 ... 0"] [--buffers "64 256"]
#
# A rate of 0 is tcpreplay --topspeed. Namespace and veth names start with
# $LIVE_PREFIX (default mblive<pid>).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$root/build}"
n=1000000
rates="50000 100000 200000 400000 800000 0"
buffers="64 256"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --handshakes) n="$2"; shift 2 ;;
    --rates) rates="$2"; shift 2 ;;
    --buffers) buffers="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
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

python3 "$root/bench/gen_scan.py" -n "$n" --mix real --template --out "$work/scan.pcap" >/dev/null
packets=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$work/scan.pcap.truth.json")
echo "scan: $n SYNs, $packets packets (real mix); middlebox-scan -i --format ndjson --only answered"
echo "| -B MiB | asked pps | tcpreplay pps | frames analysed | kernel drops | reliable |"
echo "|---:|---:|---:|---:|---:|---|"
for buf in $buffers; do
  for r in $rates; do
    ip netns exec "$a" "$scan" -i "$tag-0" -B "$buf" --format ndjson --only answered -o "$work/out.ndjson" \
      --no-progress -q 2>"$work/scan.err" &
    pid=$!
    for _ in $(seq 100); do
      [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = 65534 ] && break
      sleep 0.1
    done
    if [ "$r" = 0 ]; then speed=(--topspeed); else speed=(--pps="$r"); fi
    got="$(ip netns exec "$b" tcpreplay -i "$tag-1" "${speed[@]}" "$work/scan.pcap" 2>&1 |
           awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /pps/) print $(i-1)}' | head -1)"
    sleep 1
    kill -INT "$pid"
    wait "$pid" || true
    pid=""
    python3 - "$work/out.ndjson" "$buf" "$r" "${got:-?}" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
t, f = last["totals"], last["frames"]
print("| %s | %s | %s | %d | %d | %s |" % (sys.argv[2], "topspeed" if sys.argv[3] == "0" else sys.argv[3],
                                         sys.argv[4], sum(f.values()), t["kernel_drops"],
                                         "yes" if t["reliable"] else "no"))
PY
  done
done
