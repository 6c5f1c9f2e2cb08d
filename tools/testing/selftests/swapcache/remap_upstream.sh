#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The upstream mm test of what the swap-in remap changes, with the remap
# off and on: cow (COW of anonymous pages, also after swap-out and fork).
# It must pass, skip nothing, and report the same results in every
# swapin_remap mode as with "never", the stock swap-in; and it must have
# made the remap work (swapin_remap_pte) in each mode.
#
# ksm_functional_tests runs once too, with the default mode, because the
# series touches what it tests (KSM pages, ksm_might_need_to_copy()) but
# it never swaps: it is checked to pass without swapping (pswpin and
# pswpout unchanged), and is no coverage of the remap. KSM pages going
# to swap and coming back, with the remap on and off, are
# remap_test's ksm_left_alone.
#
# Swap is zram, as the remap's default ("auto") frees slots there. At
# the end, swap_leak_check: no slot left in use, swapoff, and nothing
# left in the swap cache, zram0 or zswap.
#
# With CONFIG_HUGETLB_PAGE, cow also runs its hugetlb cases, once per
# huge page size; each needs two free huge pages, so four of each size
# are reserved for the run (the debian flavour's guest has only the
# 2 MiB size: its CPU model has no 1 GiB pages).
#
# One skip is allowed, because the stock kernel makes it: 6.12 cannot
# MADV_COLLAPSE a PTE-mapped THP that is fully COW-shared after fork()
# (EINVAL), and cow skips that case. The comparison with "never" still
# requires it to be the same skip in every mode.
ALLOWED_SKIP='MADV_COLLAPSE failed: Invalid argument'

KNOB=/sys/kernel/mm/swap/swapin_remap
ZRAM=/sys/block/zram0
DIR=$(cd "$(dirname "$0")" && pwd)
TMP=${TMPDIR:-/tmp}/remap_upstream.$$
COW=mm_cow
KSM=mm_ksm_functional_tests
MODES_ON="auto keep free"

n=0
fails=0
result()	# result OK|FAIL DESCRIPTION
{
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}

bail()
{
	echo "Bail out! $*"
	exit 1
}

vmstat()
{
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

echo "TAP version 13"
# cow: one run with "never"; per mode on: a run, the comparison with
# "never", the remap count; ksm_functional_tests: one run; the leak check
echo "1..$((1 + 3 * 3 + 1 + 1))"

[ "$(id -u)" -eq 0 ] || bail "needs root"
[ -w "$KNOB" ] || bail "no $KNOB: not a kernel with the swap-in remap"
[ -d "$ZRAM" ] || bail "no $ZRAM: the kernel needs CONFIG_ZRAM"
for p in $COW $KSM swap_leak_check; do
	[ -x "$DIR/$p" ] || bail "$DIR/$p is not built"
done
old_mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$KNOB")
mkdir -p "$TMP" || bail "mkdir $TMP"
# ksm_functional_tests re-executes itself as ./ksm_functional_tests.
ln -s "$DIR/mm_ksm_functional_tests" "$TMP/ksm_functional_tests" ||
	bail "symlink in $TMP"

HUGE_WANT=4
huge_saved=
cleanup()
{
	[ -n "$old_mode" ] && echo "$old_mode" > "$KNOB"
	for h in $huge_saved; do
		echo "${h#*=}" > "${h%=*}/nr_hugepages"
	done
	swapoff /dev/zram0 2>/dev/null
	echo 1 > "$ZRAM/reset" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

for d in /sys/kernel/mm/hugepages/hugepages-*; do
	[ -d "$d" ] || continue
	huge_saved="$huge_saved $d=$(cat "$d/nr_hugepages")"
	echo "$HUGE_WANT" > "$d/nr_hugepages"
	[ "$(cat "$d/free_hugepages")" -ge "$HUGE_WANT" ] ||
		bail "${d##*/}: $(cat "$d/free_hugepages") free huge pages, cow needs $HUGE_WANT"
done

swapoff -a 2>/dev/null
echo 1 > "$ZRAM/reset" 2>/dev/null
echo 256M > "$ZRAM/disksize" || bail "cannot size zram0"
mkswap /dev/zram0 > /dev/null || bail "mkswap /dev/zram0"
swapon /dev/zram0 || bail "swapon /dev/zram0"

# run PROG MODE: runs it, prints its totals; status 0 if it passed
# and skipped nothing but ALLOWED_SKIP. Its own KTAP goes to $TMP/PROG.MODE,
# one level deeper when echoed, so that it is not taken for ours.
run()
{
	out=$TMP/$1.$2
	echo "$2" > "$KNOB" || return 1
	t0=$(date +%s)
	(cd "$TMP" && "$DIR/$1") > "$out" 2>&1
	rc=$?
	# Fork children flush copies of the parent's buffered output: keep
	# each numbered result once, for the comparison.
	grep -E '^(not )?ok [0-9]+ ' "$out" | sort -u > "$out.results"
	totals=$(grep '^# Totals:' "$out" | tail -n 1)
	# Skips other than the allowed one, counted once each.
	skips=$(grep '# SKIP' "$out.results" | grep -cv "$ALLOWED_SKIP")
	echo "# $1, swapin_remap=$2: exit $rc in $(($(date +%s) - t0)) s; ${totals#\# }"
	if [ $rc -ne 0 ] || [ "$skips" -ne 0 ] ||
	   ! echo "$totals" | grep -q ' fail:0 '; then
		grep -e '^not ok' -e '# SKIP' "$out" | grep -v "$ALLOWED_SKIP" |
			sed 's/^/# # /'
		return 1
	fi
	[ -s "$out.results" ]
}

if run $COW never; then
	result OK "$COW with swapin_remap=never"
else
	result FAIL "$COW with swapin_remap=never"
fi

for m in $MODES_ON; do
	remapped=$(vmstat swapin_remap_pte)
	if run $COW "$m"; then
		result OK "$COW with swapin_remap=$m"
	else
		result FAIL "$COW with swapin_remap=$m"
	fi
	if cmp -s "$TMP/$COW.never.results" "$TMP/$COW.$m.results"; then
		result OK "$COW: same results with swapin_remap=$m as never"
	else
		diff "$TMP/$COW.never.results" "$TMP/$COW.$m.results" |
			sed 's/^/# /'
		result FAIL "$COW: same results with swapin_remap=$m as never"
	fi
	remapped=$(( $(vmstat swapin_remap_pte) - remapped ))
	echo "# $COW, swapin_remap=$m: $remapped PTEs remapped"
	if [ "$remapped" -gt 0 ]; then
		result OK "$COW exercised the remap with swapin_remap=$m"
	else
		result FAIL "$COW exercised the remap with swapin_remap=$m"
	fi
done

# Not remap coverage: it must pass, and must not have swapped, else
# this script would have to count it (and compare modes) as cow.
swapped=$(( $(vmstat pswpin) + $(vmstat pswpout) ))
remapped=$(vmstat swapin_remap_pte)
if run $KSM auto; then
	ok=OK
else
	ok=FAIL
fi
swapped=$(( $(vmstat pswpin) + $(vmstat pswpout) - swapped ))
remapped=$(( $(vmstat swapin_remap_pte) - remapped ))
echo "# $KSM: $swapped pages swapped in or out, $remapped PTEs remapped"
[ "$swapped" -eq 0 ] || ok=FAIL
result $ok "$KSM with swapin_remap=auto, without swap"

# Every program is done: nothing may be left in zram0, the swap cache or
# zswap, and swapoff must work (swap_leak_check.c). Its own KTAP one
# level deeper, as the programs'.
if "$DIR/swap_leak_check" > "$TMP/leak_check" 2>&1; then
	ok=OK
else
	ok=FAIL
fi
sed 's/^/# /' "$TMP/leak_check"
result $ok "leak_check"

echo "# Totals: pass:$((n - fails)) fail:$fails"
[ "$fails" -eq 0 ]
