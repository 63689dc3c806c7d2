#!/usr/bin/env bash
# The Debian package (plugin/Packaging.cmake), built with `cpack -G DEB` and
# installed with dpkg for real:
#
#  1. its name is wireshark-plugin-middlebox_<Version>_<Architecture>.deb and
#     its Depends name the package of the libwireshark tshark links;
#  2. dpkg installs it next to that libwireshark and refuses it next to a
#     libwireshark of the next minor series or older than the one built
#     against (dpkg --root into empty roots whose status file says so);
#  3. in a root that is the system's files under an overlay (writes go to a
#     scratch layer, the system is never touched), or $MIDDLEBOX_PACKAGE_ROOT
#     under the overlay (e.g. a debootstrap chroot with tshark installed):
#     dpkg -i; root's tshark (which loads only system plugins) lists the
#     plugin and prints the -z middlebox report of replicas/kind222.pcapng
#     byte for byte as its golden; the dialog library sits where the plugin
#     dlopen()s it with every library it needs found; `tshark -C Middlebox`
#     uses the package's global profile; dpkg --purge; then nothing of the
#     package is left: no file, no folder, no dpkg record.
#
# Root only (dpkg, mount, chroot): exits 77 (skipped) otherwise, or when
# the kernel offers no overlay file system.
set -uo pipefail
SKIP=77
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MIDDLEBOX_BUILD:-$here/build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
lower="${MIDDLEBOX_PACKAGE_ROOT:-/}"
name=wireshark-plugin-middlebox

log() { echo "package_test: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit $SKIP; }

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg, mount, chroot)"
for tool in cpack dpkg dpkg-deb chroot mount; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip "no overlay file system in this kernel"

tmp="$(mktemp -d /tmp/middlebox-deb.XXXXXX)"
merged="$tmp/merged"
# The scratch folder goes only when nothing is mounted under it any more
# (its root binds /dev).
cleanup() {
  for m in "$merged/tmp" "$merged/dev" "$merged/proc" "$merged"; do
    mountpoint -q "$m" && { umount "$m" || umount -l "$m"; }
  done
  if findmnt -rn -o TARGET | grep -q "^$tmp/"; then
    log "still mounted under $tmp: left in place"
  else
    rm -rf --one-file-system "$tmp"
  fi
}
trap cleanup EXIT

# --- 1. the package ---------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$tmp/out") >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$tmp"/out/*.deb)
[ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ] || fail "cpack wrote ${#debs[@]} .deb files: ${debs[*]}"
deb="${debs[0]}"
version="$(dpkg-deb -f "$deb" Version)"
arch="$(dpkg-deb -f "$deb" Architecture)"
[ "$arch" = "$(dpkg --print-architecture)" ] || fail "architecture $arch, this system's is $(dpkg --print-architecture)"
[ "$(basename "$deb")" = "${name}_${version}_${arch}.deb" ] || fail "named $(basename "$deb"), expected ${name}_${version}_${arch}.deb"
[ "$(dpkg-deb -f "$deb" Package)" = "$name" ] || fail "package name $(dpkg-deb -f "$deb" Package)"

# The libwireshark that tshark links, and the package that owns it.
libws="$(ldd "$(command -v tshark)" | awk '/libwireshark\.so/ {print $3; exit}')"
libws_pkg="$(dpkg-query -S "$(readlink -f "$libws")" | sed 's/:.*//')"
libws_version="$(dpkg-query -W -f='${Version}' "$libws_pkg")"
series="$(basename "$(dirname "$(ls -d "$build"/plugins/*/epan)")")"   # 4.0
depends="$(dpkg-deb -f "$deb" Depends)"
echo "$depends" | grep -q "$libws_pkg (<< " || fail "Depends has no upper bound on $libws_pkg: $depends"
log "$(basename "$deb"): Depends: $depends"

# --- 2. dpkg's verdict on the libwireshark series ---------------------------
# An empty root whose dpkg status is this system's with $libws_pkg at
# version $1: dpkg --root -i must succeed ($2 = 0) or refuse ($2 = 1).
series_check() {
  local v="$1" want="$2" root="$tmp/series-$1"
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  touch "$root/var/lib/dpkg/available"
  python3 - "/var/lib/dpkg/status" "$root/var/lib/dpkg/status" "$libws_pkg" "$v" <<'EOF'
import re, sys
src, dst, pkg, version = sys.argv[1:]
out = []
for stanza in open(src, encoding="utf-8").read().split("\n\n"):
    if re.search(r"^Package: %s$" % re.escape(pkg), stanza, re.M):
        stanza = re.sub(r"^Version: .*$", "Version: " + version, stanza, flags=re.M)
    out.append(stanza)
open(dst, "w", encoding="utf-8").write("\n\n".join(out))
EOF
  dpkg --root="$root" -i "$deb" >"$root.log" 2>&1
  local rc=$?
  if [ "$want" -eq 0 ] && [ "$rc" -ne 0 ]; then cat "$root.log" >&2; fail "dpkg refused the package next to $libws_pkg $v"; fi
  if [ "$want" -eq 1 ]; then
    [ "$rc" -ne 0 ] || fail "dpkg installed the package next to $libws_pkg $v (another series)"
    grep -q "depends on $libws_pkg" "$root.log" || { cat "$root.log" >&2; fail "dpkg refused it next to $libws_pkg $v, but not for the series"; }
  fi
  rm -rf "$root" "$root.log"
}
major="${series%.*}"
minor="${series#*.}"
series_check "$libws_version" 0
series_check "$major.$((minor + 1)).0-1" 1
series_check "$major.$((minor + 1))~rc1-1" 1
series_check "$major.$minor.0~1-1" 1
log "dpkg installs it next to $libws_pkg $libws_version, refuses it next to $major.$((minor + 1)).0, $major.$((minor + 1))~rc1 and $major.$minor.0~1"

# --- 3. install, use, purge in a root ---------------------------------------
mkdir -p "$tmp/upper" "$tmp/work" "$merged"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$tmp/upper,workdir=$tmp/work" "$merged" ||
  skip "cannot mount an overlay of $lower"
mount -t proc proc "$merged/proc" || fail "cannot mount /proc in the root"
mount --bind /dev "$merged/dev" || fail "cannot bind /dev in the root"
mount -t tmpfs tmpfs "$merged/tmp" || fail "cannot mount a tmpfs on the root's /tmp"
in_root() { chroot "$merged" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp/home LC_ALL=C.UTF-8 "$@"; }
in_root dpkg-query -W "$libws_pkg" >/dev/null 2>&1 || fail "the root $lower has no $libws_pkg (install tshark in it)"

# Files of the package: none may be there before (a plugin installed by
# hand would hide a package that installs nothing).
mapfile -t files < <(dpkg-deb -c "$deb" | awk '{print substr($0, index($0, "./") + 1)}' | grep -v '/$')
for f in "${files[@]}"; do rm -f "$merged$f"; done
# What the overlay holds besides dpkg's own records and logs: after the
# purge, no file may have been added and no new folder left.
layer() {
  (cd "$tmp/upper" && find . -mindepth 1 \( -path ./var/lib/dpkg -o -path ./var/log -o -path ./tmp -o -path ./var/cache \) -prune \
     -o \( -type d -printf 'd %p\n' \) -o -printf 'f %p\n' | sort)
}
layer >"$tmp/before"

cp "$deb" "$merged/tmp/"
cp "$here/test_captures/replicas/kind222.pcapng" "$here/test_captures/lab/echo-v0-key.pcapng" "$merged/tmp/"
in_root dpkg -i "/tmp/$(basename "$deb")" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed in the root"; }
in_root dpkg-query -W -f='${Status}' "$name" | grep -q "install ok installed" || fail "dpkg does not list $name as installed"

plugdir="$(in_root tshark -G folders 2>/dev/null | awk -F'\t' '$1 ~ /^Global Plugins:/ {print $2}')"
[ -n "$plugdir" ] || fail "no global plugin folder from tshark -G folders in the root"
in_root tshark -G plugins >"$tmp/plugins" 2>"$tmp/plugins.err" || fail "tshark -G plugins failed in the root"
grep -q "$plugdir/epan/middlebox.so" "$tmp/plugins" || fail "root's tshark does not list $plugdir/epan/middlebox.so: $(cat "$tmp/plugins")"
if grep -qiv "running as user" "$tmp/plugins.err"; then fail "tshark -G plugins complains: $(cat "$tmp/plugins.err")"; fi
log "root's tshark loads $(grep "$plugdir/epan/middlebox.so" "$tmp/plugins" | tr '\t' ' ')"

qt="$plugdir/epan/middlebox/middlebox-qt.so"
[ -f "$merged$qt" ] || fail "no dialog library at $qt, where the plugin looks for it"
missing="$(in_root ldd "$qt" | grep 'not found')"
[ -z "$missing" ] || fail "the dialog library's libraries are missing in the root: $missing"

in_root tshark -r /tmp/kind222.pcapng -q -z middlebox >"$tmp/report" 2>"$tmp/report.err" || fail "tshark -z middlebox failed: $(cat "$tmp/report.err")"
cmp -s "$tmp/report" "$here/tests/report/golden/replicas/kind222.text.txt" ||
  fail "the -z middlebox report differs from tests/report/golden/replicas/kind222.text.txt: $(diff "$here/tests/report/golden/replicas/kind222.text.txt" "$tmp/report")"
log "root's tshark -z middlebox over replicas/kind222.pcapng: the golden report"

# The global profile: tshark -C copies it to the user's folder and uses it.
in_root tshark -C Middlebox -r /tmp/echo-v0-key.pcapng >"$tmp/summary" 2>&1 || fail "tshark -C Middlebox failed: $(cat "$tmp/summary")"
grep -q ' mptcp-echo 1 =MSS 1460 ' "$tmp/summary" || fail "tshark -C Middlebox shows no Verdict/SYN frame/Option diff columns: $(cat "$tmp/summary")"
log "tshark -C Middlebox uses the package's global profile"

in_root dpkg --purge "$name" >>"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg --purge failed"; }
in_root dpkg-query -W "$name" >/dev/null 2>&1 && fail "dpkg still knows $name after --purge"
for f in "${files[@]}"; do
  [ -e "$merged$f" ] && fail "$f is left after --purge"
done
rm -rf "$merged/tmp/home"
layer >"$tmp/after"
# Folders copied up because an entry was added and removed in them are
# allowed; files and folders that were not there before are not.
left="$(comm -13 "$tmp/before" "$tmp/after" | while read -r kind path; do
  if [ "$kind" = d ] && [ -d "$lower/$path" ]; then continue; fi
  echo "$path"
done)"
[ -z "$left" ] || fail "left in the root after --purge: $left"
log "PASS: installed, used and purged in $lower (overlay), nothing left"
