#!/usr/bin/env bash
# scripts/install-plugin.sh for a user: installs the plugin and the dialog
# library into the personal plugin folder (tshark then lists the plugin and
# no complaint about the subfolder) and the Middlebox profile into the
# personal profiles folder; a profile file the user edited survives a second
# install (the new one goes beside it) and --uninstall, which removes the
# rest. Runs as "nobody" with a throw-away HOME when started as root.
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
mkdir -p "$home/src/scripts" "$home/src/plugin" "$home/build/plugins/$series/epan/middlebox"
cp "$here/scripts/install-plugin.sh" "$home/src/scripts/"
cp -r "$here/plugin/profile" "$home/src/plugin/"
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

profile="$home/.config/wireshark/profiles/Middlebox"
for f in "$here"/plugin/profile/*; do
  cmp -s "$f" "$profile/$(basename "$f")" || fail "the profile's $(basename "$f") is not installed in $profile"
done
# The user edits one file; a second install keeps it and says so, and
# still updates the files the user left alone.
echo '# my column' >>"$profile/preferences"
rm "$profile/colorfilters"
out="$(run "$home/src/scripts/install-plugin.sh" --no-build --build-dir "$home/build" 2>&1)" || fail "second install failed: $out"
echo "$out" | grep -q "kept your edited $profile/preferences" || fail "the second install did not say it kept the edited preferences: $out"
tail -n1 "$profile/preferences" | grep -q '^# my column$' || fail "the second install replaced the edited preferences"
cmp -s "$here/plugin/profile/preferences" "$profile/preferences.middlebox-new" || fail "no preferences.middlebox-new beside the edited file"
cmp -s "$here/plugin/profile/colorfilters" "$profile/colorfilters" || fail "the second install did not restore colorfilters"
out="$(run "$home/src/scripts/install-plugin.sh" --uninstall 2>&1)" || fail "uninstall failed: $out"
[ ! -e "$dest/middlebox.so" ] && [ ! -e "$dest/middlebox" ] || fail "uninstall left files in $dest"
[ "$(ls -A "$profile")" = preferences ] || fail "uninstall should leave only the edited preferences in $profile: $(ls -A "$profile")"
echo "install_test: installed into $dest and $profile, listed by tshark, an edited profile file kept, uninstalled"
