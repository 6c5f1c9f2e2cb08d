# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Sourced by the guest scripts of scripts/guest that print one result
# line per check, "ok N NAME" or "not ok N NAME", and end with
# "N passed, N failed": the counters and the three functions below.
# vmstat NAME prints the named /proc/vmstat counter.
pass=0
fail=0

ok()
{
	echo "ok $((pass + fail + 1)) $*"
	pass=$((pass + 1))
}

not_ok()
{
	echo "not ok $((pass + fail + 1)) $*"
	fail=$((fail + 1))
}

# check NAME CONDITION-COMMAND...: one result
check()
{
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

vmstat()
{
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}
