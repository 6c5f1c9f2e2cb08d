#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: docs.sh [SPHINXDIRS]
#
# Builds the documentation of the patched tree (build/linux-patched) with
# "make SPHINXDIRS=mm htmldocs" into build/obj-docs, and fails if Sphinx
# or kernel-doc warns about a file of the series: a .rst file that a
# patch changes, or a new file of this repository. Warnings about other
# files (6.12's own, such as mm's links into admin-guide, which a
# SPHINXDIRS=mm build cannot resolve) are counted, not fatal. The log is
# build/docs.log.
set -eu
. "$(dirname "$0")/lib.sh"

DIRS=${1:-mm}
SRC=$BUILD/linux-patched
OUT=$BUILD/obj-docs
LOG=$BUILD/docs.log
OVERLAY_DIRS="arch Documentation include kernel lib mm tools"
# Debian's Sphinx and python3.
PATH=/usr/bin:$PATH
# Keep Python from writing __pycache__ into the source tree.
export PYTHONDONTWRITEBYTECODE=1

[ -e "$SRC/.git" ] || die "no build/linux-patched: run 'make tree' first"
command -v sphinx-build >/dev/null || die "no sphinx-build: run 'scripts/deps.sh docs'"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Our files: what the series patches change, and our new files.
{
	grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" | while read -r p _; do
		sed -n 's|^+++ b/||p' "$TOP/patches/$p"
	done
	(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS)
} | sort -u > "$tmp/ours"

msg "building htmldocs (SPHINXDIRS=$DIRS) of the patched tree"
mkdir -p "$OUT"
rc=0
make -C "$SRC" O="$OUT" SPHINXDIRS="$DIRS" htmldocs > "$LOG" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { tail -n 30 "$LOG" >&2; die "htmldocs failed (exit $rc); see $LOG"; }

grep -E 'WARNING|ERROR|CRITICAL|warning:|error:' "$LOG" > "$tmp/warnings" || true
: > "$tmp/ourwarn"
while read -r f; do
	grep -F "$f:" "$tmp/warnings" >> "$tmp/ourwarn" || true
done < "$tmp/ours"
all=$(wc -l < "$tmp/warnings")
ours=$(sort -u "$tmp/ourwarn" | wc -l)
echo "docs: $OUT/Documentation/output/$DIRS/index.html"
echo "docs: $all warnings in the build, $ours about files of the series"
if [ "$ours" -ne 0 ]; then
	sort -u "$tmp/ourwarn" | sed "s|$SRC/||" >&2
	die "htmldocs warns about files of the series"
fi
