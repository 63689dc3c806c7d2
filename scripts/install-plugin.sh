#!/usr/bin/env bash
# Installs the middlebox plugin, its Suspected Middleboxes dialog library
# (building them first when needed) and the "Middlebox" configuration profile:
#
#   scripts/install-plugin.sh             for you: ~/.local/lib/wireshark/plugins/<x.y>/epan/,
#                                         the profile in ~/.config/wireshark/profiles/Middlebox
#   sudo scripts/install-plugin.sh --system
#                                         for everyone (and for root, whose tshark and
#                                         wireshark load only these): the global folder,
#                                         /usr/lib/<arch>/wireshark/plugins/<x.y>/epan/,
#                                         the profile in /usr/share/wireshark/profiles/Middlebox
#   scripts/install-plugin.sh --uninstall [--system]
#
# Options: --build-dir DIR (default ./build or $MIDDLEBOX_BUILD), --no-build
# (install what is built), --dry-run (print what would be done).
#
# Files: <epan>/middlebox.so (the plugin) and <epan>/middlebox/middlebox-qt.so
# (the dialog, loaded by the GUI only; a subfolder because Wireshark complains
# about non-plugin libraries in epan/ itself); the profile's files from
# plugin/profile/. A profile file you edited (Wireshark rewrites preferences
# when you change one in that profile) is never replaced or removed: the new
# version goes beside it as FILE.middlebox-new, and the script says so.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
scope=user
action=install
do_build=1
dry=0

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --system) scope=system ;;
    --user) scope=user ;;
    --uninstall) action=uninstall ;;
    --build-dir) shift; build="${1:?--build-dir needs a directory}" ;;
    --build-dir=*) build="${1#*=}" ;;
    --no-build) do_build=0 ;;
    --dry-run) dry=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-plugin.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$build" in /*) ;; *) build="$here/$build" ;; esac

say() { echo "install-plugin.sh: $*"; }
die() { echo "install-plugin.sh: $*" >&2; exit 1; }
run() {
  if [ "$dry" -eq 1 ]; then echo "  $*"; else "$@"; fi
}

command -v tshark >/dev/null 2>&1 || die "tshark is not installed (scripts/install-deps.sh installs it)"

# Wireshark's own idea of its plugin folders (tshark -G folders), for the
# user running this script.
folder() {
  tshark -G folders 2>/dev/null | awk -F'\t' -v k="$1" '$1 ~ "^"k":" {print $2; exit}'
}
if [ "$scope" = system ]; then
  [ "$(id -u)" -eq 0 ] || die "--system installs into the global plugin folder: run it as root (sudo)"
  base="$(folder 'Global Plugins')"
else
  base="$(folder 'Personal Plugins')"
fi
[ -n "$base" ] || die "could not read the plugin folders from 'tshark -G folders'"
series="$(basename "$base")"  # 4.0
dest="$base/epan"
# Wireshark's profiles: <personal configuration>/profiles, and the global
# ones it offers every user: <global configuration>/profiles.
if [ "$scope" = system ]; then conf="$(folder 'Global configuration')"; else conf="$(folder 'Personal configuration')"; fi
[ -n "$conf" ] || die "could not read the configuration folders from 'tshark -G folders'"
profile_src="$here/plugin/profile"
profile="$conf/profiles/Middlebox"
# What this script installed last, one "sha256  name" line per file: a file
# that no longer matches it was edited since.
record="$profile/.middlebox-installed"

installed_sum() { if [ -f "$record" ]; then awk -v f="$1" '$2 == f {print $1}' "$record"; fi; }
sum_of() { sha256sum "$1" | awk '{print $1}'; }

install_profile() {
  run mkdir -p "$profile"
  local f name target new_record=""
  for f in "$profile_src"/*; do
    name="$(basename "$f")"
    target="$profile/$name"
    if [ ! -e "$target" ] || cmp -s "$f" "$target" || [ "$(sum_of "$target")" = "$(installed_sum "$name")" ]; then
      run install -m 0644 "$f" "$target"
      run rm -f "$target.middlebox-new"
    else
      run install -m 0644 "$f" "$target.middlebox-new"
      say "kept your edited $target; this version of it is $target.middlebox-new"
    fi
    new_record+="$(sum_of "$f")  $name"$'\n'
  done
  if [ "$dry" -eq 0 ]; then printf '%s' "$new_record" >"$record"; fi
  say "installed the profile \"Middlebox\" in $profile (Wireshark: the status bar's Profile menu)"
}

uninstall_profile() {
  [ -d "$profile" ] || return 0
  local f name target
  for f in "$profile_src"/*; do
    name="$(basename "$f")"
    target="$profile/$name"
    run rm -f "$target.middlebox-new"
    [ -e "$target" ] || continue
    if [ "$(sum_of "$target")" = "$(installed_sum "$name")" ]; then
      run rm -f "$target"; say "removed $target"
    else
      say "kept your edited $target"
    fi
  done
  run rm -f "$record"
  run rmdir "$profile" 2>/dev/null || true
}

if [ "$action" = uninstall ]; then
  removed=0
  for f in "$dest/middlebox/middlebox-qt.so" "$dest/middlebox.so"; do
    if [ -e "$f" ] || [ -L "$f" ]; then run rm -f "$f"; say "removed $f"; removed=1; fi
  done
  if [ -d "$dest/middlebox" ]; then run rmdir "$dest/middlebox" 2>/dev/null || true; fi
  [ "$removed" -eq 1 ] || say "nothing to remove in $dest"
  uninstall_profile
  exit 0
fi

# Build (incremental; configures on first use).
if [ "$do_build" -eq 1 ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    say "configuring $build"
    run cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDDLEBOX_WIRESHARK_SERIES="$series" >/dev/null
  fi
  say "building in $build"
  run cmake --build "$build" -j "$(nproc)" --target middlebox
  if grep -q '^MIDDLEBOX_QT:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    run cmake --build "$build" -j "$(nproc)" --target middlebox_qt 2>/dev/null ||
      say "the dialog library did not build (Qt development files missing?): installing the plugin without it"
  fi
fi

so="$build/plugins/$series/epan/middlebox.so"
qt="$build/plugins/$series/epan/middlebox/middlebox-qt.so"
if [ ! -f "$so" ]; then
  built="$(ls -d "$build"/plugins/*/ 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')"
  [ -n "$built" ] && die "the build holds a plugin for Wireshark ${built}but the installed Wireshark is $series: rebuild (rm -rf $build)"
  die "no plugin at $so (build first, or drop --no-build)"
fi

if [ "$scope" = user ] && [ "$(id -u)" -eq 0 ]; then
  say "warning: as root, tshark and wireshark ignore personal plugins: use --system to use it as root"
fi

say "installing into $dest"
run mkdir -p "$dest"
# install(1) replaces the file (new inode), so a running Wireshark keeps the old mapping.
run install -m 0644 "$so" "$dest/middlebox.so"
if [ -f "$qt" ]; then
  run mkdir -p "$dest/middlebox"
  run install -m 0644 "$qt" "$dest/middlebox/middlebox-qt.so"
  say "installed $dest/middlebox.so and $dest/middlebox/middlebox-qt.so (Statistics > Middlebox Detection > Suspected Middleboxes…)"
else
  say "installed $dest/middlebox.so (no dialog library was built: the GUI menu entry will say so)"
fi
install_profile

# Check that tshark (run as the same user) loads it.
if [ "$dry" -eq 0 ]; then
  if tshark -G plugins 2>/dev/null | grep -q "$dest/middlebox.so"; then
    say "tshark loads it: $(tshark -G plugins 2>/dev/null | grep "$dest/middlebox.so" | tr '\t' ' ')"
  elif [ "$scope" = user ] && [ "$(id -u)" -eq 0 ]; then
    :
  else
    die "tshark -G plugins does not list $dest/middlebox.so"
  fi
fi
