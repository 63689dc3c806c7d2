#!/usr/bin/env bash
# Builds zmap with the tcp_synopt probe module (SYNs carrying a TCP option
# template, --probe-args=hex:...) for the scan lab. Debian's zmap (2.1.1)
# has no tcp_synopt; zmap's upstream main has none either: the module lives
# in zmap/zmap pull request 639 (TUM's IPv6 and TCP-options work), which is
# what is built here. Nothing of zmap is kept in this repository.
#
#   tests/lab/build-zmap.sh [DIR]     default DIR: /var/tmp/mb22-zmap
#
# The source comes from ZMAP_GIT (a clone or bare mirror of
# github.com/zmap/zmap; default: the mirror the project's fetch tool makes,
# else GitHub itself). Build dependencies: scripts/install-deps.sh --lab.
# Prints the path of the zmap binary on its last line.
set -euo pipefail
dir="${1:-/var/tmp/mb22-zmap}"
src="${ZMAP_GIT:-/work/.mirror/zmap+zmap/repo}"
[ -d "$src" ] || src="https://github.com/zmap/zmap.git"
ref="refs/pull/639/head"
mkdir -p "$dir"
if [ ! -d "$dir/src/.git" ]; then
  git init -q "$dir/src"
  git -C "$dir/src" fetch -q "$src" "$ref"
  # The pull request's own branch (tumi8/zmap), not the merge with zmap's
  # main on top of it, which does not compile (validate.c lost a global).
  git -C "$dir/src" checkout -q FETCH_HEAD^2
fi
# zmap of 2017 against gcc 12: globals defined in headers (-fcommon), and
# warnings that newer compilers added must not stop the build.
cmake -S "$dir/src" -B "$dir/build" -DENABLE_DEVELOPMENT=OFF -DWITH_WERROR=OFF -DRESPECT_INSTALL_PREFIX_CONFIG=ON \
      -DCMAKE_C_FLAGS="-fcommon -Wno-error" >"$dir/cmake.log" 2>&1 || { tail -30 "$dir/cmake.log" >&2; exit 1; }
nice -n 5 make -C "$dir/build" -j2 zmap >"$dir/make.log" 2>&1 || { grep -m20 -B2 -A5 "error" "$dir/make.log" >&2; exit 1; }
bin="$(find "$dir/build" -name zmap -type f -perm -u+x | head -1)"
"$bin" --list-probe-modules | grep -qx tcp_synopt || { echo "build-zmap.sh: $bin has no tcp_synopt" >&2; exit 1; }
echo "$bin"
