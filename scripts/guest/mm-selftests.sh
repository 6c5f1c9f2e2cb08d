#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: mm-selftests.sh -m never|default -d DIR [-t SECONDS] [CATEGORY...]
#        mm-selftests.sh -m rerun -d DIR -s SPEC [-k ROUNDS] [-b SECONDS]
#                        [-t SECONDS]
#
# Runs in the guest, in the host's root file system ("make mm-selftests"
# boots it with run-guest.sh -r and zram swap): the upstream
# tools/testing/selftests/mm suite, installed in DIR (DIR/mm holds
# run_vmtests.sh and the programs), one run_vmtests.sh -t CATEGORY per
# category, each under a timeout of SECONDS (default 1800).
#
# -m never sets /sys/kernel/mm/swap/swapin_remap to "never", the stock
# swap-in; -m default leaves it as it booted. Either way the mode read
# at boot, before anything changes it, is printed first. The host
# (scripts/mm-selftests-compare.py) boots once per mode and compares the
# results of the two boots.
#
# -m rerun runs again the programs that SPEC names (the JSON that
# scripts/mm-selftests-compare.py --spec writes: the programs whose
# results differed between the two boots, each with its category and
# the runner's command line), in rounds: each round runs them once with
# swapin_remap=never and once at the boot mode (never first in odd
# rounds, last in even ones), through run_vmtests.sh -t CATEGORY with
# every other program of the category left out (the one change made to
# the runner for it: run_test() runs only the command in
# $MM_SELFTESTS_ONLY). Before each round, mm-selftests-compare.py
# --unresolved reads the re-runs so far and names the programs still
# needed: those with a difference of which one result has not yet come
# up in both modes. It stops when there are none, after ROUNDS rounds
# (default 20), or when another round as long as the last one would end
# after -b SECONDS (default 3000) from the first.
#
# Categories run by default: the ones whose tests touch anonymous memory,
# fork, COW, swap, madvise, mremap, mprotect, mlock, migration,
# compaction, userfaultfd, KSM, soft-dirty or pagemap:
DEFAULT_CATEGORIES="mmap gup_test userfaultfd compaction mlock mremap madv_populate
process_mrelease ksm ksm_numa pkey soft_dirty pagemap cow migration mkdirty mdwe"
# Left out, and why:
#  - thp (khugepaged, transhuge-stress, split_huge_page_test): far too
#    long under TCG, about 20 minutes a run on the debug kernel, 15 of
#    them in split_huge_page_test's pagecache part, which writes a 4 MiB
#    file a byte per write() nine times only to skip each time ("No
#    large pagecache folio generated": no XFS here). Name it in
#    MM_SELFTESTS_CATEGORIES to run it; its khugepaged swap-in collapse
#    does go through do_swap_page().
#  - hugetlb: hugetlbfs pages are never swapped, so no page of theirs
#    reaches the swap-in remap; the debug kernel has no CONFIG_HUGETLBFS
#    at all. The hugetlb cases inside the categories above (cow,
#    gup_test, uffd-stress hugetlb, compaction_test) still run wherever
#    the kernel has huge pages: run_vmtests.sh reserves 256 MiB of them
#    through /proc/sys/vm/nr_hugepages itself.
#  - vmalloc, hmm: they load the test_vmalloc and test_hmm modules, and
#    these kernels have no modules (CONFIG_MODULES is off); neither is
#    about user memory that can be swapped.
#  - memfd_secret: secretmem is not anonymous memory and is never
#    swapped (its pages are unmovable and unevictable).
#  - hugevm: virtual address space layout (virtual_address_range,
#    va_high_addr_switch): it maps, it does not fault or swap anonymous
#    pages; and virtual_address_range's page tables for 128 TiB took
#    900 MB, so that the OOM killer ended it after 4 minutes in the
#    1 GiB debug guest.
#    (Categories can still be named on the command line, or with
#    MM_SELFTESTS_CATEGORIES on the host.)
#
# Guest-side fixes so that tests run instead of skipping:
#  - the programs are copied to a tmpfs (/tmp): the host's root is
#    read-only, and some tests write next to themselves;
#  - swap is zram (run-guest.sh -s zram), checked to be on;
#  - with hugetlbfs, 128 huge pages of the default size (256 MiB) are
#    reserved before run_vmtests.sh starts: the runner reserves them
#    itself, but after the userfaultfd tests it sets nr_hugepages back to
#    what it found, whatever categories run, so that cow, gup_longterm
#    and pagemap_ioctl would find none ("need more free huge pages");
#  - on a kernel without hugetlbfs (the debug flavour), run_vmtests.sh
#    would stop before its first test ("no hugetlbfs support in
#    kernel?", exit 1): the copy goes on with zero huge pages instead,
#    the one change made to it (checked, and said on the console).
#  - KSM's smart scan is turned off (/sys/kernel/mm/ksm/smart_scan, 0):
#    ksm_tests counts on two full scans of ksmd merging two identical
#    pages (ksm_merge_pages() waits for full_scans to grow by 2), which
#    smart scan (6.7) broke: a page that has not changed for 3 scans is
#    skipped in more and more of them, at last 8 scans of 9, and ksm_tests
#    sets sleep_millisecs to 0, so that ksmd scans back to back, hundreds
#    of times a second. When "ksm_tests -N -m 1" marks its second page
#    mergeable, the first is that old, and the two scans it then waits
#    for seldom both look at it: with smart scan on, it failed in 26 of
#    60 runs on the debian kernel (15 of 30 with swapin_remap=never, 11
#    of 30 at auto), with it off in none of 60. ksm_tests saves, sets and
#    restores every other KSM tunable it depends on, not this one, and no
#    test here reads it.
#
# Output: run_vmtests.sh's own (TAP, every line of a program prefixed
# with "# "), framed by lines "mm-selftests: category C begin" and
# "mm-selftests: category C end: exit R in S s" (R is 124 on timeout);
# with -m rerun, each run of a round is framed by "mm-selftests: rerun
# N never|default begin: swapin_remap=MODE" and "mm-selftests: rerun N
# never|default end".
# Exits non-zero only if the run itself could not be done (no knob, no
# swap, a timeout): the tests' results are the host's to judge.
set -u
KNOB=/sys/kernel/mm/swap/swapin_remap
KSM=/sys/kernel/mm/ksm
MODE=
DIR=
TIMEOUT=1800
SPEC=
ROUNDS=20
BUDGET=3000
while getopts m:d:t:s:k:b: o; do
	case $o in
	m) MODE=$OPTARG ;;
	d) DIR=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	s) SPEC=$OPTARG ;;
	k) ROUNDS=$OPTARG ;;
	b) BUDGET=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
CATEGORIES=${*:-$DEFAULT_CATEGORIES}
RUN=/tmp/mm-selftests

say()
{
	echo "mm-selftests: $*"
}

die()
{
	say "error: $*"
	exit 1
}

vmstat()
{
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# counters: the swap and remap counters, one line. Zero-filled pages
# are swapped out and in without I/O, counted in swp*_zero, not pswp*.
counters()
{
	echo "pswpin=$(vmstat pswpin) pswpout=$(vmstat pswpout)" \
		"swpin_zero=$(vmstat swpin_zero) swpout_zero=$(vmstat swpout_zero)" \
		"swapin_remap_pte=$(vmstat swapin_remap_pte)" \
		"swapin_remap_walk=$(vmstat swapin_remap_walk)" \
		"swapin_remap_abort=$(vmstat swapin_remap_abort)"
}

# knob: the mode swapin_remap is at
knob()
{
	sed -n 's/.*\[\(.*\)\].*/\1/p' "$KNOB"
}

# run_category C: run_vmtests.sh -t C, framed, under the timeout
run_category()
{
	say "category $1 begin"
	t0=$(date +%s)
	rc=0
	timeout -k 30 "$TIMEOUT" bash ./run_vmtests.sh -t "$1" < /dev/null 2>&1 || rc=$?
	t1=$(date +%s)
	# A test that left the knob changed would change the other tests' run.
	now=$(knob)
	[ "$now" = "$mode" ] || { say "swapin_remap changed to $now, set back"; echo "$mode" > "$KNOB"; }
	say "category $1 end: exit $rc in $((t1 - t0)) s"
	say "counters: $(counters)"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		say "category $1 timed out after $TIMEOUT s"
		failed=1
	fi
}

case "$MODE" in never|default|rerun) ;; *) die "-m never|default|rerun" ;; esac
if [ "$MODE" = rerun ]; then
	[ -f "$SPEC" ] || die "-m rerun needs -s SPEC"
	case "$ROUNDS$BUDGET" in ''|*[!0-9]*) die "-k ROUNDS, -b SECONDS: numbers" ;; esac
	COMPARE=$(cd "$(dirname "$0")/.." && pwd)/mm-selftests-compare.py
	[ -f "$COMPARE" ] || die "no $COMPARE"
fi
[ -f "$DIR/mm/run_vmtests.sh" ] || die "no $DIR/mm/run_vmtests.sh: build it (make mm-selftests)"
[ -w "$KNOB" ] || die "no $KNOB: not a kernel with the swap-in remap"
boot_mode=$(knob)
say "swapin_remap at boot: $boot_mode"
if [ "$MODE" = never ]; then
	echo never > "$KNOB" || die "cannot set $KNOB to never"
fi
mode=$(knob)
say "run: $MODE, swapin_remap=$mode ($(cat "$KNOB"))"
[ "$MODE" = default ] && [ "$mode" != "$boot_mode" ] && die "the mode changed"
grep -q '^/dev/zram0 ' /proc/swaps || die "no swap on /dev/zram0 (run-guest.sh -s zram)"
say "kernel $(uname -r), $(nproc) CPUs, $(awk '/^MemTotal/ { print $2 " kB" }' /proc/meminfo)," \
	"NUMA nodes: $(ls -d /sys/devices/system/node/node* 2>/dev/null | wc -l)," \
	"swap: $(awk 'NR > 1 { printf "%s %s kB ", $1, $3 }' /proc/swaps)"

# sudo (on-fault-limit runs as "nobody") resolves the host name first.
if ! grep -qw "$(hostname)" /etc/hosts 2>/dev/null; then
	{ cat /etc/hosts 2>/dev/null; echo "127.0.1.1 $(hostname)"; } > /tmp/hosts &&
		mount --bind /tmp/hosts /etc/hosts
fi
rm -rf "$RUN"
cp -a "$DIR/mm" "$RUN" || die "copy to $RUN"
cd "$RUN" || die "cd $RUN"
if [ -e /proc/sys/vm/nr_hugepages ]; then
	echo 3 > /proc/sys/vm/drop_caches
	echo 1 > /proc/sys/vm/compact_memory 2>/dev/null
	echo 128 > /proc/sys/vm/nr_hugepages
	say "huge pages: $(awk '/^HugePages_Free/ { f = $2 } /^Hugepagesize/ { s = $2 }
		END { print f " free of " s " kB" }' /proc/meminfo)"
else
	sed -i '/echo "no hugetlbfs support in kernel?"/{
		s//echo "no hugetlbfs support in kernel: going on with no huge pages (mm-selftests.sh)"; freepgs=0; hpgsize_KB=0/
		n
		s/^\(\t*\)exit 1$/\1true/
	}' run_vmtests.sh
	grep -q 'going on with no huge pages' run_vmtests.sh &&
		! grep -A1 'going on with no huge pages' run_vmtests.sh | grep -q 'exit 1' ||
		die "run_vmtests.sh: the no-hugetlbfs exit was not found"
	say "no hugetlbfs in this kernel: run_vmtests.sh goes on with no huge pages"
fi

# KSM's smart scan off (see the header).
if [ -e "$KSM/smart_scan" ]; then
	echo 0 > "$KSM/smart_scan" && [ "$(cat "$KSM/smart_scan")" = 0 ] ||
		die "cannot set $KSM/smart_scan to 0"
	say "KSM smart_scan: 0"
fi

failed=0
if [ "$MODE" = rerun ]; then
	# run_test() runs only the command in $MM_SELFTESTS_ONLY, if set.
	sed -i 's/^\(\t*\)if test_selected \${CATEGORY}; then$/\1if test_selected ${CATEGORY} \&\& { [ -z "${MM_SELFTESTS_ONLY-}" ] || [ "$*" = "$MM_SELFTESTS_ONLY" ]; }; then/' \
		run_vmtests.sh
	[ "$(grep -c 'MM_SELFTESTS_ONLY' run_vmtests.sh)" -eq 1 ] ||
		die "run_vmtests.sh: run_test()'s test_selected line was not found"
	log=/tmp/mm-selftests-rerun.log
	todo=/tmp/mm-selftests-rerun.todo
	: > "$log"
	r=1
	start=$(date +%s)
	last=0
	while [ "$r" -le "$ROUNDS" ]; do
		python3 "$COMPARE" --unresolved "$SPEC" "$log" > "$todo" ||
			die "mm-selftests-compare.py --unresolved failed"
		[ -s "$todo" ] || break
		t=$(date +%s)
		if [ $((t - start + last)) -gt "$BUDGET" ]; then
			say "rerun: stopped after $((r - 1)) rounds, $((t - start)) s: another would end after $BUDGET s"
			break
		fi
		say "rerun round $r of at most $ROUNDS: $(cut -f 2 "$todo" | paste -s -d ,)"
		if [ $((r % 2)) -eq 1 ]; then order="never default"; else order="default never"; fi
		for m in $order; do
			if [ "$m" = never ]; then mode=never; else mode=$boot_mode; fi
			echo "$mode" > "$KNOB" || die "cannot set $KNOB to $mode"
			{
				say "rerun $r $m begin: swapin_remap=$(knob)"
				say "counters before: $(counters)"
				while IFS="$(printf '\t')" read -r c cmd; do
					MM_SELFTESTS_ONLY=$cmd
					export MM_SELFTESTS_ONLY
					run_category "$c"
				done < "$todo"
				say "rerun $r $m end"
			} 2>&1 | tee -a "$log"
		done
		last=$(($(date +%s) - t))
		r=$((r + 1))
	done
	echo "$boot_mode" > "$KNOB"
	[ "$(knob)" = "$boot_mode" ] || die "cannot set $KNOB back to $boot_mode"
	say "done"
	exit 0
fi
say "categories: $(printf "%s " $CATEGORIES)"
say "counters before: $(counters)"
for c in $CATEGORIES; do
	run_category "$c"
done
say "done"
exit "$failed"
