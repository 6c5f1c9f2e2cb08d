#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: prepare-tree.sh stock|patched|patched-commit
#
# Lays out a kernel source tree in build/linux-<flavour>: the pristine
# base from the linux-source-6.12 package, plus (for "patched") the new
# files of this repository at their in-tree paths and the patches listed
# in patches/series, applied in order. The repository holds its new files
# in their final form, so the hunks of a patch that change one of them
# (a later series line changing a file that an earlier line added, such
# as a selftest registering itself in the selftests' Makefile) are
# already in it and are skipped here; scripts/mkseries.sh checks that
# they lead to the same files. "patched-commit" prints the commit of the
# patched tree without checking it out (mkseries.sh compares it with the
# series).
#
# The tree is a git checkout: the base is one commit, the patched tree a
# second commit on top, and switching between them rewrites only the
# files whose content changed. Unchanged files keep their mtime, so kbuild
# rebuilds only what the change touched.
set -eu
. "$(dirname "$0")/lib.sh"

FLAVOUR=${1:-}
case "$FLAVOUR" in
stock|patched) ;;
patched-commit) ;;
*) die "usage: prepare-tree.sh stock|patched|patched-commit" ;;
esac

BASEGIT=$BUILD/base.git
TREE=$BUILD/linux-$FLAVOUR
# Directories of this repository that mirror the kernel tree.
OVERLAY_DIRS="arch Documentation include kernel lib mm tools"

G()
{
	git -c user.name=swapcache -c user.email=swapcache@localhost \
	    -c core.autocrlf=false -c gc.auto=0 --git-dir="$BASEGIT" "$@"
}

# base_import: unpack the base tarball into a bare repository, once
base_import()
{
	[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing: run 'make deps' (installs $BASE_PKG)"
	stamp=$(stat -c '%s.%Y' "$BASE_TARBALL")
	if [ -f "$BASEGIT/stamp" ] && [ "$(cat "$BASEGIT/stamp")" = "$stamp" ]; then
		return 0
	fi
	msg "importing $BASE_TARBALL (once per machine)"
	rm -rf "$BASEGIT" "$BUILD/base-unpack"
	mkdir -p "$BUILD/base-unpack"
	tar -C "$BUILD/base-unpack" --strip-components=1 -xf "$BASE_TARBALL"
	git init -q --bare "$BASEGIT"
	(cd "$BUILD/base-unpack" &&
	 G --work-tree=. add -A -f . &&
	 G --work-tree=. commit -q -m "Linux $(make -s kernelversion) from $BASE_PKG")
	G tag -f base >/dev/null
	rm -rf "$BUILD/base-unpack"
	echo "$stamp" > "$BASEGIT/stamp"
}

# overlay_files: list this repository's files at in-tree paths
overlay_files()
{
	(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS)
}

# patched_commit: build the commit of base + new files + patches, print it
patched_commit()
{
	idx=$(mktemp)
	trap 'rm -f "$idx"' EXIT
	rm -f "$idx"
	GIT_INDEX_FILE=$idx G read-tree base
	for f in $(overlay_files); do
		[ -f "$TOP/$f" ] || continue
		if G cat-file -e "base:$f" 2>/dev/null; then
			die "$f exists in the base: change it with a patch in patches/, do not copy it"
		fi
		sha=$(G hash-object -w "$TOP/$f")
		mode=100644
		[ -x "$TOP/$f" ] && mode=100755
		GIT_INDEX_FILE=$idx G update-index --add --cacheinfo "$mode,$sha,$f"
	done
	if [ -f "$TOP/patches/series" ]; then
		# The new files are in place in their final form already.
		excl=$(overlay_files | sed 's/^/--exclude=/')
		grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" | while read -r p _; do
			# A patch may be a message only, for its line's new files.
			if [ -f "$TOP/patches/$p" ] && ! grep -q '^diff --git ' "$TOP/patches/$p"; then
				continue
			fi
			# shellcheck disable=SC2086
			GIT_INDEX_FILE=$idx G apply --cached $excl "$TOP/patches/$p" ||
				die "patches/$p does not apply"
		done
	fi
	tree=$(GIT_INDEX_FILE=$idx G write-tree)
	rm -f "$idx"
	G commit-tree "$tree" -p base -m "swapcache series"
}

base_import
case "$FLAVOUR" in
stock) target=$(G rev-parse base) ;;
patched) target=$(patched_commit) ;;
patched-commit)
	patched_commit
	exit 0
	;;
esac

# worktree_attach: $TREE has its files and a .git file, but base.git no
# longer knows it (base.git was imported again because the base tarball
# changed). Register it again with an index of $target, refreshed from
# the files' stat data, so that the checkout below rewrites only the
# files that differ from $target: a full re-checkout would give every
# file a new mtime and make kbuild rebuild every object.
worktree_attach()
{
	meta=$BASEGIT/worktrees/$(basename "$TREE")
	msg "registering $TREE again in $BASEGIT (its files are kept)"
	rm -rf "$meta"
	mkdir -p "$meta"
	echo "$target" > "$meta/HEAD"
	echo ../.. > "$meta/commondir"
	echo "$TREE/.git" > "$meta/gitdir"
	echo "gitdir: $meta" > "$TREE/.git"
	git -C "$TREE" read-tree "$target"
	git -C "$TREE" update-index -q --refresh > /dev/null || true
}

if [ -f "$TREE/.git" ] && ! git -C "$TREE" rev-parse -q --verify HEAD > /dev/null 2>&1; then
	worktree_attach
fi
if [ ! -e "$TREE/.git" ]; then
	rm -rf "$TREE"
	G worktree prune
	G worktree add -q --detach "$TREE" base
fi
git -C "$TREE" checkout -q -f --detach "$target"
msg "$FLAVOUR tree at $TREE ($(cd "$TREE" && make -s kernelversion))"
