#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: ktap-summary-test.sh
#
# Self-test of scripts/ktap-summary.sh: feeds it synthetic console logs,
# a good one and one per defect it must catch, and checks its exit
# status and its last line ("N passed, N failed") for each. Prints one
# line per case and "ktap-summary-test: OK" at the end; exits non-zero
# if any case gave another status or summary.
set -eu
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

# good_log: two programs as run_kselftest.sh prints them on the console,
# with kernel lines in between and kselftest_harness.h's nested lines
good_log()
{
	cat <<'EOF'
[    5.123456] swapcache-init: booting
TAP version 13
1..2
# timeout set to 600
# selftests: swapcache: remap_test
# TAP version 13
# 1..3
# # Starting 3 tests from 2 test cases.
# #  RUN           remap.zram_auto.maps_every_sharer ...
# #            OK  remap.zram_auto.maps_every_sharer
# ok 1 remap.zram_auto.maps_every_sharer
# #  RUN           remap.zram_auto.frees_slot ...
[   12.345678] zram0: detected capacity change from 0 to 524288
# #            OK  remap.zram_auto.frees_slot
# ok 2 remap.zram_auto.frees_slot
# #  RUN           remap.disk_keep.keeps_slot ...
# #            OK  remap.disk_keep.keeps_slot
# ok 3 remap.disk_keep.keeps_slot
# # PASSED: 3 / 3 tests passed.
# # Totals: pass:3 fail:0 xfail:0 xpass:0 skip:0 error:0
ok 1 selftests: swapcache: remap_test
# timeout set to 600
# selftests: swapcache: remap_upstream.sh
# TAP version 13
# 1..2
# # mm_cow, swapin_remap=never: exit 0 in 9 s; Totals: pass:1 fail:0
# # # ok 7 nested result of a program run by the test
# ok 1 mm_cow with swapin_remap=never
# ok 2 mm_cow with swapin_remap=auto
# # Totals: pass:2 fail:0
ok 2 selftests: swapcache: remap_upstream.sh
swapcache-init: exit status 0
EOF
}

# check NAME WANT_STATUS WANT_SUMMARY [EXTRA]: run ktap-summary.sh on
# $tmp/NAME.log and compare its status and last line
check()
{
	rc=0
	"$TOP/scripts/ktap-summary.sh" "$tmp/$1.log" ${4:+"$4"} > "$tmp/$1.out" 2>&1 || rc=$?
	got=$(tail -n 1 "$tmp/$1.out")
	if [ "$rc" -eq "$2" ] && [ "$got" = "$3" ]; then
		echo "ok: $1: exit $rc, \"$got\""
	else
		echo "FAIL: $1: exit $rc, \"$got\"; want exit $2, \"$3\""
		sed 's/^/    /' "$tmp/$1.out"
		bad=1
	fi
}

good_log > "$tmp/good.log"
check good 0 "5 passed, 0 failed"

# Harness failures given by the caller still fail a good log.
cp "$tmp/good.log" "$tmp/extra.log"
check extra 1 "5 passed, 1 failed" 1

# The first program's closing line is lost: the next header comes first.
grep -v '^ok 1 selftests:' "$tmp/good.log" > "$tmp/lost-close.log"
check lost-close 1 "5 passed, 1 failed"

# The log ends inside the last program (guest died, line lost).
grep -v '^ok 2 selftests:' "$tmp/good.log" > "$tmp/lost-last-close.log"
check lost-last-close 1 "5 passed, 1 failed"

# The runner planned three programs; two ran.
sed 's/^1\.\.2$/1..3/' "$tmp/good.log" > "$tmp/top-plan.log"
check top-plan 1 "5 passed, 1 failed"

# No runner plan at all.
grep -v '^1\.\.2$' "$tmp/good.log" > "$tmp/no-top-plan.log"
check no-top-plan 1 "5 passed, 1 failed"

# Result 2 is printed twice and result 3 never: the count of result
# lines still equals the plan, the numbers do not.
sed 's/^# ok 3 remap.disk_keep.keeps_slot$/# ok 2 remap.zram_auto.frees_slot/' \
	"$tmp/good.log" > "$tmp/dup.log"
check dup 1 "4 passed, 2 failed"

# Result 1 is printed twice: more result lines than planned.
sed 's/^\(# ok 1 remap.*\)$/\1\n\1/' "$tmp/good.log" > "$tmp/dup-extra.log"
check dup-extra 1 "5 passed, 1 failed"

# Result 2 is missing: the plan says 3, two came.
grep -v '^# ok 2 remap' "$tmp/good.log" > "$tmp/missing.log"
check missing 1 "4 passed, 1 failed"

# A result numbered beyond the plan.
sed 's/^# ok 2 mm_cow/# ok 3 mm_cow/' "$tmp/good.log" > "$tmp/beyond.log"
check beyond 1 "4 passed, 2 failed"

# A skipped result counts as a failure in our guest.
sed 's/^# ok 3 remap.disk_keep.keeps_slot$/# ok 3 # SKIP no zram/' \
	"$tmp/good.log" > "$tmp/skip.log"
check skip 1 "4 passed, 1 failed"

# A program that failed (exit code) without failing a result.
sed 's/^ok 2 selftests: \(.*\)$/not ok 2 selftests: \1 # exit=1/' \
	"$tmp/good.log" > "$tmp/prog-fail.log"
check prog-fail 1 "5 passed, 1 failed"

# No results at all: a guest that printed nothing.
printf '[    1.000000] Linux version 6.12\n' > "$tmp/empty.log"
check empty 1 "0 passed, 1 failed"

# A program ran but reported no result (plan 0, closing ok): zero passes.
printf 'TAP version 13\n1..1\n# selftests: swapcache: x\n# 1..0\nok 1 selftests: swapcache: x\n' \
	> "$tmp/zero.log"
check zero 1 "0 passed, 1 failed"

[ "$bad" -eq 0 ] || die "ktap-summary-test: some cases gave the wrong result"
echo "ktap-summary-test: OK"
