#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: bisect-check.sh [CONFIG]
#
# Builds the kernel after each patch of the series that mkseries.sh made
# ("make series"), in order, with CONFIG (debug or bench; default debug)
# and ccache, in a worktree and object directory of its own
# (build/linux-bisect, build/obj-bisect-CONFIG). Each step checks out the
# next commit, which rewrites only the files that patch changed, so the
# build is incremental. After a patch that changes tools/ (a selftests
# patch), it also builds the swapcache selftests the kselftest way, from
# scratch, with the tree's own UAPI headers ("make headers"), into
# build/obj-bisect-selftests: each selftests patch must build on its own,
# with a Makefile that names only programs that exist. Fails naming the
# first patch after which the kernel or the selftests do not build; the
# build log is build/bisect-check.log.
set -eu
. "$(dirname "$0")/lib.sh"

CONFIG=${1:-debug}
BASEGIT=$BUILD/base.git
WORK=$BUILD/series-work
MAP=$BUILD/series.map
TREE=$BUILD/linux-bisect
OBJ=$BUILD/obj-bisect-$CONFIG
LOG=$BUILD/bisect-check.log
KST_OBJ=$BUILD/obj-bisect-selftests
KST_DIR=tools/testing/selftests/swapcache
FRAGS="$TOP/configs/base.config $TOP/configs/$CONFIG.config"

[ -f "$TOP/configs/$CONFIG.config" ] || die "usage: bisect-check.sh [debug|bench]"
[ -f "$MAP" ] && [ -e "$WORK/.git" ] || die "no build/series: run 'make series' first"

# G ARGS...: git on the base repository
G()
{
	git -c gc.auto=0 -c core.autocrlf=false --git-dir="$BASEGIT" "$@"
}

CC="gcc"
command -v ccache >/dev/null && CC="ccache gcc"
# kmake ARGS...: kbuild of the bisect tree
kmake()
{
	make -s -C "$TREE" O="$OBJ" ARCH=x86_64 CC="$CC" HOSTCC="$CC" \
	     LOCALVERSION=-bisect "$@"
}

# build_step: configure if the fragments changed, then build bzImage
build_step()
{
	mkdir -p "$OBJ"
	cat $FRAGS > "$OBJ/fragment.new"
	if ! cmp -s "$OBJ/fragment.new" "$OBJ/fragment" || [ ! -f "$OBJ/.config" ]; then
		kmake KCONFIG_ALLCONFIG="$OBJ/fragment.new" allnoconfig &&
			mv "$OBJ/fragment.new" "$OBJ/fragment" || return 1
	fi
	rm -f "$OBJ/fragment.new"
	kmake olddefconfig &&
		"$TOP/scripts/check-config.sh" $FRAGS -- "$OBJ/.config" &&
		kmake -j"$JOBS" bzImage
}

# selftests_step COMMIT: if COMMIT changes tools/ and the swapcache
# target exists, build it from scratch; prints what it did
selftests_step()
{
	git -C "$WORK" diff-tree --no-commit-id --name-only -r "$1" -- tools |
		grep -q . || return 0
	if [ ! -f "$TREE/$KST_DIR/Makefile" ]; then
		echo "selftests: no $KST_DIR/Makefile yet"
		return 0
	fi
	rm -rf "$KST_OBJ"
	kmake headers >&2 &&
		make -s -C "$TREE/tools/testing/selftests" TARGETS=swapcache \
			O="$KST_OBJ" KHDR_INCLUDES="-isystem $OBJ/usr/include" >&2 ||
		return 1
	echo "selftests: $(ls "$KST_OBJ/kselftest/swapcache" | tr '\n' ' ')"
}

commits=$(git -C "$WORK" rev-list --reverse base..HEAD)
total=$(echo "$commits" | wc -l)
[ "$(wc -l < "$MAP")" -eq "$total" ] || die "build/series.map does not match build/series-work: run 'make series'"

# A .git file that base.git no longer knows (base imported again): anew.
if [ ! -e "$TREE/.git" ] || ! git -C "$TREE" rev-parse -q --verify HEAD > /dev/null 2>&1; then
	rm -rf "$TREE"
	G worktree prune
	msg "creating $TREE (once)"
	G worktree add -q --detach "$TREE" base
fi

: > "$LOG"
n=0
for c in $commits; do
	n=$((n + 1))
	patch=$(awk -F '\t' -v n="$n" 'NR == n { print $2 }' "$MAP")
	subject=$(git -C "$WORK" log -1 --format=%s "$c")
	git -C "$TREE" checkout -q -f --detach "$c"
	msg "bisect-check: [$n/$total] $patch: $subject"
	start=$(date +%s)
	echo "=== [$n/$total] $patch: $subject" >> "$LOG"
	if ! build_step >> "$LOG" 2>&1; then
		grep -E 'error|Error' "$LOG" | tail -n 20 >&2 || true
		die "bisect-check: the kernel does not build after patch $n/$total, patches/$patch (\"$subject\"); see $LOG"
	fi
	if ! built=$(selftests_step "$c" 2>> "$LOG"); then
		grep -E 'error|Error' "$LOG" | tail -n 20 >&2 || true
		die "bisect-check: the swapcache selftests do not build after patch $n/$total, patches/$patch (\"$subject\"); see $LOG"
	fi
	[ -z "$built" ] || msg "bisect-check: [$n/$total] $built"
	msg "bisect-check: [$n/$total] builds ($(( $(date +%s) - start ))s)"
done
msg "bisect-check: the kernel builds after each of the $total patches ($CONFIG config), the selftests after each that changes them"
