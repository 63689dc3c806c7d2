#!/usr/bin/env bash
# scripts/install-plugin.sh for a user: installs the plugin and the dialog
# library into the personal plugin folder (tshark then lists the plugin and
# no complaint about the subfolder), and --uninstall removes both. Runs as
# "nobody" with a throw-away HOME when started as root.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
home="$(mktemp -d /tmp/middlebox-install.XXXXXX)"
trap 'rm -rf "$home"' EXIT
chmod 755 "$home"
as=()
if [ "$(id -u)" -eq 0 ]; then
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
run() { HOME="$home" XDG_CONFIG_HOME="$home/.config" "${as[@]}" "$@"; }
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

# That user may not reach the work tree: give it copies of the script and
# of the build output, laid out as in a build tree.
so="$(ls "$build"/plugins/*/epan/middlebox.so | head -n1)"
series="$(basename "$(dirname "$(dirname "$so")")")"
mkdir -p "$home/src/scripts" "$home/build/plugins/$series/epan/middlebox"
cp "$here/scripts/install-plugin.sh" "$home/src/scripts/"
cp "$so" "$home/build/plugins/$series/epan/"
cp "$(dirname "$so")/middlebox/middlebox-qt.so" "$home/build/plugins/$series/epan/middlebox/"
chmod -R a+rX "$home"
[ "$(id -u)" -eq 0 ] && chown -R 65534:65534 "$home"
out="$(run "$home/src/scripts/install-plugin.sh" --no-build --build-dir "$home/build" 2>&1)" || fail "install failed: $out"
dest="$(ls -d "$home"/.local/lib/wireshark/plugins/*/epan)"
[ -f "$dest/middlebox.so" ] || fail "no $dest/middlebox.so"
[ -f "$dest/middlebox/middlebox-qt.so" ] || fail "no $dest/middlebox/middlebox-qt.so"
plugins="$(run tshark -G plugins 2>&1)"
echo "$plugins" | grep -q "$dest/middlebox.so" || fail "tshark does not list the installed plugin: $plugins"
if echo "$plugins" | grep -qi "middlebox-qt\|plugin_version"; then fail "tshark complains about the dialog library: $plugins"; fi
out="$(run "$home/src/scripts/install-plugin.sh" --uninstall 2>&1)" || fail "uninstall failed: $out"
[ ! -e "$dest/middlebox.so" ] && [ ! -e "$dest/middlebox" ] || fail "uninstall left files in $dest"
echo "install_test: installed into $dest, listed by tshark, uninstalled"
