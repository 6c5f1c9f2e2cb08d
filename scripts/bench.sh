#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench.sh
#
# Boots the stock 6.12 kernel and the patched one, both built with the
# same non-debug config (configs/BENCH_FLAVOUR.config: "bench", the
# trimmed one, by default), and runs the same cases in each, so that
# the figures sit side by side. On the patched
# kernel the cases run once per swap-in remap mode the kernel offers
# (/sys/kernel/mm/swap/swapin_remap), or once if it has no such knob.
#
# With BENCH_ROUNDS above 1 the two kernels boot in turn that many
# times, in the order stock, patched, patched, stock, stock, ... (so
# that neither always goes first), each running every case BENCH_REPS
# times, so that drift on the host spreads over both kernels rather
# than falling on one of them. (Parts forksrv and redis boot the
# patched kernel once per mode instead: see rounds().)
# BENCH_ICOUNT=1 runs this part under -icount too (see below): the times
# are then guest instructions, deterministic, and no longer wall clock.
#
# A second part measures what the series costs where it should cost
# nothing: the swap-heavy private case (1 reader x 64 MiB on zram), and 2
# sharers with the remap off, trace events disabled, stock against
# patched. Wall-clock times under TCG vary by 10-30% from run to run, so
# this part runs QEMU with -icount shift=0: guest time advances 1 ns per
# guest instruction, so the times are instruction counts, repeatable to
# about 0.3%, and the difference is the extra work the series does.
#
# A third part, "profile", shows where the instructions of the remap's
# case go: the patched kernel runs 8 sharers x 64 MiB on zram once per
# mode never, keep and free under -icount, with the QEMU plugin
# scripts/insn-profile.c counting the instructions of every kernel
# function; scripts/insn-profile.py prints the totals per pass, the first
# pass's top functions and what changed between the modes.
#
# Part "forksrv" runs a real application's pattern, every round:
# forkserver_bench, a zygote and BENCH_FORKSRV_WORKERS
# workers serving Zipf-skewed reads of their shared heap under steady
# reclaim, with data zram compresses 2.7:1 and data it cannot. Under
# -icount (BENCH_FORKSRV_ICOUNT=1, the default): latencies and rates in
# guest instructions, 1 ns each.
#
# Part "redis" runs Debian's redis-server and redis-benchmark,
# unchanged, in the host's root file system (run-guest.sh -r), with the
# RDB files in redis-rdb/ of the output directory, shared with the guest
# without a page cache (run-guest.sh -w), outside the cgroup's memory:
# scripts/guest/bench-redis.sh loads a data set made on the host
# (scripts/bench-redis-data.py) into a server in a memory cgroup whose
# memory.high holds less than it, pushes the heap to swap, and times
# BGSAVE, GETs while it runs, and a pass of GETs after it, on each
# backend of BENCH_REDIS_BACKENDS. Wall clock, not -icount: Redis is
# timed by its network clients and its file writes, which the host
# completes in host time. BENCH_REDIS_ICOUNT=1 times BGSAVE alone
# (bench-redis.sh -A: no GETs while it runs) under -icount shift=0,
# sleep=on, results in redis-icount/: BGSAVE's time is then the guest
# instructions of its window, 1 ns each, with the host's time of the
# RDB file's writes, during which the guest idles: the three runs of a
# kernel and mode came within 1-13% of each other (2-7% in another
# invocation), where wall clock varies by 10-30%.
#
# The tables of "forksrv" and "redis" give the median of each figure
# over every run, with its min-max spread, and mark a mode's difference from stock as noise
# where the two spreads overlap (scripts/bench-apps-report.py).
#
# Environment: BENCH_FLAVOUR (default bench), BENCH_REPS (default 3),
# BENCH_MIB (default 64), BENCH_SHARERS (default "1 2 4 8 16"),
# BENCH_BACKENDS ("zram disk"), BENCH_ROUNDS (default 1), BENCH_ICOUNT
# (default 0), BENCH_PARTS ("remap overhead profile"; "forksrv" and
# "redis" on request), BENCH_OVERHEAD_REPS (default 11); for "redis":
# BENCH_REDIS_BACKENDS ("zram disk"), BENCH_REDIS_KEYS (20000),
# BENCH_REDIS_VALUE (1000 bytes), BENCH_REDIS_LIMIT_MIB ("16 24": one
# case per memory.high; "none": no limit and nothing in swap, the
# baseline of the same BGSAVE and pass with the heap in memory),
# BENCH_REDIS_REPS (1 a boot), BENCH_REDIS_TRACE_FAULTS (1: trace the
# parent's faults in the pass, write-protect and not-present apart; it
# slows every fault, so the pass's times are not those of a run without
# it), BENCH_REDIS_ICOUNT (0; 1: BGSAVE alone under -icount, see
# above); for "forksrv": BENCH_FORKSRV_WORKERS ("4 16 64"), BENCH_FORKSRV_DATA
# ("text random"), BENCH_FORKSRV_BACKENDS ("zram"), BENCH_FORKSRV_REPS
# (1 a boot), BENCH_FORKSRV_ICOUNT (1), BENCH_FORKSRV_ARGS (more
# forkserver_bench options, "-m 96 -R 32 -w 2 -t 8"), BENCH_FORKSRV_MTHP
# (an mTHP size in KiB, e.g. 64: the heap in folios of that size, see
# forkserver_bench -T; its results go to forksrv-mthpSIZE/); for both,
# the patched kernel's remap modes BENCH_APPS_MODES ("auto keep": the default, and
# the one that keeps slots; on zram "auto" frees them unless the memory
# cgroup is near its limit).
# Prints tables of medians and writes build/bench/results.txt,
# table.txt, all_s.png, build/bench/icount/ for the second part,
# build/bench/profile/ for the third, build/bench/forksrv/ (table.txt,
# PNG) for part forksrv, build/bench/redis/ for part redis (redis-icount/
# with BENCH_REDIS_ICOUNT=1); with a BENCH_FLAVOUR other than bench,
# build/bench-FLAVOUR/ instead.
#
# Only boots that passed (guest status 0 and a clean console, as
# run-guest.sh checks) add their numbers to results.txt. table.txt (and
# icount/table.txt) are written only when every boot and report passed,
# by renaming at the very end, and start with the line BENCH_MARK, which
# scripts/mkseries.sh requires before it mails a table. A run with a
# failed boot removes the part's old table, writes none and exits
# non-zero.
set -eu
. "$(dirname "$0")/lib.sh"
# No trace event on from boot (scripts/qemu-x86_64.conf): the tables
# measure the kernels without tracing's sched_switch probe.
export GUEST_TRACE_CMDLINE=

REPS=${BENCH_REPS:-3}
MIB=${BENCH_MIB:-64}
SHARERS=${BENCH_SHARERS:-1 2 4 8 16}
BACKENDS=${BENCH_BACKENDS:-zram disk}
ROUNDS=${BENCH_ROUNDS:-1}
ICOUNT=${BENCH_ICOUNT:-0}
PARTS=${BENCH_PARTS:-remap overhead profile}
OREPS=${BENCH_OVERHEAD_REPS:-11}
FLAVOUR=${BENCH_FLAVOUR:-bench}
FORKSRV_WORKERS=${BENCH_FORKSRV_WORKERS:-4 16 64}
FORKSRV_DATA=${BENCH_FORKSRV_DATA:-text random}
FORKSRV_BACKENDS=${BENCH_FORKSRV_BACKENDS:-zram}
FORKSRV_REPS=${BENCH_FORKSRV_REPS:-1}
FORKSRV_ICOUNT=${BENCH_FORKSRV_ICOUNT:-1}
FORKSRV_ARGS=${BENCH_FORKSRV_ARGS:--m 96 -R 32 -w 2 -t 8}
FORKSRV_MTHP=${BENCH_FORKSRV_MTHP:-}
APPS_MODES=${BENCH_APPS_MODES:-auto keep}
REDIS_BACKENDS=${BENCH_REDIS_BACKENDS:-zram disk}
REDIS_KEYS=${BENCH_REDIS_KEYS:-20000}
REDIS_VALUE=${BENCH_REDIS_VALUE:-1000}
REDIS_LIMITS=${BENCH_REDIS_LIMIT_MIB:-16 24}
REDIS_REPS=${BENCH_REDIS_REPS:-1}
REDIS_TRACE=${BENCH_REDIS_TRACE_FAULTS:-0}
case "$REDIS_TRACE" in 0) REDIS_T= ;; 1) REDIS_T=" -T" ;;
*) die "BENCH_REDIS_TRACE_FAULTS: 0 or 1, not '$REDIS_TRACE'" ;;
esac
REDIS_ICOUNT=${BENCH_REDIS_ICOUNT:-0}
case "$REDIS_ICOUNT" in 0) REDIS_DIR=redis REDIS_A= ;;
1) REDIS_DIR=redis-icount REDIS_A=" -A" ;;
*) die "BENCH_REDIS_ICOUNT: 0 or 1, not '$REDIS_ICOUNT'" ;;
esac
[ -f "$TOP/configs/$FLAVOUR.config" ] ||
	die "BENCH_FLAVOUR=$FLAVOUR: no configs/$FLAVOUR.config (the benchmark config is bench)"
for p in $PARTS; do
	case $p in
	remap|overhead|profile|forksrv|redis) ;;
	*) die "BENCH_PARTS: unknown part '$p' (remap overhead profile forksrv redis)" ;;
	esac
done
for m in $APPS_MODES; do
	case $m in
	never|keep|free|auto) ;;
	*) die "BENCH_APPS_MODES: unknown swapin_remap mode '$m' (never keep free auto)" ;;
	esac
done
[ -n "$(echo $APPS_MODES)" ] ||
	die "BENCH_APPS_MODES: no mode in '$APPS_MODES' (never keep free auto)"
# Set by rounds() for each boot, never taken from the environment.
BOOT_NAME=
for v in "$ROUNDS" "$FORKSRV_REPS" "$REDIS_KEYS" "$REDIS_REPS" $(echo $REDIS_LIMITS | sed 's/\<none\>/1/g'); do
	case "$v" in ''|0|*[!0-9]*) die "BENCH_ROUNDS, BENCH_FORKSRV_REPS, BENCH_REDIS_KEYS, BENCH_REDIS_LIMIT_MIB and BENCH_REDIS_REPS take positive numbers (BENCH_REDIS_LIMIT_MIB also 'none')" ;; esac
done
case "$REDIS_VALUE" in
''|[0-9]|1[0-5]|*[!0-9]*) die "BENCH_REDIS_VALUE: bytes per value, 16 or more, not '$REDIS_VALUE'" ;;
esac
for b in $REDIS_BACKENDS; do
	case $b in
	zram|disk) ;;
	*) die "BENCH_REDIS_BACKENDS: unknown backend '$b' (zram disk)" ;;
	esac
done
case "$FORKSRV_MTHP" in
''|16|32|64|128|256|512|1024|2048) ;;
*) die "BENCH_FORKSRV_MTHP: an mTHP size in KiB, a power of two from 16 to 2048 (e.g. 64), not '$FORKSRV_MTHP'" ;;
esac
FORKSRV_DIR=forksrv${FORKSRV_MTHP:+-mthp$FORKSRV_MTHP}
if [ "$FLAVOUR" = bench ]; then
	OUT=$BUILD/bench
else
	OUT=$BUILD/bench-$FLAVOUR
fi
KNOB=/sys/kernel/mm/swap/swapin_remap
# First line of a finished table; scripts/mkseries.sh checks for it.
BENCH_MARK="# make bench: complete, every boot passed"
mkdir -p "$OUT"
# One boot's "bench:" lines, before they are known to count.
boot_results=$(mktemp)
trap 'rm -f "$boot_results"' EXIT

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

# guest_cmd TREE: the whole guest script for one kernel, every mode
guest_cmd()
{
	modes_cmd "$1" cases_script
}

# overhead_cmd TREE: the guest script of the overhead part
overhead_cmd()
{
	bin=/kselftest/swapcache/swapcache_bench
	echo "rc=0"
	echo "$bin -b zram -w share -n 1 -m $MIB -r $OREPS -l $1 || rc=1"
	if [ "$1" = patched ]; then
		echo "echo never > $KNOB || rc=1"
		echo "$bin -b zram -w share -n 2 -m $MIB -r $OREPS -l patched-never || rc=1"
	else
		echo "$bin -b zram -w share -n 2 -m $MIB -r $OREPS -l stock || rc=1"
	fi
	echo "exit \$rc"
}

# profile_cmd: the guest script of the profile part
profile_cmd()
{
	bin=/kselftest/swapcache/swapcache_bench
	echo "rc=0"
	for m in $PROFILE_MODES; do
		echo "echo $m > $KNOB || rc=1"
		echo "$bin -b zram -w share -n $PROFILE_SHARERS -m $MIB -r 1 -l patched-$m || rc=1"
	done
	echo "exit \$rc"
}

# boot TREE PART SCRIPT DIR [RESULTS]: run SCRIPT on TREE's bench kernel;
# 1 if it failed. The boot's result lines ("bench:", or BOOT_PREFIX) are
# collected in a temporary file and appended to RESULTS only when the
# guest and its console scan passed (run-guest.sh exits 0) and there
# was at least one. BOOT_FLAGS: more run-guest.sh options (-r);
# BOOT_NAME (set by rounds()): the name of the boot's files in DIR, else
# TREE.
boot()
{
	b=${BOOT_NAME:-$1}
	msg "benchmarking $b ($2)"
	"$scripts/mkinitramfs.sh" "$4/initramfs-$b.cpio" "$BUILD/kselftest" "" "$3" ||
		return 1
	"$scripts/run-guest.sh" -k "$BUILD/bzImage-$1-$FLAVOUR" -i "$4/initramfs-$b.cpio" \
		-m exec -s none -l "$4/console-$b.log" -q -t "${BOOT_TIMEOUT:-3000}" \
		${BOOT_FLAGS:-} > "$4/guest-$b.out" || {
		msg "the $b $2 run failed: see $4/console-$b.log; its numbers are left out"
		return 1
	}
	[ -n "${5:-}" ] || return 0
	tr -d '\r' < "$4/console-$b.log" | grep "^${BOOT_PREFIX:-bench}: " > "$boot_results" || {
		msg "the $b $2 run printed no results: see $4/console-$b.log"
		return 1
	}
	cat "$boot_results" >> "$5"
}

# rounds PART DIR RESULTS SCRIPT_FN BOOT_FN [MODES]: ROUNDS boots of each
# kernel, in the order stock, patched, patched, stock, stock, ...;
# SCRIPT_FN TREE prints the guest script, BOOT_FN boots it (boot() or a
# wrapper). With MODES (the parts forksrv and redis), one boot of the
# patched kernel per remap mode, SCRIPT_FN run with APPS_MODES set to
# that mode alone: stock, then the modes in MODES' order in odd rounds,
# the reverse in even ones. So a boot runs one kernel in one mode, as
# stock's boots do, and no mode runs after another in the same guest
# (README.md, "Benchmark", has the measurement behind this).
rounds()
{
	kernels=stock
	if [ -n "${6:-}" ]; then
		for m in $6; do kernels="$kernels patched:$m"; done
	else
		kernels="$kernels patched"
	fi
	reversed=
	for k in $kernels; do reversed="$k${reversed:+ $reversed}"; done
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		order=$kernels
		[ $((round % 2)) = 1 ] || order=$reversed
		for k in $order; do
			tree=${k%%:*} mode=
			[ "$k" = "$tree" ] || mode=${k#*:}
			BOOT_NAME=$tree${mode:+-$mode}
			rm -f "$2/console-$BOOT_NAME.log"
			"$5" "$tree" "$1, round $round of $ROUNDS" \
				"$([ -z "$mode" ] || APPS_MODES=$mode; "$4" "$tree")" \
				"$2" "$3" || failed=1
			# Keep each round's console.
			[ ! -f "$2/console-$BOOT_NAME.log" ] ||
				cp "$2/console-$BOOT_NAME.log" "$2/console-$BOOT_NAME-$round.log"
		done
		round=$((round + 1))
	done
	BOOT_NAME=
}

# modes_cmd TREE CASES_FN [MODES]: the guest script that runs CASES_FN's
# cases with $label set: "stock", or on the patched kernel once per remap
# mode ("patched-MODE"), of MODES or else of every mode the kernel offers
modes_cmd()
{
	echo "rc=0"
	if [ "$1" = patched ]; then
		echo "offered=\$(cat $KNOB 2>/dev/null | tr -d '[]') || true"
		echo "modes=default"
		echo "[ -z \"\$offered\" ] || modes=\"${3:-\$offered}\""
		echo "for m in \$modes; do"
		echo "case \" \$offered default \" in *\" \$m \"*) ;; *) echo \"bench: no swapin_remap mode \$m (\$offered)\"; rc=1; continue ;; esac"
		echo "[ \"\$m\" = default ] || echo \$m > $KNOB || rc=1"
		echo "label=patched-\$m"
		"$2"
		echo "done"
	else
		echo "label=stock"
		"$2"
	fi
	echo "exit \$rc"
}

# redis_cases: the guest commands of one boot of part "redis"
redis_cases()
{
	for b in $REDIS_BACKENDS; do
		for l in $REDIS_LIMITS; do
			echo "sh $TOP/scripts/guest/bench-redis.sh -d $REDIS_DATA -k $REDIS_KEYS -b $b -L $l -r $REDIS_REPS -o $REDIS_RDB$REDIS_T$REDIS_A -l \"\$label\" || rc=1"
		done
	done
}

redis_cmd()
{
	modes_cmd "$1" redis_cases "$APPS_MODES"
}

# redis_boot: boot() with the host's root, a data disk, swap room and
# REDIS_RDB, emptied, for the RDB files (run-guest.sh -w: no page cache
# in the guest); 20 minutes a run at most; under -icount with
# BENCH_REDIS_ICOUNT=1
redis_boot()
{
	if [ "$REDIS_ICOUNT" = 1 ]; then
		QEMU_ACCEL=tcg,thread=single QEMU_EXTRA="-icount shift=0,sleep=on" \
			redis_boot_now "$@"
	else
		redis_boot_now "$@"
	fi
}

redis_boot_now()
{
	rm -rf "$REDIS_RDB" && mkdir -p "$REDIS_RDB" ||
		die "cannot make $REDIS_RDB, for the RDB files"
	# A boot runs one kernel in one mode (rounds()).
	n=$(($(echo $REDIS_BACKENDS | wc -w) * $(echo $REDIS_LIMITS | wc -w) * REDIS_REPS))
	BOOT_FLAGS="-r -w $REDIS_RDB" BOOT_PREFIX=redis BOOT_TIMEOUT=$((1200 * n)) \
		DATA_DISK_SIZE=256M SWAP_DISK_SIZE=512M boot "$@"
}

# forksrv_cases: the guest commands of one boot of part "forksrv"
forksrv_cases()
{
	bin=/kselftest/swapcache/forkserver_bench
	for b in $FORKSRV_BACKENDS; do
		for d in $FORKSRV_DATA; do
			for k in $FORKSRV_WORKERS; do
				echo "$bin -b $b -d $d -k $k $FORKSRV_ARGS ${FORKSRV_MTHP:+-T $FORKSRV_MTHP }-r $FORKSRV_REPS -l \"\$label\" || rc=1"
			done
		done
	done
}

forksrv_cmd()
{
	modes_cmd "$1" forksrv_cases "$APPS_MODES"
}

# forksrv_boot: boot(), under -icount with BENCH_FORKSRV_ICOUNT=1
forksrv_boot()
{
	if [ "$FORKSRV_ICOUNT" = 1 ]; then
		QEMU_ACCEL=tcg,thread=single QEMU_EXTRA="-icount shift=0,sleep=on" \
			BOOT_PREFIX=forksrv BOOT_TIMEOUT=14400 boot "$@"
	else
		BOOT_PREFIX=forksrv BOOT_TIMEOUT=14400 boot "$@"
	fi
}

# publish DIR: the table bench-report.py wrote to DIR/table.txt.new,
# marked complete, becomes DIR/table.txt in one rename
publish()
{
	{ echo "$BENCH_MARK"; cat "$1/table.txt.new"; } > "$1/table.txt.tmp"
	mv "$1/table.txt.tmp" "$1/table.txt"
	rm -f "$1/table.txt.new"
}

# apps_dir_reset DIR PNG: an empty DIR/results.txt, and nothing of an
# earlier run in DIR: its consoles, plot data, tables and PNG
apps_dir_reset()
{
	mkdir -p "$1"
	: > "$1/results.txt"
	rm -f "$1/table.txt" "$1/table.txt.new" "$1"/console-*.log "$1"/*.dat \
		"$1"/guest-*.out "$1"/initramfs-*.cpio "$1/$2"
}

# apps_report PART DIR HOW: bench-apps-report.py's table of DIR's results,
# with HOW (how it was made) as its first line; 1 if the report failed
apps_report()
{
	echo "$3"
	python3 "$scripts/bench-apps-report.py" "$1" "$2/results.txt" "$2" ||
		return 1
	{ echo "$3"; echo; cat "$2/table.txt.new"; } > "$2/table.txt.tmp" &&
		mv "$2/table.txt.tmp" "$2/table.txt.new"
}

# remap_boot: boot() for the remap part, under -icount with BENCH_ICOUNT=1
remap_boot()
{
	if [ "$ICOUNT" = 1 ]; then
		QEMU_ACCEL=tcg,thread=single QEMU_EXTRA="-icount shift=0,sleep=on" \
			boot "$@"
	else
		boot "$@"
	fi
}

scripts=$TOP/scripts
case " $PARTS " in *" profile "*)
	[ "$FLAVOUR" = bench ] ||
		die "part profile needs BENCH_FLAVOUR=bench: $FLAVOUR's kernel has KASLR, and the profile needs System.map's addresses"
esac
! grep -q '^#start-from' "$TOP/configs/$FLAVOUR.config" || "$scripts/deps.sh" debian
case " $PARTS " in *" redis "*) "$scripts/deps.sh" apps ;; esac
for tree in stock patched; do
	"$scripts/prepare-tree.sh" "$tree"
	"$scripts/build-kernel.sh" "$tree" "$FLAVOUR"
	# Part redis keeps its RDB files on an ext4 data disk.
	case " $PARTS " in *" redis "*)
		grep -q '^CONFIG_EXT4_FS=y' "$BUILD/obj-$tree-$FLAVOUR/.config" ||
			die "part redis needs ext4 in the kernel (BENCH_FLAVOUR=debian-bench has it; $FLAVOUR has not)"
	esac
done
failed=0
case " $PARTS " in *" remap "*)
	: > "$OUT/results.txt"
	rm -f "$OUT/table.txt" "$OUT/table.txt.new"
	rounds remap "$OUT" "$OUT/results.txt" guest_cmd remap_boot
	[ "$ICOUNT" != 1 ] ||
		echo "Times in guest instructions (-icount shift=0: 1 ns each), not wall clock:"
	python3 "$scripts/bench-report.py" "$OUT/results.txt" "$OUT" || failed=1
esac
case " $PARTS " in *" overhead "*)
	ic=$OUT/icount
	mkdir -p "$ic"
	: > "$ic/results.txt"
	rm -f "$ic/table.txt" "$ic/table.txt.new"
	for tree in stock patched; do
		# -icount needs the single-threaded TCG.
		QEMU_ACCEL=tcg,thread=single QEMU_EXTRA="-icount shift=0,sleep=on" \
			boot "$tree" overhead "$(overhead_cmd $tree)" "$ic" "$ic/results.txt" || failed=1
	done
	echo
	echo "Overhead, in guest instructions (-icount shift=0: 1 ns each), trace events off:"
	python3 "$scripts/bench-report.py" "$ic/results.txt" "$ic" || failed=1
esac
case " $PARTS " in *" profile "*)
	pr=$OUT/profile
	map=$BUILD/obj-patched-$FLAVOUR/System.map
	PROFILE_MODES="never keep free"
	PROFILE_SHARERS=8
	mkdir -p "$pr"
	# The plugin maps guest addresses with System.map: no KASLR.
	! grep -q '^CONFIG_RANDOMIZE_BASE=y' "$BUILD/obj-patched-$FLAVOUR/.config" ||
		die "the bench config has CONFIG_RANDOMIZE_BASE: the profile needs fixed addresses"
	cc -O2 -Wall -shared -fPIC -o "$pr/insn-profile.so" "$scripts/insn-profile.c"
	trigger=$(awk '$3 == "__x64_sys_getrusage" { print $1 }' "$map")
	[ -n "$trigger" ] || die "no __x64_sys_getrusage in $map"
	rm -f "$pr/intervals.txt" "$pr/profile.txt"
	# The profile comes from one boot: no boot, no profile.
	if QEMU_ACCEL=tcg,thread=single \
	   QEMU_EXTRA="-icount shift=0,sleep=on -plugin $pr/insn-profile.so,trigger=$trigger,out=$pr/intervals.txt" \
		boot patched profile "$(profile_cmd)" "$pr"; then
		echo
		echo "Where the guest instructions go, $PROFILE_SHARERS sharers x $MIB MiB on zram (-icount, one run per mode):"
		labels=
		for m in $PROFILE_MODES; do labels="$labels patched-$m"; done
		# shellcheck disable=SC2086 # one word per label
		python3 "$scripts/insn-profile.py" "$map" "$pr/intervals.txt" \
			"$PROFILE_SHARERS" $labels > "$pr/profile.txt" || {
			rm -f "$pr/profile.txt"
			failed=1
		}
		[ ! -f "$pr/profile.txt" ] || cat "$pr/profile.txt"
	else
		failed=1
	fi
esac
case " $PARTS " in *" forksrv "*)
	fs=$OUT/$FORKSRV_DIR
	apps_dir_reset "$fs" forksrv.png
	rounds forksrv "$fs" "$fs/results.txt" forksrv_cmd forksrv_boot "$APPS_MODES"
	echo
	# The table's first line says how it was made.
	if [ "$FORKSRV_ICOUNT" = 1 ]; then
		how="in guest instructions (-icount shift=0: 1 ns each)"
	else
		how="wall clock"
	fi
	apps_report forksrv "$fs" "Forking server, $how; $FLAVOUR kernels, $ROUNDS round(s) of $FORKSRV_REPS run(s), modes $APPS_MODES, forkserver_bench $FORKSRV_ARGS${FORKSRV_MTHP:+ -T $FORKSRV_MTHP}:" ||
		failed=1
esac
case " $PARTS " in *" redis "*)
	rd=$OUT/$REDIS_DIR
	REDIS_DATA=$BUILD/bench-redis-data/k$REDIS_KEYS-v$REDIS_VALUE
	# As run-guest.sh -w resolves it: the guest mounts it there.
	mkdir -p "$OUT/redis-rdb" && REDIS_RDB=$(cd "$OUT/redis-rdb" && pwd -P) ||
		die "cannot make $OUT/redis-rdb, for the RDB files"
	apps_dir_reset "$rd" redis.png
	# The data set, made once on the host: the same for every kernel.
	[ -f "$REDIS_DATA/digest" ] ||
		nice -n 10 python3 "$scripts/bench-redis-data.py" "$REDIS_KEYS" \
			"$REDIS_VALUE" "$REDIS_DATA" || die "cannot make the Redis data set"
	rounds redis "$rd" "$rd/results.txt" redis_cmd redis_boot "$APPS_MODES"
	echo
	if [ "$REDIS_ICOUNT" = 1 ]; then
		how="BGSAVE alone, in guest instructions (-icount shift=0: 1 ns each, with the host's time of the file writes)"
	else
		how="wall clock"
	fi
	apps_report redis "$rd" "Redis BGSAVE of a heap in swap, $how; $FLAVOUR kernels, $ROUNDS round(s) of $REDIS_REPS run(s), modes $APPS_MODES, $REDIS_KEYS keys of $REDIS_VALUE bytes:" ||
		failed=1
esac
if [ "$failed" -ne 0 ]; then
	rm -f "$OUT/table.txt.new" "$OUT/icount/table.txt.new" \
		"$OUT/$FORKSRV_DIR/table.txt.new" "$OUT/$REDIS_DIR/table.txt.new"
	die "some boots or reports failed: no table written (the tables above leave out the failed boots)"
fi
case " $PARTS " in *" remap "*) publish "$OUT" ;; esac
case " $PARTS " in *" overhead "*) publish "$OUT/icount" ;; esac
case " $PARTS " in *" forksrv "*) publish "$OUT/$FORKSRV_DIR" ;; esac
case " $PARTS " in *" redis "*) publish "$OUT/$REDIS_DIR" ;; esac
