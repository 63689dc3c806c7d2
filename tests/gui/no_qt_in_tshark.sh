#!/usr/bin/env bash
# Qt stays out of tshark: the plugin links no Qt library, and a tshark run
# that loads the plugin (and uses it) maps none. The dialog library is only
# dlopen()ed by the Wireshark GUI when its menu entry fires.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
so="$(ls "$build"/plugins/*/epan/middlebox.so | head -n1)"
qt="$(dirname "$so")/middlebox/middlebox-qt.so"

fail() { echo "no_qt_in_tshark: FAIL: $*" >&2; exit 1; }

if readelf -d "$so" | grep -qi 'libQt'; then fail "$so links Qt: $(readelf -d "$so" | grep -i libQt)"; fi
[ -f "$qt" ] || fail "no dialog library at $qt"
readelf -d "$qt" | grep -q 'libQt[56]Widgets' || fail "$qt does not link Qt Widgets"
# The library exports its entry point only.
exports="$(nm -D --defined-only "$qt" | awk '{print $3}' | grep -v '^$' | sort | tr '\n' ' ')"
[ "$exports" = "middlebox_qt_open " ] || fail "$qt exports more than middlebox_qt_open: $exports"

tmp="$(mktemp -d /tmp/middlebox-noqt.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
# tshark as an unprivileged user (root ignores personal plugins) with copies
# of the plugin and of the dialog library in its personal plugin folder.
series="$(basename "$(dirname "$(dirname "$so")")")"
plugins="$tmp/home/.local/lib/wireshark/plugins/$series/epan"
mkdir -p "$plugins/middlebox" "$tmp/home/.config"
cp "$so" "$plugins/"
cp "$qt" "$plugins/middlebox/"
cp "$here/test_captures/replicas/v0-echo.pcapng" "$tmp/"
chmod -R a+rX "$tmp"
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R 65534:65534 "$tmp/home"
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
# LD_DEBUG=libs lists every library the dynamic loader brings in.
HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" LD_DEBUG=libs "${as[@]}" tshark \
  -r "$tmp/v0-echo.pcapng" -Y 'middlebox.verdict == "mptcp-echo"' >"$tmp/out" 2>"$tmp/ld"
grep -q 'middlebox.so' "$tmp/ld" || fail "tshark did not load the plugin (see LD_DEBUG output)"
grep -q 'SYN, ACK' "$tmp/out" || fail "the plugin did not work in that run: $(cat "$tmp/out")"
if grep -qiE 'libQt[0-9]' "$tmp/ld"; then fail "tshark loaded Qt: $(grep -iE 'calling init:.*libQt' "$tmp/ld" | head -3)"; fi
echo "no_qt_in_tshark: tshark loaded the plugin and no Qt library"
