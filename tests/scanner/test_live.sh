#!/usr/bin/env bash
# middlebox-scan -i, in two network namespaces this test creates
# and removes: a client and a server joined by a veth pair. The scanner
# captures on the client's side with its default filter, gives up root once
# the interface is open (it must run as "nobody" before any traffic), sees
# one handshake a SYN+ACK answers and one a RST answers, and prints its
# report on Ctrl-C (SIGINT). Root only: exits 77 (skipped) otherwise.
#
#   tests/scanner/test_live.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-${MIDDLEBOX_BUILD:-$root/build}}"
scan="$build/cli/middlebox-scan"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
  echo "SKIP: needs root and iproute2 (network namespaces)"
  exit 77
fi
[ -x "$scan" ] || { echo "FAIL: no $scan"; exit 1; }

tag="mbscan$$"
cli="$tag-c" srv="$tag-s"
work="$(mktemp -d /tmp/middlebox-scan-live.XXXXXX)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  ip netns pids "$srv" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  ip netns del "$srv" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$cli"
ip netns add "$srv"
ip link add "$tag-a" netns "$cli" type veth peer name "$tag-b" netns "$srv"
ip -n "$cli" addr add 10.231.0.1/24 dev "$tag-a"
ip -n "$srv" addr add 10.231.0.2/24 dev "$tag-b"
for ns in "$cli" "$srv"; do ip -n "$ns" link set lo up; done
ip -n "$cli" link set "$tag-a" up
ip -n "$srv" link set "$tag-b" up

# A listener on 8080; 8081 is closed (the kernel answers with a RST).
ip netns exec "$srv" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.231.0.2", 8080)); s.listen(8)
while True:
    c, _ = s.accept(); c.close()' &
chmod 0777 "$work"
ip netns exec "$cli" "$scan" -i "$tag-a" --format json -o "$work/report.json" --no-progress 2>"$work/stderr" &
pid=$!

# Ready when it runs as nobody: the interface is open and root is gone.
for _ in $(seq 100); do
  uid="$(awk '/^Uid:/ {print $2 "," $3}' "/proc/$pid/status" 2>/dev/null || true)"
  [ "$uid" = "65534,65534" ] && break
  sleep 0.1
done
if [ "$uid" != "65534,65534" ]; then
  echo "FAIL: middlebox-scan did not give up root after opening the interface (uid $uid)"
  cat "$work/stderr"
  exit 1
fi

ip netns exec "$cli" python3 -c '
import socket, time
for port in (8080, 8081):
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect(("10.231.0.2", port))
    except OSError:
        pass
    s.close()
    time.sleep(0.2)'
sleep 0.5
kill -INT "$pid"
status=0
wait "$pid" || status=$?
pid=""
if [ "$status" -ne 0 ]; then
  echo "FAIL: middlebox-scan exited with $status after SIGINT"
  cat "$work/stderr"
  exit 1
fi
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["totals"]
servers = sorted((s["address"], s["port"], s["verdicts"]) for s in r["servers"])
want = [("10.231.0.2", 8080, {"plain": 1}), ("10.231.0.2", 8081, {"rst": 1})]
if servers != want or t["handshakes"] != 2 or t.get("kernel_drops") != 0 or t.get("reliable") is not True:
    print("FAIL: live report", json.dumps(servers), json.dumps(t))
    sys.exit(1)
print("ok   live capture in a namespace: one plain handshake, one RST, report on SIGINT, ran as nobody, "
      "no kernel drops in the totals")
PY

# Kernel drops reach the totals: the scanner stopped (SIGSTOP) behind a
# 1 MiB ring while a scan of 20000 SYNs is replayed at it.
if command -v tcpreplay >/dev/null; then
  python3 "$root/bench/gen_scan.py" -n 20000 --mix real --out "$work/burst.pcap" >/dev/null
  ip netns exec "$cli" "$scan" -i "$tag-a" -B 1 --format ndjson --only answered -o "$work/drops.ndjson" \
    --no-progress 2>"$work/drops.stderr" &
  pid=$!
  for _ in $(seq 100); do
    [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = 65534 ] && break
    sleep 0.1
  done
  kill -STOP "$pid"
  ip netns exec "$srv" tcpreplay -q -i "$tag-b" --topspeed "$work/burst.pcap" >/dev/null 2>&1
  kill -CONT "$pid"
  sleep 0.5
  kill -INT "$pid"
  wait "$pid" || true
  pid=""
  python3 - "$work/drops.ndjson" <<'PY'
import json, sys
t = json.loads(open(sys.argv[1]).read().splitlines()[-1])["totals"]
if not (t.get("kernel_drops", 0) > 0 and t.get("reliable") is False):
    print("FAIL: kernel drops not in the totals:", json.dumps(t))
    sys.exit(1)
print("ok   kernel drops of -i in the ndjson totals (%d), \"reliable\": false" % t["kernel_drops"])
PY
else
  echo "FAIL: tcpreplay missing (scripts/install-deps.sh --lab)"
  exit 1
fi
