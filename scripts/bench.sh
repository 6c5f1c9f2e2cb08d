#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench.sh
#
# Boots the stock 6.12 kernel and the patched one, both built with the
# non-debug "bench" config, and runs the same swapcache_bench cases in
# each, so that the figures sit side by side. On the patched kernel the
# cases run once per swap-in remap mode the kernel offers
# (/sys/kernel/mm/swap/swapin_remap), or once if it has no such knob.
#
# Environment: BENCH_REPS (default 3), BENCH_MIB (default 64),
# BENCH_SHARERS (default "1 2 4 8 16"), BENCH_BACKENDS ("zram disk").
# Prints a table of medians and writes build/bench/results.txt,
# build/bench/table.txt and build/bench/all_s.png.
set -eu
. "$(dirname "$0")/lib.sh"

REPS=${BENCH_REPS:-3}
MIB=${BENCH_MIB:-64}
SHARERS=${BENCH_SHARERS:-1 2 4 8 16}
BACKENDS=${BENCH_BACKENDS:-zram disk}
OUT=$BUILD/bench
KNOB=/sys/kernel/mm/swap/swapin_remap
mkdir -p "$OUT"

# cases_script LABEL: the guest commands that run every case once
cases_script()
{
	bin=/kselftest/swapcache/swapcache_bench
	for b in $BACKENDS; do
		for n in $SHARERS; do
			echo "$bin -b $b -w share -n $n -m $MIB -r $REPS -l \"\$label\" || rc=1"
		done
		echo "$bin -b $b -w snapshot -m $MIB -r $REPS -l \"\$label\" || rc=1"
	done
}

# guest_cmd TREE: the whole guest script for one kernel
guest_cmd()
{
	echo "rc=0"
	if [ "$1" = patched ]; then
		echo "modes=\$(cat $KNOB 2>/dev/null | tr -d '[]') || true"
		echo "[ -n \"\$modes\" ] || modes=default"
		echo "for m in \$modes; do"
		echo "[ \"\$m\" = default ] || echo \$m > $KNOB || rc=1"
		echo "label=patched-\$m"
		cases_script
		echo "done"
	else
		echo "label=stock"
		cases_script
	fi
	echo "exit \$rc"
}

scripts=$TOP/scripts
for tree in stock patched; do
	"$scripts/prepare-tree.sh" "$tree"
	"$scripts/build-kernel.sh" "$tree" bench
done
: > "$OUT/results.txt"
failed=0
for tree in stock patched; do
	msg "benchmarking $tree"
	"$scripts/mkinitramfs.sh" "$OUT/initramfs-$tree.cpio" "$BUILD/kselftest" "" "$(guest_cmd $tree)"
	"$scripts/run-guest.sh" -k "$BUILD/bzImage-$tree-bench" -i "$OUT/initramfs-$tree.cpio" \
		-m exec -s none -l "$OUT/console-$tree.log" -q -t 3000 > "$OUT/guest-$tree.out" || {
		msg "the $tree benchmark run failed: see $OUT/console-$tree.log"
		failed=1
	}
	tr -d '\r' < "$OUT/console-$tree.log" | grep '^bench: ' >> "$OUT/results.txt"
done
python3 "$scripts/bench-report.py" "$OUT/results.txt" "$OUT"
[ "$failed" -eq 0 ] || die "some cases failed; the table shows the ones that ran"
