#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: ktap-summary.sh LOG [EXTRA_FAILURES]
#
# Counts the results of run_kselftest.sh in a guest console LOG and
# prints them, ending with the line "N passed, N failed". Exits non-zero
# unless every planned result passed and at least one did.
#
# Inside our own guest every feature a test needs is present, so a SKIP
# means the setup is broken: it is counted as a failure. A program that
# reported fewer results than it planned, or that failed without failing
# a result (crash, timeout), adds a failure. EXTRA_FAILURES (harness
# problems: hung guest, console splat) are added to the failed count.
set -eu
[ $# -ge 1 ] && [ -f "$1" ] || { echo "usage: ktap-summary.sh LOG [EXTRA_FAILURES]" >&2; exit 2; }
tr -d '\r' < "$1" | awk -v extra="${2:-0}" '
function close_prog(line, bad) {
	if (prog == "")
		return
	if (seen < plan) {
		printf("FAIL %s: %d of %d planned results missing\n", prog, plan - seen, plan)
		failed += plan - seen
	}
	if (bad && prog_failed == 0 && seen >= plan) {
		printf("FAIL %s: program failed (%s)\n", prog, line)
		failed++
	}
	prog = ""
}
/^# selftests: / {
	prog = substr($0, 14); plan = 0; seen = 0; prog_failed = 0
	next
}
prog != "" && /^# 1\.\.[0-9]+/ {
	plan = substr($2, 4) + 0
	next
}
prog != "" && /^# (not )?ok [0-9]+ / {
	seen++
	line = substr($0, 3)
	if (line ~ / # [Ss][Kk][Ii][Pp]/) {
		printf("FAIL (skipped in our guest) %s: %s\n", prog, line)
		failed++; prog_failed++
	} else if (line ~ /^not ok/) {
		printf("FAIL %s: %s\n", prog, line)
		failed++; prog_failed++
	} else {
		passed++
	}
	next
}
/^(not )?ok [0-9]+ selftests: / {
	close_prog($0, $0 ~ /^not ok/ || $0 ~ /# SKIP/)
	progs++
	next
}
END {
	close_prog("no result line", 1)
	if (progs == 0)
		print "FAIL: no kselftest program reported"
	failed += extra
	if (passed == 0 && failed == 0)
		failed = 1
	printf("%d passed, %d failed\n", passed, failed)
	exit (failed || !passed) ? 1 : 0
}'
