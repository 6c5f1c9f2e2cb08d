#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: mm-selftests.sh   ("make mm-selftests [FLAVOUR=...]")
#
# The upstream tools/testing/selftests/mm suite, run with the swap-in
# remap off and at its default, the two result sets compared:
#  1. build it from the pristine base (the series does not change
#     tools/testing/selftests/mm; checked), exported from build/base.git
#     into build/mm-selftests-src, against the patched kernel's headers
#     ($KOBJ/usr/include), the kselftest way, into build/mm-selftests$SFX;
#     dynamic binaries, since the guest runs them in the host's root;
#  2. boot $KERNEL twice, with the host's root and zram swap, and run
#     scripts/guest/mm-selftests.sh in each: once with
#     swapin_remap=never, once at the mode the kernel booted with. Two
#     boots rather than one, so that each run starts from a fresh kernel
#     (nothing left by the other run: KSM, THP and sysctl settings, a
#     fragmented or pinned memory, swap slots), and a console problem
#     names the run that caused it;
#  3. if some results differ, boot once more and run the programs that
#     gave them again, in rounds of one run with swapin_remap=never and
#     one at the boot mode, until each difference has shown both of its
#     results in both modes (a flake of the test, not of the mode), or
#     for MM_SELFTESTS_RERUNS rounds, or 3/4 of the boot's timeout
#     (scripts/guest/mm-selftests.sh -m rerun); not if more than
#     MM_SELFTESTS_RERUN_MAX programs differ;
#  4. compare them (scripts/mm-selftests-compare.py): the time of each
#     category, the tests whose result differs and what their re-runs
#     gave, the tests that fail or skip in both runs with their reasons,
#     "N passed, N failed". A difference passes only if the re-runs
#     showed it to be a flake in both modes.
#
# Environment (the Makefile sets it): FLAVOUR, KERNEL, KOBJ, SFX,
# TIMEOUT_SCALE; MM_SELFTESTS_CATEGORIES (default: the guest script's
# list), MM_SELFTESTS_TIMEOUT (seconds per category),
# MM_SELFTESTS_GUEST_TIMEOUT (seconds per boot), both multiplied by
# TIMEOUT_SCALE; MM_SELFTESTS_RERUNS (rounds of re-runs at most,
# default 20; 0: none), MM_SELFTESTS_RERUN_MAX (default 8). Never
# builds the kernel: it must exist.
set -eu
. "$(dirname "$0")/lib.sh"

FLAVOUR=${FLAVOUR:-debug}
SFX=${SFX-}
KERNEL=${KERNEL:-$BUILD/bzImage-patched-$FLAVOUR}
KOBJ=${KOBJ:-$BUILD/obj-patched-$FLAVOUR}
SCALE=${TIMEOUT_SCALE:-1}
CATS=${MM_SELFTESTS_CATEGORIES:-}
T_CAT=$(( ${MM_SELFTESTS_TIMEOUT:-1800} * SCALE ))
T_BOOT=$(( ${MM_SELFTESTS_GUEST_TIMEOUT:-3600} * SCALE ))
RERUNS=${MM_SELFTESTS_RERUNS:-20}
RERUN_MAX=${MM_SELFTESTS_RERUN_MAX:-8}
case "$RERUNS$RERUN_MAX" in *[!0-9]*) die "MM_SELFTESTS_RERUNS and MM_SELFTESTS_RERUN_MAX: numbers" ;; esac
# Guest memory: mremap_test maps 2 GiB at once, which the default 1 GiB
# guest refuses (overcommit's heuristic); untouched, it costs no RAM.
QEMU_MEM=${QEMU_MEM:-3072M}
export QEMU_MEM
# With NUMA nodes, two CPUs on each: the migration tests want three CPUs
# or more (one to migrate, two to touch the pages), and with the
# default two they all SKIP ("Not enough threads or NUMA nodes").
QEMU_SMP_NUMA=${QEMU_SMP_NUMA:-4,sockets=2,cores=2,threads=1}
export QEMU_SMP_NUMA
SRC=$BUILD/mm-selftests-src
OBJ=$BUILD/obj-mm-selftests$SFX
OUT=$BUILD/mm-selftests$SFX
# What the mm selftests' build reads outside tools/testing/selftests.
SRC_PATHS="tools/testing/selftests tools/include mm/gup_test.h
lib/test_hmm_uapi.h include/vdso scripts/subarch.include"

[ -f "$KERNEL" ] || die "no $KERNEL: build it first (make kernel FLAVOUR=$FLAVOUR)"
# The kernel's UAPI headers. A flavour built with "make bzImage" alone
# has none installed; they do not depend on the config, so another
# build of the patched tree gives the same.
HDRS=$KOBJ/usr/include
if [ ! -d "$HDRS/linux" ]; then
	for d in "$BUILD"/obj-patched-*/usr/include; do
		[ -d "$d/linux" ] && HDRS=$d && break
	done
	[ -d "$HDRS/linux" ] || die "no kernel headers in $KOBJ/usr/include (make kernel FLAVOUR=$FLAVOUR)"
	msg "no headers in $KOBJ/usr/include: using $HDRS, the same UAPI"
fi
[ -d "$BUILD/base.git" ] || die "no $BUILD/base.git: run 'make tree'"
# The suite is upstream's only if the series leaves it alone.
if grep -l '^+++ b/tools/testing/selftests/mm/' "$TOP"/patches/*.patch 2>/dev/null ||
   [ -d "$TOP/tools/testing/selftests/mm" ]; then
	die "the series changes tools/testing/selftests/mm: build it from build/linux-patched instead"
fi

# 1. build
base=$(git --git-dir="$BUILD/base.git" rev-parse base)
if [ "$(cat "$SRC/.base" 2>/dev/null)" != "$base" ]; then
	msg "exporting the base's selftests to $SRC"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	# shellcheck disable=SC2086
	git --git-dir="$BUILD/base.git" archive base $SRC_PATHS | tar -x -C "$SRC"
	echo "$base" > "$SRC/.base"
fi
# check_config.sh probes liburing once per build, as a fresh tree would.
rm -f "$SRC/tools/testing/selftests/mm/local_config.h" \
	"$SRC/tools/testing/selftests/mm/local_config.mk"
msg "building selftests/mm against $HDRS"
rm -rf "$OUT"
# -DKSFT_SKIP=4: 6.12.117's khugepaged.c returns KSFT_SKIP without
# including kselftest.h, which defines it the same (upstream builds
# break the same way); the identical definition is harmless elsewhere.
nice -n 10 make -C "$SRC/tools/testing/selftests" TARGETS=mm O="$OBJ" \
	KHDR_INCLUDES="-isystem $HDRS" EXTRA_CFLAGS=-DKSFT_SKIP=4 \
	INSTALL_PATH="$OUT" -j"$JOBS" install > "$BUILD/mm-selftests-build$SFX.log" 2>&1 ||
	{ tail -n 20 "$BUILD/mm-selftests-build$SFX.log" >&2; die "build failed: $BUILD/mm-selftests-build$SFX.log"; }
[ -x "$OUT/mm/run_vmtests.sh" ] && [ -x "$OUT/mm/cow" ] || die "$OUT/mm: the install is incomplete"
grep -q LOCAL_CONFIG_HAVE_LIBURING "$SRC/tools/testing/selftests/mm/local_config.h" ||
	msg "warning: built without liburing (scripts/deps.sh mm installs liburing-dev)"

# 2. two boots
empty=$BUILD/mm-selftests-initrd
rm -rf "$empty"
mkdir -p "$empty"

# boot NAME GUEST-ARGS: boot with scripts/guest/mm-selftests.sh GUEST-ARGS,
# the console in $BUILD/console-mm-selftests-NAME$SFX.log; sets rc, log
boot()
{
	mode=$1
	initrd=$BUILD/initramfs-mm-$mode$SFX.cpio
	log=$BUILD/console-mm-selftests-$mode$SFX.log
	scripts/mkinitramfs.sh "$initrd" "$empty" "" \
		"sh $TOP/scripts/guest/mm-selftests.sh $2"
	start=$(date +%s)
	rc=0
	rm -f "$BUILD/mm-selftests-$mode$SFX.rc"
	# Only the guest script's own lines: the TAP stream is in the log.
	{ scripts/run-guest.sh -k "$KERNEL" -i "$initrd" -m exec -s zram -r -q \
		-l "$log" -t "$T_BOOT" || echo "run-guest-exit $?"; } |
		while IFS= read -r line; do
			case "$line" in
			"run-guest-exit "*) echo "$line" > "$BUILD/mm-selftests-$mode$SFX.rc" ;;
			mm-selftests:*|swapcache-init:*) printf '%s\n' "$line" ;;
			esac
		done
	if [ -f "$BUILD/mm-selftests-$mode$SFX.rc" ]; then
		rc=$(sed 's/run-guest-exit //' "$BUILD/mm-selftests-$mode$SFX.rc")
		rm -f "$BUILD/mm-selftests-$mode$SFX.rc"
	fi
	msg "$mode: boot done in $(( $(date +%s) - start )) s, run-guest.sh exit $rc"
}

rcs=
for mode in never default; do
	msg "booting $KERNEL: selftests/mm with swapin_remap=$mode (console: $BUILD/console-mm-selftests-$mode$SFX.log)"
	boot "$mode" "-m $mode -d $OUT -t $T_CAT $CATS"
	rcs="$rcs $log $rc"
done

# 3. re-runs of the programs whose results differ
spec=$BUILD/mm-selftests-rerun$SFX.json
rerun=
rm -f "$BUILD/console-mm-selftests-rerun$SFX.log"
# shellcheck disable=SC2086
python3 "$TOP/scripts/mm-selftests-compare.py" --spec "$spec" $rcs ||
	die "mm-selftests-compare.py --spec failed"
nprog=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["programs"]))' "$spec")
if [ "$nprog" -eq 0 ]; then
	msg "no result differs: no re-runs"
elif [ "$RERUNS" -eq 0 ]; then
	msg "$nprog programs with a difference, MM_SELFTESTS_RERUNS=0: no re-runs"
elif [ "$nprog" -gt "$RERUN_MAX" ]; then
	msg "$nprog programs with a difference, more than MM_SELFTESTS_RERUN_MAX=$RERUN_MAX: no re-runs"
else
	msg "booting $KERNEL: $nprog programs again, at most $RERUNS rounds of never and default (console: $BUILD/console-mm-selftests-rerun$SFX.log)"
	boot rerun "-m rerun -d $OUT -t $T_CAT -k $RERUNS -b $((T_BOOT * 3 / 4)) -s $spec"
	rerun="--rerun $log $rc"
fi

# 4. compare
rc=0
# shellcheck disable=SC2086
python3 "$TOP/scripts/mm-selftests-compare.py" $rerun $rcs > "$BUILD/mm-selftests$SFX.txt" || rc=$?
cat "$BUILD/mm-selftests$SFX.txt"
echo "results: $BUILD/mm-selftests$SFX.txt"
exit "$rc"
