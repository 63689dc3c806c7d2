#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, the lab and the
# GUI tests need. Idempotent; run as root (or through sudo).
#
#   scripts/install-deps.sh            build + tests (default)
#   scripts/install-deps.sh --lab      also the capture lab's tools
set -euo pipefail

want_lab=0
for a in "$@"; do
  case "$a" in
    --lab) want_lab=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$a' (valid: --lab)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

pkgs=(
  # build
  build-essential cmake pkg-config
  libwireshark-dev wireshark-dev libglib2.0-dev   # the plugin; libwiretap: middlebox-scan's file reader
  qtbase5-dev
  # middlebox-scan: live capture and classic pcap, argument parsing, zmap's gzip'd CSV
  libpcap-dev libcli11-dev zlib1g-dev
  # run and test
  tshark wireshark-qt wireshark-common
  libgtest-dev googletest
  python3
  python3-scapy         # the lab corpus's checker re-derives every capture's facts with it
  util-linux            # setpriv: run tshark unprivileged so it loads personal plugins
  iproute2              # network namespaces for the live-capture tests
  tcpreplay             # scanner.live: a scan replayed at the live capture (kernel drops, rates)
  file                  # CPack's DEB generator (the package test)
  time                  # /usr/bin/time -v: peak memory in the sanitizer and bench runs
  # GUI end-to-end test (imagemagick also joins the guide's figures side by side)
  xvfb xdotool imagemagick x11-utils
  # the guide's figures, drawn from sources in docs/figures/ (ctest guide.figures renders them)
  graphviz mscgen fonts-dejavu-core    # the figures name DejaVu Sans: the same PNG everywhere
  # fuzzing, sanitizers, instruction counts
  clang libclang-rt-14-dev valgrind
  clang-format          # ctest style.format: the house style (.clang-format)
)
if [ "$want_lab" -eq 1 ]; then
  pkgs+=(iptables tcpdump zmap mptcpd ethtool procps)
  # current zmap built from its source (tcp_synopt; Debian's 2.1.1 lacks it):
  # tests/lab/build-zmap.sh
  pkgs+=(git libgmp-dev gengetopt flex byacc libjson-c-dev libunistring-dev libjudy-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps.sh: all ${#pkgs[@]} packages already installed"
  exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
