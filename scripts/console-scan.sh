#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: console-scan.sh LOG
#
# Fails, printing the lines, if the kernel reported a problem on the
# console. Only kernel lines (with a printk timestamp) are matched, so
# test output naming these words does not trip it.
set -eu
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: console-scan.sh LOG" >&2; exit 2; }
pat='BUG:|WARNING:|Oops|Call Trace:|Kernel panic|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|UBSAN:|Bad page|Bad swap|Unused swap|soft lockup|blocked for more than'
hits=$(tr -d '\r' < "$1" | grep -E '^\[ *[0-9]+\.[0-9]+\]' | grep -E "$pat" || true)
if [ -n "$hits" ]; then
	echo "console-scan: kernel problems in $1:" >&2
	printf '%s\n' "$hits" | head -n 20 >&2
	exit 1
fi
