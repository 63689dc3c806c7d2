#!/usr/bin/env bash
# Runs the real tshark with the plugin from a build tree loaded, without
# installing it: tshark loads personal plugins only when not run as root
# (wsutil's started_with_special_privs), so as root it runs tshark as
# "nobody" with a throw-away HOME whose personal plugin folder links to the
# build output.
#
#   MIDDLEBOX_BUILD=build scripts/tshark-with-plugin.sh -r capture.pcapng -Y middlebox
#
# Set MIDDLEBOX_NO_PLUGIN=1 to run the same tshark the same way without it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
so="$(ls "$build"/plugins/*/epan/middlebox.so 2>/dev/null | head -n1 || true)"
if [ -z "$so" ] && [ -z "${MIDDLEBOX_NO_PLUGIN:-}" ]; then
  echo "tshark-with-plugin.sh: no middlebox.so under $build/plugins (build first: cmake --build $build)" >&2
  exit 2
fi
series="$(basename "$(dirname "$(dirname "$so")")")"
home="$(mktemp -d /tmp/middlebox-home.XXXXXX)"
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.local/lib/wireshark/plugins/$series/epan" "$home/.config/wireshark"
if [ -z "${MIDDLEBOX_NO_PLUGIN:-}" ]; then
  ln -s "$so" "$home/.local/lib/wireshark/plugins/$series/epan/middlebox.so"
  # The Qt dialog library, if built, sits in a subfolder (not a plugin itself).
  if [ -d "$build/plugins/$series/epan/middlebox" ]; then
    ln -s "$build/plugins/$series/epan/middlebox" "$home/.local/lib/wireshark/plugins/$series/epan/middlebox"
  fi
fi
chmod -R a+rX "$home"
if [ "$(id -u)" -eq 0 ]; then
  chown -R 65534:65534 "$home"
  HOME="$home" XDG_CONFIG_HOME="$home/.config" exec_cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
else
  exec_cmd=()
fi
HOME="$home" XDG_CONFIG_HOME="$home/.config" "${exec_cmd[@]}" "${TSHARK:-tshark}" "$@"
