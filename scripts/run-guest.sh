#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: run-guest.sh -k KERNEL -i INITRD [-m MODE] [-s SWAP] [-l LOG]
#                     [-t SECONDS] [-q]
#
# Boots KERNEL with INITRD under QEMU as described by
# scripts/qemu-x86_64.conf. MODE is check, demo, exec or shell (see
# scripts/guest/init); SWAP is zram, disk, both or none.
#
# Non-interactive modes run under a watchdog with stdin from /dev/null,
# write the console to LOG, and exit with the guest's status. The status
# is failure unless the guest reported one: a guest that hangs, panics
# or reboots fails. -q shows only the guest's own output, not the
# kernel's messages (the log keeps everything). A console with a kernel BUG, WARNING, Oops, Call
# Trace or lockdep report fails the run whatever the guest reported.
set -eu
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/qemu-x86_64.conf"

KERNEL= INITRD= MODE=check SWAP=none LOG= TIMEOUT=$GUEST_TIMEOUT QUIET=
while getopts k:i:m:s:l:t:q o; do
	case $o in
	k) KERNEL=$OPTARG ;;
	i) INITRD=$OPTARG ;;
	m) MODE=$OPTARG ;;
	s) SWAP=$OPTARG ;;
	l) LOG=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	q) QUIET=1 ;;
	*) die "usage: run-guest.sh -k KERNEL -i INITRD [-m MODE] [-s SWAP] [-l LOG] [-t SECONDS] [-q]" ;;
	esac
done
[ -f "$KERNEL" ] && [ -f "$INITRD" ] || die "usage: run-guest.sh -k KERNEL -i INITRD ... (missing image: run 'make kernel')"
case "$MODE" in check|demo|exec|shell) ;; *) die "mode must be check, demo, exec or shell" ;; esac
case "$SWAP" in zram|disk|both|none) ;; *) die "SWAP must be zram, disk, both or none" ;; esac

# One disk image per boot, so that guests can run side by side.
disk=$(mktemp "$BUILD/swap-disk.XXXXXX")
status=$(mktemp)
trap 'rm -f "$disk" "$status"' EXIT
truncate -s "$SWAP_DISK_SIZE" "$disk"

set -- "$QEMU_BIN" -accel "$QEMU_ACCEL" -machine "$QEMU_MACHINE" \
	-cpu "$QEMU_CPU" -smp "$QEMU_SMP" -m "$QEMU_MEM" \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "$KERNEL_CMDLINE swapcache.mode=$MODE swapcache.swap=$SWAP swapcache.zram=$ZRAM_SIZE" \
	-drive "file=$disk,if=none,id=swapdisk,format=raw,cache=unsafe" \
	-device virtio-blk-pci,drive=swapdisk \
	-device "isa-debug-exit,iobase=$QEMU_EXIT_PORT,iosize=0x04" \
	-display none -vga none -no-reboot $QEMU_EXTRA

if [ "$MODE" = shell ]; then
	"$@" -serial mon:stdio
	exit
fi

[ -n "$LOG" ] || LOG=$BUILD/console-$MODE.log
# Default to failure: only a status the guest wrote changes it.
echo 255 > "$status"
{
	set +e
	timeout -k 10 "$TIMEOUT" "$@" -serial stdio -monitor none < /dev/null
	echo $? > "$status"
} | tee "$LOG" | if [ -n "$QUIET" ]; then
	grep --line-buffered -v '^\[ *[0-9]*\.[0-9]*\] ' || true
else
	cat
fi
qrc=$(cat "$status")

rc=1
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "run-guest: guest hung: killed by the watchdog after ${TIMEOUT}s" >&2
elif [ $((qrc % 2)) -eq 1 ] && [ "$qrc" -lt 255 ]; then
	rc=$(( (qrc - 1) / 2 ))
else
	echo "run-guest: guest stopped without reporting a status (QEMU exit $qrc): panic or reboot" >&2
fi

if ! "$TOP/scripts/console-scan.sh" "$LOG"; then
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
