#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: build-kernel.sh TREE CONFIG
#
# Builds build/linux-TREE (stock or patched) with CONFIG (debug or bench)
# into build/obj-TREE-CONFIG, and copies the image to build/bzImage-...
# The .config is allnoconfig plus configs/base.config and
# configs/CONFIG.config, and every requested option is verified. A
# fragment may stack others under it with lines "#include NAME.config"
# (kasan and kcsan include debug): they come first, so it can override.
# A fragment with a line "#start-from FILE" (debian) starts from that
# distribution config instead: its modules are dropped ("=m" becomes "is
# not set"), and base.config is not used.
set -eu
. "$(dirname "$0")/lib.sh"

TREE=${1:-}
CONFIG=${2:-}
[ -d "$BUILD/linux-$TREE" ] && [ -f "$TOP/configs/$CONFIG.config" ] ||
	die "usage: build-kernel.sh stock|patched debug|bench|kasan|kcsan|prof|debian (after prepare-tree.sh)"

# fragments FILE: FILE's "#include" fragments (theirs first), then FILE
fragments()
{
	for inc in $(sed -n 's/^#include \([A-Za-z0-9_.-]*\.config\)$/\1/p' "$1"); do
		[ -f "$TOP/configs/$inc" ] || die "$1: no configs/$inc to include"
		fragments "$TOP/configs/$inc"
	done
	echo "$1"
}

SRC=$BUILD/linux-$TREE
OBJ=$BUILD/obj-$TREE-$CONFIG
FRAGS=$(fragments "$TOP/configs/$CONFIG.config")
START=$(sed -n 's/^#start-from \(.*\)$/\1/p' $FRAGS | tail -n 1)
mkdir -p "$OBJ"
if [ -n "$START" ]; then
	[ -f "$START" ] || die "no $START: install it (the debian flavour needs 'apt-get install linux-config-6.12')"
	xzcat -f "$START" | sed 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/# \1 is not set/' > "$OBJ/start.config"
else
	FRAGS="$TOP/configs/base.config $FRAGS"
fi

CC="gcc"
command -v ccache >/dev/null && CC="ccache gcc"
kmake()
{
	make -s -C "$SRC" O="$OBJ" ARCH=x86_64 CC="$CC" HOSTCC="$CC" \
	     LOCALVERSION="-$TREE" "$@"
}

if [ -n "$START" ]; then
	cat "$OBJ/start.config" $FRAGS > "$OBJ/fragment.new"
else
	cat $FRAGS > "$OBJ/fragment.new"
fi
if ! cmp -s "$OBJ/fragment.new" "$OBJ/fragment" || [ ! -f "$OBJ/.config" ]; then
	msg "configuring $TREE-$CONFIG"
	if [ -n "$START" ]; then
		# Later lines win: the fragments override the start config.
		cp "$OBJ/fragment.new" "$OBJ/.config"
		kmake olddefconfig >/dev/null 2>&1
	else
		kmake KCONFIG_ALLCONFIG="$OBJ/fragment.new" allnoconfig >/dev/null
	fi
	mv "$OBJ/fragment.new" "$OBJ/fragment"
fi
rm -f "$OBJ/fragment.new"
kmake olddefconfig >/dev/null
"$TOP/scripts/check-config.sh" $FRAGS -- "$OBJ/.config"

msg "building $TREE-$CONFIG kernel"
start=$(date +%s)
kmake -j"$JOBS" bzImage
kmake headers >/dev/null
cp "$OBJ/arch/x86/boot/bzImage" "$BUILD/bzImage-$TREE-$CONFIG"
msg "built build/bzImage-$TREE-$CONFIG in $(( $(date +%s) - start ))s"
