#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: soak.sh   ("make soak [SOAK_S=600] [FLAVOUR=...] [EXTRA=dir]")
#
# The soak of scripts/guest/soak.sh: SOAK_S seconds of Debian's
# stress-ng (--verify) and remap_stress in one memory cgroup that swaps
# to zram and the disk, while swapin_remap changes mode and a swap device
# goes off and on every few seconds, then the leak check.
#  1. build remap_stress and swap_leak_check from build/linux-patched
#     (the kernel is not built: $KERNEL must exist) into
#     build/soak-kselftest$SFX;
#  2. boot $KERNEL with the host's root and swap on both devices, and run
#     the guest script; its results are on the console;
#  3. add the host's own: the guest ran to its end (no watchdog, panic
#     or reboot), and the console has no kernel problem
#     (scripts/console-scan.sh: BUG, WARNING, Oops, lockdep, KASAN...);
#     print the wall time and "N passed, N failed", the guest's results
#     and these together. Exits non-zero on any failure.
#
# Environment (the Makefile sets it): FLAVOUR, KERNEL, KOBJ, SFX,
# TIMEOUT_SCALE, SOAK_S (seconds, 60 or more), EXTRA (a directory whose
# files the guest finds first on PATH, ahead of the selftests: how the
# README shows each check failing), SOAK_GUEST_TIMEOUT (the watchdog,
# seconds; default SOAK_S + 2 * grace + 1800, scaled), SOAK_MODES (the
# swapin_remap modes to switch between, comma-separated; default: all
# the knob offers; "never" for the stock swap-in, to compare),
# SOAK_TAG (added to the names of the run's files, so that two soaks of
# one flavour can run side by side).
set -eu
. "$(dirname "$0")/lib.sh"

FLAVOUR=${FLAVOUR:-debug}
SFX=${SFX-}
KERNEL=${KERNEL:-$BUILD/bzImage-patched-$FLAVOUR}
KOBJ=${KOBJ:-$BUILD/obj-patched-$FLAVOUR}
SCALE=${TIMEOUT_SCALE:-1}
SOAK_S=${SOAK_S:-600}
EXTRA=${EXTRA:-}
SOAK_MODES=${SOAK_MODES:-}
TAG=${SOAK_TAG:+-$SOAK_TAG}
case "$TAG" in
*[!a-zA-Z0-9-]*) die "SOAK_TAG=$SOAK_TAG: letters, digits and dashes only" ;;
esac
case "$SOAK_MODES" in
*[!a-z,]*) die "SOAK_MODES=$SOAK_MODES: swapin_remap modes, comma-separated" ;;
esac
case "$SOAK_S" in
''|*[!0-9]*) die "SOAK_S=$SOAK_S: give the soak's length in seconds, 60 or more" ;;
esac
[ "$SOAK_S" -ge 60 ] || die "SOAK_S=$SOAK_S: give the soak's length in seconds, 60 or more"
[ -z "$EXTRA" ] || [ -d "$EXTRA" ] || die "EXTRA=$EXTRA is not a directory"
[ -f "$KERNEL" ] || die "no $KERNEL: build it first (make kernel FLAVOUR=$FLAVOUR)"
# Seconds the guest gives stress-ng and remap_stress past the end.
GRACE=$((600 * SCALE))
T_GUEST=${SOAK_GUEST_TIMEOUT:-$((SOAK_S + 2 * GRACE + 1800 * SCALE))}
SRC=$BUILD/linux-patched
KST=$BUILD/soak-kselftest$SFX$TAG
LOG=$BUILD/console-soak$SFX$TAG.log
INITRD=$BUILD/initramfs-soak$SFX$TAG.cpio

# 1. The selftests, as "make selftests" builds them, without the kernel.
HDRS=$KOBJ/usr/include
if [ ! -d "$HDRS/linux" ]; then
	for d in "$BUILD"/obj-patched-*/usr/include; do
		[ -d "$d/linux" ] && HDRS=$d && break
	done
	[ -d "$HDRS/linux" ] || die "no kernel headers in $KOBJ/usr/include (make kernel FLAVOUR=$FLAVOUR)"
	msg "no headers in $KOBJ/usr/include: using $HDRS, the same UAPI"
fi
# Only the two programs the soak runs, with the selftests' own Makefile.
OBJ=$BUILD/obj-soak-selftests$SFX$TAG
PROGS="remap_stress swap_leak_check"
msg "building $PROGS into $KST/swapcache"
rm -rf "$KST"
mkdir -p "$OBJ" "$KST/swapcache"
# shellcheck disable=SC2046
nice -n 10 make -s -C "$SRC/tools/testing/selftests/swapcache" OUTPUT="$OBJ" \
	KHDR_INCLUDES="-isystem $HDRS" $(for p in $PROGS; do echo "$OBJ/$p"; done) \
	> "$BUILD/soak-selftests$SFX$TAG.log" 2>&1 ||
	{ tail -n 20 "$BUILD/soak-selftests$SFX$TAG.log" >&2; die "build failed: $BUILD/soak-selftests$SFX$TAG.log"; }
for p in $PROGS; do
	cp "$OBJ/$p" "$KST/swapcache/"
done

# 2. The guest.
scripts/mkinitramfs.sh "$INITRD" "$KST" "$EXTRA" \
	"sh $TOP/scripts/guest/soak.sh -t $SOAK_S -g $GRACE -T $((600 * SCALE))${SOAK_MODES:+ -M $SOAK_MODES}"
msg "booting $KERNEL: a soak of $SOAK_S s (console: $LOG)"
start=$(date +%s)
rc=0
scripts/run-guest.sh -k "$KERNEL" -i "$INITRD" -m exec -s both -r -q \
	-l "$LOG" -t "$T_GUEST" 2> "$BUILD/soak-run-guest$SFX$TAG.err" || rc=$?
wall=$(( $(date +%s) - start ))
cat "$BUILD/soak-run-guest$SFX$TAG.err" >&2

# 3. The host's results, with the guest's.
summary=$(tr -d '\r' < "$LOG" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1 || true)
if [ -n "$summary" ]; then
	passed=${summary%% passed*}
	failed=${summary#*passed, }
	failed=${failed%% failed}
	echo "# the guest's results: $summary"
else
	passed=0 failed=1
	echo "not ok - the guest's results: no \"N passed, N failed\" line on the console"
fi
if tr -d '\r' < "$LOG" | grep -q '^swapcache-init: exit status'; then
	passed=$((passed + 1))
	echo "ok - the guest ran to its end (run-guest.sh exit $rc)"
else
	failed=$((failed + 1))
	echo "not ok - the guest ran to its end: hung, panicked or rebooted (run-guest.sh exit $rc, watchdog ${T_GUEST}s)"
fi
if scripts/console-scan.sh "$LOG" 2> "$BUILD/soak-console-scan$SFX$TAG.txt"; then
	passed=$((passed + 1))
	echo "ok - console: no kernel BUG, WARNING, Oops, lockdep or sanitizer report"
else
	failed=$((failed + 1))
	echo "not ok - console: kernel problems (console-scan.sh lists at most 20 lines)"
	grep -v '^console-scan: known' "$BUILD/soak-console-scan$SFX$TAG.txt" | sed 's/^/# /'
fi
echo "console: $LOG"
echo "wall time: $wall s (soak $SOAK_S s, boot and checks included)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
