#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The upstream mm tests of what the swap-in remap changes, with the remap
# off and on: cow (COW of anonymous pages, also after swap-out and fork)
# and ksm_functional_tests.  Each must pass, skip nothing, and report the
# same results in every swapin_remap mode as with "never", the stock
# swap-in.  cow must also have made the remap work (swapin_remap_pte).
#
# Swap is zram, as the remap's default ("auto") frees slots there.
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
PROGS="mm_cow mm_ksm_functional_tests"
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
# per program: one run with "never"; per mode on: a run, the comparison,
# and for cow the remap count
echo "1..$((2 + 3 * 5))"

[ "$(id -u)" -eq 0 ] || bail "needs root"
[ -w "$KNOB" ] || bail "no $KNOB: not a kernel with the swap-in remap"
[ -d "$ZRAM" ] || bail "no $ZRAM: the kernel needs CONFIG_ZRAM"
for p in $PROGS; do
	[ -x "$DIR/$p" ] || bail "$DIR/$p is not built"
done
old_mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$KNOB")
mkdir -p "$TMP" || bail "mkdir $TMP"
# ksm_functional_tests re-executes itself as ./ksm_functional_tests.
ln -s "$DIR/mm_ksm_functional_tests" "$TMP/ksm_functional_tests" ||
	bail "symlink in $TMP"

cleanup()
{
	[ -n "$old_mode" ] && echo "$old_mode" > "$KNOB"
	swapoff /dev/zram0 2>/dev/null
	echo 1 > "$ZRAM/reset" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

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

for p in $PROGS; do
	if run "$p" never; then
		result OK "$p with swapin_remap=never"
	else
		result FAIL "$p with swapin_remap=never"
	fi
done

for m in $MODES_ON; do
	for p in $PROGS; do
		remapped=$(vmstat swapin_remap_pte)
		if run "$p" "$m"; then
			result OK "$p with swapin_remap=$m"
		else
			result FAIL "$p with swapin_remap=$m"
		fi
		if cmp -s "$TMP/$p.never.results" "$TMP/$p.$m.results"; then
			result OK "$p: same results with swapin_remap=$m as never"
		else
			diff "$TMP/$p.never.results" "$TMP/$p.$m.results" |
				sed 's/^/# /'
			result FAIL "$p: same results with swapin_remap=$m as never"
		fi
		[ "$p" = mm_cow ] || continue
		remapped=$(( $(vmstat swapin_remap_pte) - remapped ))
		echo "# $p, swapin_remap=$m: $remapped PTEs remapped"
		if [ "$remapped" -gt 0 ]; then
			result OK "$p exercised the remap with swapin_remap=$m"
		else
			result FAIL "$p exercised the remap with swapin_remap=$m"
		fi
	done
done

echo "# Totals: pass:$((n - fails)) fail:$fails"
[ "$fails" -eq 0 ]
