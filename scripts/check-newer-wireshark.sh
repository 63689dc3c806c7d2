#!/usr/bin/env bash
# Builds the plugin against a newer Debian's Wireshark in a debootstrap chroot
# and runs the tshark suites there (unit tests, expected verdicts over every
# capture, fields and expert info, the -z middlebox goldens, lab, bench
# counts). Not part of CI: it downloads a base system and Wireshark (~600 MB)
# and takes about 10 minutes. As root, on Debian 12:
#
#   scripts/check-newer-wireshark.sh            # Debian 13 "trixie": Wireshark 4.4
#   scripts/check-newer-wireshark.sh sid        # unstable: the newest Wireshark
#   scripts/check-newer-wireshark.sh trixie --qt   # also the Qt dialog (Qt 6 there),
#                                                  # its offscreen test included
#   scripts/check-newer-wireshark.sh sid --gui     # --qt, and the GUI end-to-end tests
#                                                  # (tests/gui/e2e.sh file, live, profile) in
#                                                  # that Wireshark under Xvfb
#   scripts/check-newer-wireshark.sh trixie --package
#                                                  # --qt, and the .deb for that Debian's
#                                                  # Wireshark series, install-tested there as
#                                                  # gui.package_deb does; copied to
#                                                  # build/packages/<suite>/
#
# The chroot stays in /var/tmp/middlebox-<suite> (reused on the next run).
# With --gui the screenshots are copied to tests/artifacts/<suite>/.
set -euo pipefail
suite=trixie
with_qt=0
with_gui=0
with_package=0
for a in "$@"; do
  case "$a" in
    --qt) with_qt=1 ;;
    --gui) with_qt=1; with_gui=1 ;;
    --package) with_qt=1; with_package=1 ;;
    -*) echo "check-newer-wireshark.sh: unknown option '$a' (valid: --qt, --gui, --package)" >&2; exit 2 ;;
    *) suite="$a" ;;
  esac
done
here="$(cd "$(dirname "$0")/.." && pwd)"
root="/var/tmp/middlebox-$suite"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ "$(id -u)" -ne 0 ]; then
  echo "check-newer-wireshark.sh: run as root (debootstrap, chroot)" >&2
  exit 2
fi
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
if [ ! -x "$root/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase "$suite" "$root" "$mirror"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mountpoint -q "$root/proc" || mount --bind /proc "$root/proc"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
trap 'umount "$root/dev/pts" "$root/proc" "$root/dev" 2>/dev/null || true' EXIT
# A mirror that serves a frozen copy of the archive (as here) carries a
# Release file past its Valid-Until date; the packages are still signed.
chroot "$root" bash -c "DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false update -q && \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  build-essential cmake pkg-config libwireshark-dev wireshark-dev tshark libgtest-dev python3 ca-certificates util-linux \
  libpcap-dev libcli11-dev zlib1g-dev python3-scapy file"

# The source as committed plus the work tree's edits. The chroot's build
# folder stays: unchanged files keep their times, so the build is incremental.
mkdir -p "$root/src"
find "$root/src" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
(cd "$here" && git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T -) | tar -xf - -C "$root/src"

chroot "$root" tshark --version | head -n1
if [ "$with_qt" = 1 ]; then
  # The dialog's build follows the Qt that /usr/bin/wireshark links (Qt 6 there).
  # The GUI test's tools are those of scripts/install-deps.sh; a font, or Qt
  # draws no text in the screenshots.
  gui_pkgs=""
  [ "$with_gui" = 1 ] && gui_pkgs="xvfb xdotool imagemagick x11-utils fonts-dejavu-core"
  # The package test: CPack's DEB generator runs file; dpkg-shlibdeps names the libraries.
  [ "$with_package" = 1 ] && gui_pkgs="$gui_pkgs file dpkg-dev"
  chroot "$root" bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qt6-base-dev wireshark $gui_pkgs"
  qt=ON
  tests='integration|report.tshark|lab|bench.counts|qt.dialog|gui.no_qt_in_tshark|gui.profile'
else
  qt=OFF
  tests='integration|report.tshark|lab|bench.counts'
fi
chroot "$root" bash -c "cd /src && cmake -S . -B build -DMIDDLEBOX_QT=$qt -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && \
  cmake --build build -j$(nproc)"
rc=0
chroot "$root" bash -c "cd /src/build && ./tests/unit_tests --gtest_brief=1 && \
  QT_QPA_PLATFORM=offscreen ctest --output-on-failure -R '$tests'" || rc=1

if [ "$with_package" = 1 ]; then
  # The package of this series: built, then installed, used and purged in an
  # overlay of the chroot (tests/gui/package_test.sh, as gui.package_deb on Debian 12).
  chroot "$root" bash -c "cd /src && MIDDLEBOX_BUILD=/src/build bash tests/gui/package_test.sh" || rc=1
  rm -rf "$root/src/build/packages"
  chroot "$root" bash -c "cd /src/build && cpack -G DEB -B /src/build/packages >/dev/null" || rc=1
  mkdir -p "$here/build/packages/$suite"
  cp "$root"/src/build/packages/*.deb "$here/build/packages/$suite/" || rc=1
  for deb in "$here/build/packages/$suite"/*.deb; do
    echo "check-newer-wireshark.sh: $deb: Depends: $(dpkg-deb -f "$deb" Depends)"
  done
fi

if [ "$with_gui" = 1 ]; then
  # The real wireshark of that Debian, driven by xdotool under Xvfb, as in CI
  # on Debian 12. Each mode runs whatever failed before it.
  rm -rf "$root/src/tests/artifacts"
  for mode in file live profile; do
    chroot "$root" bash -c "cd /src && MIDDLEBOX_BUILD=/src/build MIDDLEBOX_ARTIFACTS=/src/tests/artifacts \
      bash tests/gui/e2e.sh $mode" || rc=1
  done
  mkdir -p "$here/tests/artifacts/$suite"
  cp "$root"/src/tests/artifacts/*.png "$here/tests/artifacts/$suite/" 2>/dev/null || true
  echo "check-newer-wireshark.sh: screenshots in $here/tests/artifacts/$suite/"
fi
exit "$rc"
