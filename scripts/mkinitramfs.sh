#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: mkinitramfs.sh OUT.cpio KSELFTEST_DIR [EXTRA_DIR] [CMD]
#
# Packs the guest's root filesystem with the kernel's own gen_init_cpio
# (no root needed, reproducible): static BusyBox, scripts/guest/init,
# guest-exit, the installed kselftests at /kselftest, EXTRA_DIR's files at
# /extra (on PATH) and CMD at /etc/swapcache/cmd for swapcache.mode=exec.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: mkinitramfs.sh OUT.cpio KSELFTEST_DIR [EXTRA_DIR] [CMD]"
OUT=$1
KST=$2
EXTRA=${3:-}
CMD=${4:-}
BUSYBOX=${BUSYBOX:-/bin/busybox}
SRC=$BUILD/linux-patched
TOOLS=$BUILD/guest-tools

[ -x "$BUSYBOX" ] && file -L "$BUSYBOX" | grep -q 'statically linked' ||
	die "$BUSYBOX is not a static BusyBox: run 'make deps' (busybox-static)"
[ -d "$KST" ] || die "$KST missing: run 'make selftests'"
[ -z "$EXTRA" ] || [ -d "$EXTRA" ] || die "EXTRA=$EXTRA is not a directory"

mkdir -p "$TOOLS"
if [ ! -x "$TOOLS/gen_init_cpio" ] || [ "$SRC/usr/gen_init_cpio.c" -nt "$TOOLS/gen_init_cpio" ]; then
	cc -O2 -o "$TOOLS/gen_init_cpio" "$SRC/usr/gen_init_cpio.c"
fi
if [ ! -x "$TOOLS/guest-exit" ] || [ "$TOP/scripts/guest/guest-exit.c" -nt "$TOOLS/guest-exit" ]; then
	cc -O2 -static -Wall -o "$TOOLS/guest-exit" "$TOP/scripts/guest/guest-exit.c"
fi

list=$(mktemp)
cmdfile=$(mktemp)
trap 'rm -f "$list" "$cmdfile"' EXIT

# tree_entries HOSTDIR GUESTDIR: cpio list lines for a directory tree
tree_entries()
{
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
		p=${p#./}
		if [ -L "$1/$p" ]; then
			echo "slink $2/$p $(readlink "$1/$p") 0777 0 0"
		elif [ -d "$1/$p" ]; then
			echo "dir $2/$p 0755 0 0"
		else
			mode=0644
			[ -x "$1/$p" ] && mode=0755
			echo "file $2/$p $1/$p $mode 0 0"
		fi
	done
}

{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /root \
		 /etc /etc/swapcache /extra /mnt /run; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /init $TOP/scripts/guest/init 0755 0 0"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "file /sbin/guest-exit $TOOLS/guest-exit 0755 0 0"
	"$BUSYBOX" --list-full | while read -r a; do
		case "$a" in
		bin/busybox|usr/bin/timeout) ;;
		*) echo "slink /$a /bin/busybox 0777 0 0" ;;
		esac
	done
	echo "file /usr/bin/timeout $TOP/scripts/guest/timeout 0755 0 0"
	echo "dir /kselftest 0755 0 0"
	tree_entries "$KST" /kselftest
	[ -z "$EXTRA" ] || tree_entries "$(cd "$EXTRA" && pwd)" /extra
	printf '%s\n' "$CMD" > "$cmdfile"
	echo "file /etc/swapcache/cmd $cmdfile 0644 0 0"
} > "$list"

"$TOOLS/gen_init_cpio" -t 0 "$list" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
