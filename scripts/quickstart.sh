#!/usr/bin/env bash
# The newcomer's first command on a fresh Debian 12 machine: installs every
# package (needs root or sudo), builds, and shows the plugin's verdicts on a
# shipped capture, then its report.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
capture="${1:-$here/test_captures/replicas/kind222.pcapng}"
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
echo
echo "== Verdicts (tshark -2, the plugin loaded from ./build) on $(basename "$capture") =="
"$here/scripts/tshark-with-plugin.sh" -r "$capture" -2 -n -Y middlebox.verdict \
  -T fields -E header=y -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e middlebox.verdict \
  -e middlebox.syn_frame -e middlebox.synack_frame -e middlebox.diff
if "$here/scripts/tshark-with-plugin.sh" -G plugins 2>/dev/null | grep -q middlebox \
   && "$here/scripts/tshark-with-plugin.sh" -r "$capture" -q -z middlebox >/dev/null 2>&1; then
  echo
  echo "== tshark -q -z middlebox =="
  "$here/scripts/tshark-with-plugin.sh" -r "$capture" -q -z middlebox
fi
