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
set -eu
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: console-scan.sh LOG" >&2; exit 2; }
pat='BUG:|WARNING:|Oops|Call Trace:|Kernel panic|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|UBSAN:|Bad page|Bad swap|Unused swap|soft lockup|blocked for more than'
# kernel/time/timekeeping.c:2341 do_timer() "jiffies_64 += ticks" (under
# jiffies_lock) against the plain read of jiffies_64 in
# mm/memcontrol.c:623 mem_cgroup_flush_stats_ratelimited(), from
# memory.reclaim: an aligned 64-bit load, only a rate-limit heuristic
# (get_jiffies_64() would mark it).
KCSAN_UPSTREAM='
BUG: KCSAN: data-race in do_timer / mem_cgroup_flush_stats_ratelimited
'
hits=$(tr -d '\r' < "$1" | grep -E '^\[ *[0-9]+\.[0-9]+\]' | grep -E "$pat" || true)
known=$(printf '%s\n' "$KCSAN_UPSTREAM" | grep -v '^$' || true)
if [ -n "$hits" ] && [ -n "$known" ]; then
	upstream=$(printf '%s\n' "$hits" | sed 's/^\[[^]]*\] //' | grep -Fx "$known" || true)
	hits=$(printf '%s\n' "$hits" | KNOWN=$known awk '
		BEGIN { n = split(ENVIRON["KNOWN"], k, "\n"); for (i = 1; i <= n; i++) skip[k[i]] = 1 }
		{ t = $0; sub(/^\[[^]]*\] /, "", t); if (!(t in skip)) print }')
	[ -z "$upstream" ] || printf '%s\n' "$upstream" | sort -u | sed \
		's/^/console-scan: known upstream race, not counted: /' >&2
fi
if [ -n "$hits" ]; then
	echo "console-scan: kernel problems in $1:" >&2
	printf '%s\n' "$hits" | head -n 20 >&2
	exit 1
fi
