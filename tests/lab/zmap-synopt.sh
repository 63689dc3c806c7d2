#!/usr/bin/env bash
# A real zmap tcp_synopt scan of lab servers, recorded three ways, as a
# researcher has it: a full capture (probes and answers), a capture of the
# answers only (a filter on the scanner's source ports) and zmap's own CSV
# results. middlebox-scan must find the same suspects in all three
# (tests/scanner/test_zmap_lab.py checks the committed files).
#
#   sudo tests/lab/zmap-synopt.sh [--out DIR]     default DIR: test_captures/zmap
#
# Writes DIR/zmap-synopt-full.pcapng, DIR/zmap-synopt-answers.pcapng (each
# with its .expected.tsv), DIR/zmap-synopt.csv and DIR/zmap-synopt.json (the
# probe template, the command and what each target is).
#
# Two network namespaces, made here and removed on exit (on failure too);
# no link to the host's network, so no packet can leave:
#   mb22-zc  the scanner, 10.22.0.1, runs zmap and tcpdump on mb22-zc0
#   mb22-zs  the servers, all on its end of the veth (mb22-zs0):
#            10.22.0.2:80  Linux TCP listener (no MPTCP): drops MP_CAPABLE and kind 222
#            10.22.0.3:80  Linux MPTCP listener: MP_CAPABLE with its own key (genuine)
#            10.22.0.4:80  an echoing box (tests/lab/roles.py echo-proxy): the SYN's options back
#            10.22.0.5:80  nothing listens: RST
#            10.22.0.6     no such host: silence
# zmap: built from source by tests/lab/build-zmap.sh (ZMAP=path to use another).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/test_captures/zmap"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "zmap-synopt.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "zmap-synopt.sh: must run as root" >&2; exit 2; }
ZMAP="${ZMAP:-$("$HERE/build-zmap.sh" | tail -1)}"
PY=/usr/bin/python3
C=mb22-zc S=mb22-zs
# MSS 1460, SACK_PERM, NOP, NOP, MP_CAPABLE v1 (the 4-byte keyless SYN form), kind 222 (ExID f989)
PROBE="hex:020405b4040201011e040181de04f989"
TARGETS=(10.22.0.2 10.22.0.3 10.22.0.4 10.22.0.5 10.22.0.6)
WORK=""
x() { ip netns exec "$1" "${@:2}"; }

cleanup() {
  local rc=$?
  set +e
  for ns in $C $S; do
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  sleep 0.3
  for ns in $C $S; do
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  [ -n "$WORK" ] && rm -rf "$WORK"
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup || true
WORK="$(mktemp -d /var/tmp/mb22-zmaplab.XXXXXX)"

ip netns add $C; ip netns add $S
for ns in $C $S; do
  x $ns ip link set lo up
  x $ns sysctl -qw net.mptcp.enabled=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ip link add name mb22-zc0 netns $C type veth peer name mb22-zs0 netns $S
x $C ip addr add 10.22.0.1/24 dev mb22-zc0
for a in 2 3 4 5; do x $S ip addr add 10.22.0.$a/24 dev mb22-zs0; done
for side in "$C mb22-zc0" "$S mb22-zs0"; do
  set -- $side
  x "$1" ethtool -K "$2" tx off rx off gso off tso off gro off >/dev/null 2>&1 || true
  x "$1" ip link set "$2" up
done
GWMAC="$(x $S cat /sys/class/net/mb22-zs0/address)"
# The box answers for 10.22.0.4; its kernel must not reset those SYNs.
x $S iptables -A INPUT -d 10.22.0.4 -p tcp --dport 80 -j DROP

# The listeners: one plain, one MPTCP, each on its own address.
x $S "$PY" -c '
import socket, sys, time
IPPROTO_MPTCP = getattr(socket, "IPPROTO_MPTCP", 262)
ls = []
for addr, proto in (("10.22.0.2", 0), ("10.22.0.3", IPPROTO_MPTCP)):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 80)); s.listen(64); ls.append(s)
open(sys.argv[1], "w").close()
time.sleep(120)
' "$WORK/listening" &
"$PY" - "$WORK/listening" <<'PYEOF'
import os, sys, time
for _ in range(100):
    if os.path.exists(sys.argv[1]): break
    time.sleep(0.05)
PYEOF
x $S "$PY" "$HERE/roles.py" echo-proxy --iface mb22-zs0 --match 10.22.0.4:80 --ready "$WORK/echo-ready" \
  --log "$WORK/echo.log" --lifetime 120 &
for _ in $(seq 100); do [ -e "$WORK/echo-ready" ] && break; sleep 0.1; done
[ -e "$WORK/echo-ready" ] || { echo "zmap-synopt.sh: the echo box did not start" >&2; exit 1; }

# Two captures on the scanner's interface: everything, and its answers only.
x $C tcpdump -i mb22-zc0 -s 0 -U -w "$WORK/full.pcap" tcp 2>"$WORK/tcpdump-full.log" &
x $C tcpdump -i mb22-zc0 -s 0 -U -w "$WORK/answers.pcap" 'tcp dst portrange 40000-40099' \
  2>"$WORK/tcpdump-answers.log" &
sleep 1.5

printf '%s/32\n' "${TARGETS[@]}" >"$WORK/allow.txt"
: >"$WORK/block.txt"
FIELDS="saddr,daddr,ttl,sport,dport,seqnum,acknum,window,optionshex,classification,success,repeat"
ZCMD=(--probe-module=tcp_synopt "--probe-args=$PROBE" -p 80 -i mb22-zc0 -G "$GWMAC" -S 10.22.0.1 -s 40000-40099
      -w "$WORK/allow.txt" -b "$WORK/block.txt" -r 50 -c 3 -T 1 -O csv -f "$FIELDS" --output-filter= -o "$WORK/zmap.csv")
x $C "$ZMAP" "${ZCMD[@]}" --disable-syslog -q 2>"$WORK/zmap.log" >/dev/null || {
  tail -20 "$WORK/zmap.log" >&2; exit 1; }
sleep 1
for pid in $(ip netns pids $C); do kill -INT "$pid" 2>/dev/null || true; done
sleep 1

mkdir -p "$OUT"
editcap -F pcapng "$WORK/full.pcap" "$OUT/zmap-synopt-full.pcapng"
editcap -F pcapng "$WORK/answers.pcap" "$OUT/zmap-synopt-answers.pcapng"
cp "$WORK/zmap.csv" "$OUT/zmap-synopt.csv"
"$PY" - "$OUT" "$PROBE" "zmap ${ZCMD[*]}" <<'PYEOF'
"""The expected verdicts, from what each target is (not from the plugin):
SYN and SYN+ACK of a target get its verdict, linked to each other; the RST
answering a SYN to the closed port, rst; an unanswered SYN, no-answer. In
the answers-only capture a SYN+ACK has no SYN (no-syn) and an RST answers
nothing."""
import json, subprocess, sys
out, probe, cmd = sys.argv[1:4]
ROLE = {"10.22.0.2": "mptcp-absent", "10.22.0.3": "mptcp-genuine", "10.22.0.4": "mptcp-echo",
        "10.22.0.5": "rst", "10.22.0.6": "no-answer"}
WHAT = {"10.22.0.2": "Linux TCP listener without MPTCP: drops MP_CAPABLE and kind 222",
        "10.22.0.3": "Linux MPTCP listener: MP_CAPABLE with its own key",
        "10.22.0.4": "an echoing box: the SYN's options back, byte for byte",
        "10.22.0.5": "nothing listens on port 80: RST", "10.22.0.6": "no such host: no answer"}
def frames(capture):
    f = subprocess.run(["tshark", "-r", capture, "-n", "-T", "fields", "-E", "separator=,", "-e", "frame.number",
                        "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags"],
                       capture_output=True, check=True).stdout.decode().split()
    return [dict(zip(("n", "src", "dst", "sport", "dport", "flags"), l.split(","))) for l in f]
for name, with_syns in (("zmap-synopt-full", True), ("zmap-synopt-answers", False)):
    rows, syn_of = {}, {}
    for p in frames(f"{out}/{name}.pcapng"):
        fl = int(p["flags"], 16)
        if fl & 0x12 == 0x02 and p["src"] == "10.22.0.1":
            syn_of[(p["dst"], p["sport"])] = p["n"]
            rows[p["n"]] = [ROLE[p["dst"]], ""]
        elif fl & 0x12 == 0x12 and p["dst"] == "10.22.0.1":
            syn = syn_of.get((p["src"], p["dport"]))
            rows[p["n"]] = [ROLE[p["src"]] if syn else "no-syn", syn or ""]
            if syn: rows[syn][1] = p["n"]
        elif fl & 0x04 and p["dst"] == "10.22.0.1" and p["src"] == "10.22.0.5":
            syn = syn_of.get((p["src"], p["dport"]))
            if syn:
                rows[p["n"]] = ["rst", syn]
                rows[syn][1] = p["n"]
    with open(f"{out}/{name}.expected.tsv", "w") as f:
        f.write(f"# {'a real zmap tcp_synopt scan, ' + ('probes and answers' if with_syns else 'the answers only (tcpdump filter: tcp dst portrange 40000-40099)')}\n")
        f.write(f"# probe template {probe}; tests/lab/zmap-synopt.sh\nframe\tverdict\tlink\n")
        for n in sorted(rows, key=int):
            f.write(f"{n}\t{rows[n][0]}\t{rows[n][1]}\n")
json.dump({"probe": probe, "command": cmd, "targets": WHAT, "expected": ROLE,
           "suspects": sorted(a for a, v in ROLE.items() if v.endswith("echo"))},
          open(f"{out}/zmap-synopt.json", "w"), indent=1, sort_keys=True)
PYEOF
echo "zmap-synopt.sh: wrote $OUT/zmap-synopt-{full,answers}.pcapng, zmap-synopt.csv, zmap-synopt.json"
cat "$OUT/zmap-synopt.csv"
