#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: console-scan.sh LOG
#
# Fails, printing the lines, if the kernel reported a problem on the
# console. Only kernel lines (with a printk timestamp) are matched, so
# test output naming these words does not trip it. KASAN and KCSAN
# reports ("BUG: KASAN: ...", "BUG: KCSAN: ...") are caught by "BUG:".
#
# The one exception is KCSAN_UPSTREAM below: data races of upstream 6.12
# code that the series does not change, seen by the kcsan flavour. Each
# entry is the exact title of a report, "BUG: KCSAN: data-race in A / B"
# (KCSAN prints the two functions of the racing accesses, sorted, without
# offsets). Only that title line is let through, and it is named on
# stderr; the report stays in the log, and any other race, also one of
# these functions with a third, still fails.
#
# WARN_UPSTREAM lists the exact message of upstream 6.12 WARN()s that a
# flavour's configuration trips in code the series does not change. A
# "cut here" block whose message is one of them is let through, up to
# its "end trace" line (at most 100 lines), and named on stderr; a WARN
# with any other message still fails.
set -eu
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: console-scan.sh LOG" >&2; exit 2; }
pat='BUG:|WARNING:|Oops|Call Trace:|Kernel panic|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|UBSAN:|Bad page|Bad swap|Unused swap|soft lockup|blocked for more than'
# kernel/time/timekeeping.c:2341 do_timer() "jiffies_64 += ticks" (under
# jiffies_lock) against the plain read of jiffies_64 in
# mm/memcontrol.c:623 mem_cgroup_flush_stats_ratelimited(), from
# memory.reclaim: an aligned 64-bit load, only a rate-limit heuristic
# (get_jiffies_64() would mark it).
#
# block/blk-merge.c:560 __blk_rq_map_sg() -> bvec_phys() ->
# page_to_section() (include/linux/mm.h:1885), a plain read of the
# section bits of page->flags (classic SPARSEMEM, the trimmed configs),
# against folio_test_clear_readahead() in swap_cache_get_folio()
# (mm/swap_state.c, unchanged by the series), an atomic RMW of another
# bit of the same word: the section bits never change.
KCSAN_UPSTREAM='
BUG: KCSAN: data-race in do_timer / mem_cgroup_flush_stats_ratelimited
BUG: KCSAN: data-race in __blk_rq_map_sg / swap_cache_get_folio
'
# DEBUG_VM's duplicate-name check in kmem_cache_sanity_check()
# (mm/slab_common.c:107) with slab merging on (Debian's
# SLAB_MERGE_DEFAULT=y): zswap's zsmalloc pool makes "zs_handle-zswapN",
# which merges into the cache created as "zs_handle-zram0" and takes a
# reference on it. Resetting zram then leaves that cache, under zram's
# name, in slab_caches, and setting zram up again creates the name a
# second time. Reproduced without any test program: enable zswap,
# swapoff, reset and resize zram0 (the debian flavour only).
WARN_UPSTREAM="
kmem_cache of name 'zs_handle-zram0' already exists
"
hits=$(tr -d '\r' < "$1" | grep -E '^\[ *[0-9]+\.[0-9]+\]' |
	PAT=$pat RACES=$KCSAN_UPSTREAM WARNS=$WARN_UPSTREAM awk '
	BEGIN {
		n = split(ENVIRON["RACES"], r, "\n"); for (i = 1; i <= n; i++) if (r[i] != "") race[r[i]] = 1
		n = split(ENVIRON["WARNS"], w, "\n"); for (i = 1; i <= n; i++) if (w[i] != "") warn[w[i]] = 1
	}
	{
		t = $0; sub(/^\[[^]]*\] /, "", t)
		if (t in warn) { inwarn = 100; seen["warning"] = seen["warning"] "\n" t; next }
		if (inwarn) { inwarn--; if (t ~ /---\[ end trace/) inwarn = 0; next }
		if (t !~ ENVIRON["PAT"]) next
		if (t in race) { seen["race"] = seen["race"] "\n" t; next }
		print
	}
	END {
		for (k in seen) {
			n = split(seen[k], l, "\n")
			for (i = 1; i <= n; i++) if (l[i] != "" && !(k SUBSEP l[i] in done)) {
				done[k, l[i]] = 1
				print "console-scan: known upstream " k ", not counted: " l[i] > "/dev/stderr"
			}
		}
	}' || true)
if [ -n "$hits" ]; then
	echo "console-scan: kernel problems in $1:" >&2
	printf '%s\n' "$hits" | head -n 20 >&2
	exit 1
fi
