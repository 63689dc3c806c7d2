#!/usr/bin/env bash
# Capture lab: builds a small network out of Linux network namespaces,
# runs every scenario for real (kernel MPTCP, iptables, scapy, tcpdump, zmap),
# checks each capture against what its scenario did, annotates it and writes
#   test_captures/lab/NAME.pcapng + NAME.expected.tsv
#
#   sudo tests/lab/run-lab.sh                 all scenarios
#   sudo tests/lab/run-lab.sh --only a,b      only these scenarios (names: --list)
#   sudo tests/lab/run-lab.sh --list          list scenario names
#   sudo tests/lab/run-lab.sh --out DIR       write somewhere else (default test_captures/lab)
#
# Topology (all addresses exist only inside the namespaces this script creates;
# no namespace has any link to the host's network, so no packet can leave):
#
#   client ==(10.77.1/24, fd77:1::/64)== r1 == r2 == middlebox == server == host
#          ==(10.77.6/24, fd77:6::/64)== r1   (second path, for MP_JOIN)
#   r1-r2 10.77.2/24   r2-mb 10.77.3/24   mb-server 10.77.4/24   server-host 10.77.5/24
#
# Needs root and the packages of `scripts/install-deps.sh --lab`.
# Everything it creates (namespaces mblab-*, their processes) is removed on exit,
# on failure too; leftovers of an interrupted run are removed first.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3          # Debian's python3, the one with python3-scapy
PFX="${MBLAB_PREFIX:-mblab-}"   # namespaces' prefix: set it to run beside another lab on one machine
export MBLAB_PREFIX="$PFX"
NSS=(client r1 r2 mb server host)
OUT="$REPO/test_captures/lab"
ONLY=""

while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --list) exec "$PY" "$HERE/lab.py" list ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run-lab.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then echo "run-lab.sh: must run as root" >&2; exit 2; fi
for t in ip iptables ip6tables tcpdump tshark editcap ethtool zmap "$PY"; do
  command -v "$t" >/dev/null || { echo "run-lab.sh: missing $t (scripts/install-deps.sh --lab)" >&2; exit 2; }
done
"$PY" -c 'import scapy' 2>/dev/null || { echo "run-lab.sh: $PY has no scapy (python3-scapy)" >&2; exit 2; }
[ -d /proc/sys/net/mptcp ] || { echo "run-lab.sh: this kernel has no MPTCP" >&2; exit 2; }

WORK=""
cleanup() {
  local rc=$?
  set +e
  for n in "${NSS[@]}"; do
    local ns="$PFX$n"
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    # only processes living in our own namespaces: ours
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  sleep 0.3
  for n in "${NSS[@]}"; do
    local ns="$PFX$n"
    ip netns list 2>/dev/null | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  [ -n "$WORK" ] && [ -z "${LAB_KEEP:-}" ] && rm -rf "$WORK"
  return $rc
}
PYPID=""
trap cleanup EXIT
# a signal stops the scenario runner first (its child processes live in our namespaces and are
# ended by cleanup), then exits through cleanup
trap '[ -n "$PYPID" ] && kill "$PYPID" 2>/dev/null; exit 130' INT TERM

x() { ip netns exec "$PFX$1" "${@:2}"; }

# veth NS1 IF1 ADDR4/24 ADDR6/64  NS2 IF2 ADDR4/24 ADDR6/64
veth() {
  ip link add name "$2" netns "$PFX$1" type veth peer name "$6" netns "$PFX$5"
  x "$1" ip addr add "$3" dev "$2"; x "$1" ip addr add "$4" dev "$2" nodad
  x "$5" ip addr add "$7" dev "$6"; x "$5" ip addr add "$8" dev "$6" nodad
  for side in "$1 $2" "$5 $6"; do
    set -- $side
    x "$1" ethtool -K "$2" tx off rx off gso off tso off gro off >/dev/null 2>&1 || true
    x "$1" ip link set "$2" up
  done
}

setup() {
  for n in "${NSS[@]}"; do
    ip netns add "$PFX$n"
    x "$n" ip link set lo up
    x "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
      net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 \
      net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.accept_ra=0 \
      net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 net.mptcp.enabled=1
  done
  veth client c-r1  10.77.1.2/24 fd77:1::2/64  r1 r1-c  10.77.1.1/24 fd77:1::1/64
  veth client c-r1b 10.77.6.2/24 fd77:6::2/64  r1 r1-cb 10.77.6.1/24 fd77:6::1/64
  veth r1 r1-r2     10.77.2.1/24 fd77:2::1/64  r2 r2-r1 10.77.2.2/24 fd77:2::2/64
  veth r2 r2-mb     10.77.3.1/24 fd77:3::1/64  mb mb-r2 10.77.3.2/24 fd77:3::2/64
  veth mb mb-s      10.77.4.1/24 fd77:4::1/64  server s-mb 10.77.4.2/24 fd77:4::2/64
  veth server s-h   10.77.5.1/24 fd77:5::1/64  host h-s 10.77.5.2/24 fd77:5::2/64

  # client: main path by default; the second address uses the second path (policy routing)
  x client ip route add default via 10.77.1.1 dev c-r1
  x client ip -6 route add default via fd77:1::1 dev c-r1
  x client ip rule add from 10.77.6.2 table 106
  x client ip route add default via 10.77.6.1 dev c-r1b table 106
  x client ip -6 rule add from fd77:6::2 table 106
  x client ip -6 route add default via fd77:6::1 dev c-r1b table 106
  x r1 ip route add default via 10.77.2.2
  x r1 ip -6 route add default via fd77:2::2
  x r2 ip route add default via 10.77.3.2
  x r2 ip -6 route add default via fd77:3::2
  for p in 1 6; do
    x r2 ip route add 10.77.$p.0/24 via 10.77.2.1
    x r2 ip -6 route add fd77:$p::/64 via fd77:2::1
  done
  x mb ip route add default via 10.77.4.2
  x mb ip -6 route add default via fd77:4::2
  for p in 1 2 6; do
    x mb ip route add 10.77.$p.0/24 via 10.77.3.1
    x mb ip -6 route add fd77:$p::/64 via fd77:3::1
  done
  x server ip route add default via 10.77.4.1
  x server ip -6 route add default via fd77:4::1
  x host ip route add default via 10.77.5.1
  x host ip -6 route add default via fd77:5::1
}

START=$(date +%s.%N)
cleanup || true          # leftovers of an interrupted earlier run
WORK="$(mktemp -d "/tmp/${PFX}work.XXXXXX")"
setup
echo "run-lab.sh: namespaces up"
set +e
"$PY" "$HERE/lab.py" run --out "$OUT" --work "$WORK" ${ONLY:+--only "$ONLY"} --start "$START" &
PYPID=$!
wait "$PYPID"
rc=$?
PYPID=""
set -e
exit $rc
