#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: ktap-summary.sh LOG [EXTRA_FAILURES]
#
# Counts the results of run_kselftest.sh in a guest console LOG and
# prints them, ending with the line "N passed, N failed". Exits non-zero
# unless every planned result passed and at least one did.
#
# The log has two KTAP levels. The runner prints "1..N" (one plan per
# collection), then per program a "# selftests: DIR: PROG" header, the
# program's own KTAP prefixed with "# " ("# 1..M", "# ok 1 ...", deeper
# kselftest_harness.h lines as "# #  RUN ..."), and a closing
# "ok|not ok N selftests: DIR: PROG" line. Only the "# ok N" / "# not ok N"
# level is counted as results; deeper lines are ignored.
#
# Inside our own guest every feature a test needs is present, so a SKIP
# means the setup is broken: it is counted as a failure. Each of these
# adds a failure too, printed as a FAIL line:
#  - a program whose result numbers are not exactly 1..M of its plan
#    (a number missing, repeated or beyond the plan; a repeated line is
#    not counted as a pass, so it cannot stand in for a missing one);
#  - a program that failed without failing a result (crash, timeout);
#  - a program without its closing "ok|not ok N selftests:" line (the
#    next header or the end of the log came first);
#  - a closing line whose number is not the program's position, and a
#    runner plan "1..N" that does not match the programs seen (or no
#    runner plan at all).
# EXTRA_FAILURES (harness problems: hung guest, console splat) are added
# to the failed count.
set -eu
[ $# -ge 1 ] && [ -f "$1" ] || { echo "usage: ktap-summary.sh LOG [EXTRA_FAILURES]" >&2; exit 2; }
tr -d '\r' < "$1" | awk -v extra="${2:-0}" '
BEGIN {
	# top_plan: the runner plan of the current collection, -1 if none
	# yet; coll_progs: programs seen since that plan.
	top_plan = -1; coll_progs = 0; top_plans = 0
}

# fail_prog MSG: one failure of the current program
function fail_prog(msg) {
	printf("FAIL %s: %s\n", prog, msg)
	failed++; prog_failed++
}

# close_prog(LINE, BAD, CLOSED): end the current program. BAD: its
# closing line said it failed; CLOSED: it had a closing line at all.
function close_prog(line, bad, closed,   k, last, missing, list) {
	if (prog == "")
		return
	# Every number from 1 to the plan (to the highest seen if there was
	# no plan) must have been reported; numbers beyond the plan failed
	# when they came.
	last = plan > 0 ? plan : maxnum
	missing = 0; list = ""
	for (k = 1; k <= last; k++) {
		if (!(k in nums)) {
			missing++
			if (missing <= 10)
				list = list (list == "" ? "" : " ") k
		}
	}
	if (missing > 0) {
		printf("FAIL %s: %d of %d %sresults missing (numbers %s%s)\n", prog,
		       missing, last, plan > 0 ? "planned " : "", list,
		       missing > 10 ? " ..." : "")
		failed += missing; prog_failed += missing
	}
	if (!closed)
		fail_prog("no closing \"ok N selftests:\" line (" line ")")
	else if (bad && prog_failed == 0)
		fail_prog("program failed (" line ")")
	prog = ""
}

# close_collection(): check the runner plan against the programs seen
function close_collection() {
	if (top_plan < 0) {
		if (coll_progs > 0) {
			printf("FAIL: %d programs without a runner plan (1..N)\n", coll_progs)
			failed++
		}
	} else if (coll_progs != top_plan) {
		printf("FAIL: runner planned %d programs (1..%d), %d seen\n",
		       top_plan, top_plan, coll_progs)
		failed++
	}
}

# start_prog(NAME): a new program of the current collection
function start_prog(name) {
	prog = name; plan = 0; maxnum = 0; prog_failed = 0
	split("", nums)
	progs++; coll_progs++
}

/^1\.\.[0-9]+/ {
	close_prog("next runner plan came first", 0, 0)
	if (top_plans++ > 0 || coll_progs > 0)
		close_collection()
	top_plan = substr($1, 4) + 0; coll_progs = 0
	next
}
/^# selftests: / {
	close_prog("next program started first", 0, 0)
	start_prog(substr($0, 14))
	next
}
prog != "" && /^# 1\.\.[0-9]+/ {
	plan = substr($2, 4) + 0
	next
}
prog != "" && /^# (not )?ok [0-9]+( |$)/ {
	line = substr($0, 3)
	n = (line ~ /^not/ ? $4 : $3) + 0
	if (n in nums) {
		fail_prog("result " n " reported again: " line)
		next
	}
	nums[n] = 1
	if (n > maxnum)
		maxnum = n
	if (plan > 0 && n > plan) {
		fail_prog("result " n " beyond the plan of " plan ": " line)
	} else if (line ~ / # [Ss][Kk][Ii][Pp]/) {
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
	name = $0
	sub(/^(not )?ok [0-9]+ selftests: /, "", name)
	sub(/ # .*/, "", name)
	# A closing line without its header still counts as a program.
	if (prog == "")
		start_prog(name)
	n = ($1 == "not" ? $3 : $2) + 0
	if (n != coll_progs)
		fail_prog("closing line numbered " n ", program " coll_progs " of its collection")
	close_prog($0, $0 ~ /^not ok/ || $0 ~ /# SKIP/, 1)
	next
}
END {
	close_prog("log ended first", 0, 0)
	if (top_plans > 0 || progs > 0)
		close_collection()
	if (progs == 0)
		print "FAIL: no kselftest program reported"
	failed += extra
	if (passed == 0 && failed == 0) {
		print "FAIL: no result passed"
		failed = 1
	}
	printf("%d passed, %d failed\n", passed, failed)
	exit (failed || !passed) ? 1 : 0
}'
