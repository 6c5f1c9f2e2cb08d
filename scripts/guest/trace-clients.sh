#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: trace-clients.sh
#
# Runs in the guest, in the host's root file system ("make trace-clients"
# boots it with run-guest.sh -r): records the swap trace events with
# Debian's trace-cmd and perf around swapcache_demo, which makes each of
# them fire, and checks that both decode every field of every event:
#  - every event of the swap system is recorded at least once;
#  - no event fails to parse ("[FAILED TO PARSE]");
#  - trace-cmd's raw output (-R) shows every field of the event's format;
#  - the __print_symbolic() fields (reason=, source=) decode to names, not
#    numbers, in trace-cmd report and in perf script.
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -u
T=/sys/kernel/tracing
DEMO="/tmp/kselftest/swapcache/swapcache_demo disk"
OUT=/tmp/trace-clients
# ok, not_ok, check, vmstat and the counters
# shellcheck source=scripts/guest/tap.sh
. "$(dirname "$0")/tap.sh"

# fields EVENT: the event's own fields, from its format file
fields()
{
	sed -n 's/^\tfield:[^;]* \([a-z_][a-z0-9_]*\);.*/\1/p' "$T/events/swap/$1/format" |
		grep -v '^common_'
}

# decoded FILE EVENT: every line of EVENT in FILE has each of its fields
# that __print_symbolic() prints as a name, not a number
decoded()
{
	grep -E "[ :]$2: " "$1" > "$OUT/lines" || return 1
	! grep -Eq '(reason|source)=[0-9-]' "$OUT/lines"
}

mkdir -p "$OUT"
events=$(cd "$T/events/swap" && for e in *; do [ -d "$e" ] && echo "$e"; done)
check "the swap events exist" test -n "$events"
echo "# events: $(echo $events)"

# trace-cmd
if command -v trace-cmd >/dev/null; then
	check "trace-cmd record -e swap" \
		sh -c "trace-cmd record -q -e swap -o '$OUT/trace.dat' $DEMO > '$OUT/demo1.log' 2>&1"
	trace-cmd report -i "$OUT/trace.dat" > "$OUT/report.txt" 2>"$OUT/report.err"
	check "trace-cmd report" test -s "$OUT/report.txt"
	trace-cmd report -R -i "$OUT/trace.dat" > "$OUT/raw.txt" 2>/dev/null
	check "trace-cmd report: nothing fails to parse" \
		sh -c "! grep -q 'FAILED TO PARSE' '$OUT/report.txt' '$OUT/raw.txt'"
	for e in $events; do
		check "trace-cmd: $e recorded" grep -Eq " $e: " "$OUT/report.txt"
		missing=
		grep -E " $e: " "$OUT/raw.txt" | head -n 1 > "$OUT/raw-$e"
		for f in $(fields "$e"); do
			grep -q " $f=" "$OUT/raw-$e" || missing="$missing $f"
		done
		check "trace-cmd -R: $e shows all of its fields${missing:+ (missing:$missing)}" \
			test -z "$missing" -a -s "$OUT/raw-$e"
		check "trace-cmd: $e decoded" decoded "$OUT/report.txt" "$e"
	done
else
	not_ok "trace-cmd is installed (make deps installs it for this target)"
fi

# perf
if command -v perf >/dev/null; then
	perf list 'swap:*' > "$OUT/perf-list.txt" 2>&1
	for e in $events; do
		check "perf list: swap:$e" grep -q "swap:$e" "$OUT/perf-list.txt"
	done
	check "perf record -e 'swap:*'" \
		sh -c "perf record -q -a -e 'swap:*' -o '$OUT/perf.data' $DEMO > '$OUT/demo2.log' 2>&1"
	perf script -i "$OUT/perf.data" > "$OUT/perf.txt" 2>"$OUT/perf.err"
	check "perf script" test -s "$OUT/perf.txt"
	check "perf script: nothing fails to parse" \
		sh -c "! grep -q 'FAILED TO PARSE' '$OUT/perf.txt'"
	for e in $events; do
		check "perf script: $e recorded and decoded" decoded "$OUT/perf.txt" "swap:$e"
	done
else
	not_ok "perf is installed (make deps installs linux-perf for this target)"
fi

if [ "$fail" -ne 0 ]; then
	echo "# first lines of the outputs:"
	for f in report.txt raw.txt perf.txt report.err perf.err demo1.log demo2.log; do
		[ -f "$OUT/$f" ] && sed -n "1,5s|^|# $f: |p" "$OUT/$f"
	done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
