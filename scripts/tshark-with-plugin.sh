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
# Copies, not links: the build tree may sit under a folder "nobody" cannot enter.
if [ -z "${MIDDLEBOX_NO_PLUGIN:-}" ]; then
  cp "$so" "$home/.local/lib/wireshark/plugins/$series/epan/middlebox.so"
  # The Qt dialog library, if built, sits in a subfolder (not a plugin itself).
  if [ -d "$build/plugins/$series/epan/middlebox" ]; then
    cp -r "$build/plugins/$series/epan/middlebox" "$home/.local/lib/wireshark/plugins/$series/epan/middlebox"
  fi
fi
chmod -R a+rX "$home"
exec_cmd=()
args=("$@")
if [ "$(id -u)" -eq 0 ]; then
  chown -R 65534:65534 "$home"
  exec_cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
  # A capture "nobody" cannot read (e.g. a clone under /root) is copied in.
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = "-r" ] && [ $((i + 1)) -lt ${#args[@]} ]; then
      f="${args[$((i + 1))]}"
      if [ -f "$f" ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups -- test -r "$f" 2>/dev/null; then
        cp "$f" "$home/$(basename "$f")"
        chmod a+r "$home/$(basename "$f")"
        args[$((i + 1))]="$home/$(basename "$f")"
      fi
    fi
  done
fi
HOME="$home" XDG_CONFIG_HOME="$home/.config" "${exec_cmd[@]}" "${TSHARK:-tshark}" "${args[@]}"
