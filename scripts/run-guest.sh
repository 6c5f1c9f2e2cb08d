#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: run-guest.sh -k KERNEL -i INITRD [-m MODE] [-s SWAP] [-l LOG]
#                     [-t SECONDS] [-q] [-r [-w DIR]]
#
# Boots KERNEL with INITRD under QEMU as described by
# scripts/qemu-x86_64.conf. MODE is check, demo, exec or shell (see
# scripts/guest/init); SWAP is zram, disk, both or none. -r exports the
# host's root file system read-only over virtio-9p, and the guest runs
# MODE's command (exec, shell) in it, with the host's own programs and
# libraries, as virtme-ng does. -w exports the host's directory DIR
# read-write as well, at the same path in the guest, mounted without a
# page cache (9p cache=none: read(2) and write(2) there go straight to
# the host and take no page cache in the guest; mmap(2) still does), as
# virtme-ng's --rwdir. DATA_DISK_SIZE (scripts/qemu-x86_64.conf) adds a
# second disk, blank, /dev/vdb in the guest.
#
# Non-interactive modes run under a watchdog with stdin from /dev/null,
# write the console to LOG, and exit with the guest's status. The status
# is failure unless the guest reported one: a guest that hangs, panics
# or reboots fails, and so does QEMU's own error exit (1). The guest
# hands out status S as QEMU exit 2 * S + 3 (scripts/guest/guest-exit.c),
# so only QEMU exit 3 is success; any code that is not 2 * S + 3 is a
# failure. -q shows only the guest's own output, not the kernel's
# messages (the log keeps everything). A console with a kernel BUG,
# WARNING, Oops, Call Trace or lockdep report fails the run whatever the
# guest reported. The shell mode exits with the guest's status too.
set -eu
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/qemu-x86_64.conf"

KERNEL= INITRD= MODE=check SWAP=none LOG= TIMEOUT=$GUEST_TIMEOUT QUIET= ROOT=initramfs RWDIR=
while getopts k:i:m:s:l:t:qrw: o; do
	case $o in
	k) KERNEL=$OPTARG ;;
	i) INITRD=$OPTARG ;;
	m) MODE=$OPTARG ;;
	s) SWAP=$OPTARG ;;
	l) LOG=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	q) QUIET=1 ;;
	r) ROOT=host ;;
	w) RWDIR=$OPTARG ;;
	*) die "usage: run-guest.sh -k KERNEL -i INITRD [-m MODE] [-s SWAP] [-l LOG] [-t SECONDS] [-q] [-r [-w DIR]]" ;;
	esac
done
[ -f "$KERNEL" ] && [ -f "$INITRD" ] || die "usage: run-guest.sh -k KERNEL -i INITRD ... (missing image: run 'make kernel')"
case "$MODE" in check|demo|exec|shell) ;; *) die "mode must be check, demo, exec or shell" ;; esac
case "$SWAP" in zram|disk|both|none) ;; *) die "SWAP must be zram, disk, both or none" ;; esac
case "$ROOT.$MODE" in
initramfs.*|host.exec|host.shell) ;;
*) die "-r (the host's root) works with modes exec and shell only" ;;
esac
if [ -n "$RWDIR" ]; then
	[ "$ROOT" = host ] || die "-w DIR needs -r: DIR is shown in the host's root"
	# QEMU splits -virtfs at commas, the kernel's command line at blanks.
	case "$RWDIR" in
	/*[!/]*) ;;
	*) die "-w DIR: an absolute path other than /, not '$RWDIR'" ;;
	esac
	case "$RWDIR" in
	*[!A-Za-z0-9/._-]*) die "-w DIR: only letters, digits and / . _ - in the path, not '$RWDIR'" ;;
	esac
	[ -d "$RWDIR" ] || die "-w DIR: no directory '$RWDIR'"
	# The guest mounts DIR below its /host: no symlink or .. in between.
	RWDIR=$(cd "$RWDIR" && pwd -P) || die "-w DIR: cannot resolve it"
	[ "$RWDIR" != / ] || die "-w DIR: an absolute path other than /"
	# Nor on top of what the guest needs of the host's root.
	for d in /tmp /proc /sys /dev /usr /bin /lib /sbin /etc; do
		case "$d/" in
		"$RWDIR"/*) die "-w DIR: '$RWDIR' would hide the guest's $d" ;;
		esac
	done
fi

# One disk image per boot, so that guests can run side by side.
disk=$(mktemp "$BUILD/swap-disk.XXXXXX")
status=$(mktemp)
data=
trap 'rm -f "$disk" "$status" ${data:+"$data"}' EXIT
truncate -s "$SWAP_DISK_SIZE" "$disk"
case "$DATA_DISK_SIZE" in
0) ;;
[1-9]*[0-9KMG]) ;;
*) die "DATA_DISK_SIZE: a size such as 256M, or 0 for none, not '$DATA_DISK_SIZE'" ;;
esac
if [ "$DATA_DISK_SIZE" != 0 ]; then
	data=$(mktemp "$BUILD/data-disk.XXXXXX")
	truncate -s "$DATA_DISK_SIZE" "$data"
fi

# One socket per NUMA node (scripts/qemu-x86_64.conf).
[ "$QEMU_NUMA_NODES" -le 1 ] || QEMU_SMP=$QEMU_SMP_NUMA
set -- "$QEMU_BIN" -accel "$QEMU_ACCEL" -machine "$QEMU_MACHINE" \
	-cpu "$QEMU_CPU" -smp "$QEMU_SMP" -m "$QEMU_MEM" \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "$KERNEL_CMDLINE $GUEST_TRACE_CMDLINE swapcache.mode=$MODE swapcache.swap=$SWAP swapcache.zram=$ZRAM_SIZE swapcache.root=$ROOT${RWDIR:+ swapcache.rwdir=$RWDIR}" \
	-drive "file=$disk,if=none,id=swapdisk,format=raw,cache=unsafe" \
	-device virtio-blk-pci,drive=swapdisk \
	-device "isa-debug-exit,iobase=$QEMU_EXIT_PORT,iosize=0x04" \
	-display none -vga none -no-reboot $QEMU_EXTRA
[ -z "$data" ] || set -- "$@" \
	-drive "file=$data,if=none,id=datadisk,format=raw,cache=unsafe" \
	-device virtio-blk-pci,drive=datadisk
if [ "$QEMU_NUMA_NODES" -gt 1 ]; then
	mem=$(echo "$QEMU_MEM" | sed -n 's/^\([0-9]*\)[Mm]$/\1/p')
	[ -n "$mem" ] && [ $((mem % QEMU_NUMA_NODES)) -eq 0 ] ||
		die "QEMU_MEM=$QEMU_MEM: with QEMU_NUMA_NODES=$QEMU_NUMA_NODES, give it in M, a multiple of the node count"
	ncpus=${QEMU_SMP%%,*}
	# CPUs in blocks of per: node n gets CPUs n * per to n * per + per - 1,
	# so a socket's cores (QEMU numbers them in a row) share its node.
	per=$((ncpus / QEMU_NUMA_NODES))
	n=0
	while [ $n -lt "$QEMU_NUMA_NODES" ]; do
		cpus=
		if [ "$per" -gt 1 ]; then
			cpus=",cpus=$((n * per))-$((n * per + per - 1))"
		elif [ $n -lt "$ncpus" ]; then
			cpus=",cpus=$n"
		fi
		set -- "$@" -object "memory-backend-ram,id=node$n,size=$((mem / QEMU_NUMA_NODES))M" \
			-numa "node,nodeid=$n,memdev=node$n$cpus"
		n=$((n + 1))
	done
fi
if [ "$ROOT" = host ]; then
	# multidevs=remap: the host's / spans several file systems.
	set -- "$@" -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	[ -z "$RWDIR" ] ||
		set -- "$@" -virtfs "local,path=$RWDIR,mount_tag=hostrw,security_model=none"
fi

# guest_status QRC: set rc to the status the guest handed out, which
# QEMU's exit code QRC carries as 2 * status + 3. Any other code sets
# rc=1 and says why: 1 is QEMU's own error exit (bad option, missing
# file), 0 a reboot or panic (-no-reboot), 124 and 137 the watchdog
# (a guest status of 67 also gives 137; a failure either way).
guest_status()
{
	rc=1
	case "$1" in
	''|*[!0-9]*)
		echo "run-guest: QEMU's exit status was not recorded" >&2 ;;
	1)
		echo "run-guest: QEMU failed to run (exit 1), no guest status" >&2 ;;
	124|137)
		echo "run-guest: guest hung: killed by the watchdog after ${TIMEOUT}s" >&2 ;;
	*)
		if [ "$1" -ge 3 ] && [ "$1" -le 255 ] && [ $(($1 % 2)) -eq 1 ]; then
			rc=$(( ($1 - 3) / 2 ))
		else
			echo "run-guest: guest stopped without reporting a status (QEMU exit $1): panic or reboot" >&2
		fi ;;
	esac
}

if [ "$MODE" = shell ]; then
	qrc=0
	"$@" -serial mon:stdio || qrc=$?
	guest_status "$qrc"
	exit "$rc"
fi

[ -n "$LOG" ] || LOG=$BUILD/console-$MODE.log
# Default to failure: a file without QEMU's exit code decodes as none.
echo none > "$status"
{
	set +e
	timeout -k 10 "$TIMEOUT" "$@" -serial stdio -monitor none < /dev/null
	echo $? > "$status"
} | tee "$LOG" | if [ -n "$QUIET" ]; then
	grep --line-buffered -v '^\[ *[0-9]*\.[0-9]*\] ' || true
else
	cat
fi
guest_status "$(cat "$status")"

if ! "$TOP/scripts/console-scan.sh" "$LOG"; then
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
