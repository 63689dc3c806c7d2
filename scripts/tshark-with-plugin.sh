#!/usr/bin/env bash
# Runs the real tshark with the plugin from a build tree loaded, without
# installing it: tshark loads personal plugins only when not run as root
# (wsutil's started_with_special_privs), so as root it runs tshark as
# "nobody" with a HOME of its own whose personal plugin folder holds a copy
# of the build output.
#
#   MIDDLEBOX_BUILD=build scripts/tshark-with-plugin.sh -r capture.pcapng -Y middlebox
#
# Set MIDDLEBOX_NO_PLUGIN=1 to run the same tshark the same way without it.
set -euo pipefail
# Shell built-ins where they do: tests start this script hundreds of times.
here="$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
shopt -s nullglob
found=("$build"/plugins/*/epan/middlebox.so)
shopt -u nullglob
so="${found[0]:-}"
if [ -z "$so" ] && [ -z "${MIDDLEBOX_NO_PLUGIN:-}" ]; then
  echo "tshark-with-plugin.sh: no middlebox.so under $build/plugins (build first: cmake --build $build)" >&2
  exit 2
fi
series="${so%/epan/middlebox.so}"
series="${series##*/}"

# The HOME tshark runs with: its personal plugin folder holds copies of the
# build's plugin (the build tree may sit under a folder "nobody" cannot
# enter). Prepared once per plugin build and reused: copying costs a fifth of
# tshark's start. Named by the plugin files' identity, so a rebuilt plugin
# gets a new HOME and a running tshark keeps the one it started with.
identity="$EUID ${series:-none}"
if [ -z "${MIDDLEBOX_NO_PLUGIN:-}" ]; then
  identity+=" $(find "$so" "$build/plugins/$series/epan/middlebox" -type f -printf '%p %i %s %T@\n' 2>/dev/null || true)"
fi
homes="${TMPDIR:-/tmp}/middlebox-tshark-home.$EUID"
home="$homes.$(printf '%s' "$identity" | sha256sum | cut -c1-16)"
# Reused only when this user made it (a name in /tmp anyone could have taken).
if [ -L "$home" ] || ! [ -d "$home" ] || ! [ -O "$home" ] || ! [ -f "$home/ready" ]; then
  new="$(mktemp -d "$homes.new.XXXXXX")"
  mkdir -p "$new/.local/lib/wireshark/plugins/$series/epan" "$new/.config/wireshark"
  if [ -z "${MIDDLEBOX_NO_PLUGIN:-}" ]; then
    cp "$so" "$new/.local/lib/wireshark/plugins/$series/epan/middlebox.so"
    # The Qt dialog library, if built, sits in a subfolder (not a plugin itself).
    if [ -d "$build/plugins/$series/epan/middlebox" ]; then
      cp -r "$build/plugins/$series/epan/middlebox" "$new/.local/lib/wireshark/plugins/$series/epan/middlebox"
    fi
  fi
  touch "$new/ready"
  chmod -R a+rX "$new"
  chmod 0755 "$new"
  # Another run may have made the same HOME meanwhile: then its copy stays.
  if ! mv -T "$new" "$home" 2>/dev/null; then rm -rf "$new"; fi
  # HOMEs of this user's earlier plugin builds, unused for an hour.
  find "${TMPDIR:-/tmp}" -maxdepth 1 -name "middlebox-tshark-home.$EUID.*" -user "$EUID" -mmin +60 \
    ! -path "$home" -exec rm -rf {} + 2>/dev/null || true
fi
exec_cmd=()
args=("$@")
scratch=""
if [ "$EUID" -eq 0 ]; then
  exec_cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
  # A capture "nobody" cannot read (e.g. a clone under /root) is copied in.
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = "-r" ] && [ $((i + 1)) -lt ${#args[@]} ]; then
      f="${args[$((i + 1))]}"
      if [ -f "$f" ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups -- test -r "$f" 2>/dev/null; then
        [ -n "$scratch" ] || scratch="$(mktemp -d /tmp/middlebox-capture.XXXXXX)"
        cp "$f" "$scratch/$(basename "$f")"
        chmod a+rx "$scratch"
        chmod a+r "$scratch/$(basename "$f")"
        args[$((i + 1))]="$scratch/$(basename "$f")"
      fi
    fi
  done
fi
if [ -n "$scratch" ]; then
  trap 'rm -rf "$scratch"' EXIT
  HOME="$home" XDG_CONFIG_HOME="$home/.config" "${exec_cmd[@]}" "${TSHARK:-tshark}" "${args[@]}"
  exit
fi
HOME="$home" XDG_CONFIG_HOME="$home/.config" exec "${exec_cmd[@]}" "${TSHARK:-tshark}" "${args[@]}"
