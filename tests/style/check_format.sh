#!/usr/bin/env bash
# Every C++ source of the project against .clang-format (CONTRIBUTING.md): prints the
# files that differ and what `clang-format -i` would change, exits 1 then.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cf="$(command -v clang-format-14 || command -v clang-format || true)"
if [ -z "$cf" ]; then
  echo "style: clang-format is needed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
cd "$root"
mapfile -t files < <(find core include plugin cli tests bench \( -name '*.cpp' -o -name '*.h' \) | sort)
bad=0
# One clang-format for every file: it names each file that differs.
if ! "$cf" --style=file --dry-run --Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/style.$$"; then
  mapfile -t differ < <(grep -oE '^[^:]+\.(cpp|h)' "${TMPDIR:-/tmp}/style.$$" | sort -u)
  for f in "${differ[@]}"; do
    echo "style: $f differs from .clang-format (fix: $cf -i $f)"
    "$cf" --style=file "$f" | diff -u "$f" - | head -20 || true
  done
  bad=1
fi
rm -f "${TMPDIR:-/tmp}/style.$$"
echo "style: ${#files[@]} files checked"
exit "$bad"
