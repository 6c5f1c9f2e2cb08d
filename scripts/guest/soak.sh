#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: soak.sh [-t SECONDS] [-p PERIOD] [-g GRACE] [-m HIGH] [-M MODES] [-T HUNG]
#
# Runs in the guest, in the host's root file system ("make soak" boots it
# with run-guest.sh -r and swap on zram and the virtio disk): a soak of
# SECONDS (default 600) of the swap paths under the series' remap.
#  - Debian's stress-ng, unchanged, with --verify: the VM and process
#    stressors of STRESSORS below, and remap_stress (the series' own
#    stress of the remap, SWAPCACHE_SOAK=1: on this soak's swap, at the
#    kernel's default readahead, every byte it reads checked) run over
#    and over, in parallel, all in one memory cgroup ("soak", a leaf each
#    below it) whose memory.high (HIGH, default 80M) is below what they
#    use, so that they swap all along;
#  - every PERIOD seconds (default 5) this script, outside the cgroup,
#    switches /sys/kernel/mm/swap/swapin_remap to the next mode the knob
#    offers (or of MODES, comma-separated: "-M never" keeps the remap off,
#    the stock swap-in, for comparison), and turns one swap device off
#    and on again, zram and the disk in turn. A swapoff that fails is
#    tried again, up to 5 times, and every failure is counted; one that
#    takes more than 300 s, or 5 failures in a row, fail the soak. With
#    -M, the knob is at the first of MODES before the programs start;
#    with "-M never" no PTE may be remapped;
#  - at the end, once every process has exited (stress-ng and
#    remap_stress get GRACE seconds, default 300, past the end to stop),
#    both devices must be on, and swap_leak_check -c runs on the cgroups:
#    swapoff succeeds on every device, SwapFree is SwapTotal, zram and
#    zswap hold nothing, SwapCached is 0, nothing is charged to the
#    removed cgroups.
# Swap: the two devices get the same priority, so that swap-outs go to
# both in turn. memory.high, not memory.max: with memory.max, stress-ng's
# mlock stressor alone was OOM-killed 25 times in 30 s in a 32 MiB cgroup
# (its locked pages cannot be reclaimed), and every OOM kill prints a
# "Call Trace:" that scripts/console-scan.sh counts as a kernel problem.
# memory.high throttles and reclaims instead, and never kills. Not
# lower than 80M: the programs use about 130 MB at their peak, and at
# 48M the throttling (up to 2 s at each return to user space, for every
# process of the cgroup) left stress-ng's vm stressor with 0 bogo ops in
# one of two 600 s soaks on the debian kernel.
# Where the kernel has one (debian), the hung task detector's timeout is
# HUNG seconds (default 600, scaled by the harness with the flavour's
# TIMEOUT_SCALE), not the kernel's 120: on the debian kernel, with the host's two cores also busy
# building, a stress-ng stressor held an mm's mmap_lock for over 120 s
# while it ran, and khugepaged and a swapoff waiting for that lock were
# reported blocked; swapoff returned and the soak went on. A task that
# never wakes up is still reported, and a process that never exits
# fails the soak's own check.
# stress-ng runs without CAP_SYS_ADMIN (setpriv): as root, its madvise
# stressor also gives MADV_HWPOISON, and the debian kernel
# (MEMORY_FAILURE) then poisons a page of the guest and kills the
# stressor with SIGBUS ("Memory failure: ...: Sending SIGBUS to
# stress-ng-madvi"): not a swap path, and fatal to the run. vm works on
# 4M: with 16M, in two of three 600 s soaks on the debian kernel, its
# pages were swapped out again faster than one pass could touch them,
# and it finished no bogo op.
# Not run: stress-ng's swap stressor (swapon/swapoff of a swap file):
# no file system of these kernels can hold a swap file (tmpfs, 9p),
# and stress-ng skips it ("cannot enable swap file on the filesystem");
# the swapoff/swapon of the real devices above takes its place. numa
# runs where the kernel has NUMA (the debian flavour). mmapfork: its
# 32 children took 326 s of CPU in a 90 s run on the debug kernel, both
# vCPUs, and starved the vm stressor to 0 bogo ops; fork runs instead.
#
# Output: a result line per check, "ok N ..." or "not ok N ...", the
# report of what it did ("# report: ..."), stress-ng's, remap_stress's
# and swap_leak_check's output prefixed with "# ", then
# "N passed, N failed". Exits non-zero on any failure.
set -u
SOAK_S=600
PERIOD=5
GRACE=300
HIGH=80M
MODES=
HUNG=600
usage()
{
	echo "usage: soak.sh [-t SECONDS] [-p PERIOD] [-g GRACE] [-m HIGH] [-M MODES] [-T HUNG]" >&2
	exit 2
}
while getopts t:p:g:m:M:T: o; do
	case $o in
	t) SOAK_S=$OPTARG ;;
	p) PERIOD=$OPTARG ;;
	g) GRACE=$OPTARG ;;
	m) HIGH=$OPTARG ;;
	M) MODES=$(echo "$OPTARG" | tr , ' ') ;;
	T) HUNG=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for n in "$SOAK_S" "$PERIOD" "$GRACE" "$HUNG"; do
	case $n in ''|*[!0-9]*) usage ;; esac
done
# One remap_stress run is 40 s of rounds: at least one must fit.
[ "$SOAK_S" -ge 60 ] || { echo "soak.sh: -t SECONDS must be 60 or more" >&2; exit 2; }
[ "$PERIOD" -ge 1 ] || usage

CG=/sys/fs/cgroup/soak
OUT=/tmp/soak
KNOB=/sys/kernel/mm/swap/swapin_remap
ZRAM=/dev/zram0
DISK=/dev/vda
REMAP_STRESS_S=40
# Instances and sizes for two TCG vCPUs and a 1 GiB guest (bytes are the
# stressor's total, shared by its instances).
STRESSORS="vm mmap mremap madvise pageswap fork userfaultfd mlock"
STRESS_OPTS="--vm 1 --vm-bytes 4M --vm-keep --mmap 1 --mmap-bytes 1M \
--mremap 1 --mremap-bytes 4M --madvise 1 --pageswap 1 --fork 1 \
--userfaultfd 1 --userfaultfd-bytes 4M --mlock 1"
if [ -d /sys/devices/system/node/node1 ]; then
	STRESSORS="$STRESSORS numa"
	STRESS_OPTS="$STRESS_OPTS --numa 1"
fi
# ok, not_ok, check, vmstat and the counters
# shellcheck source=scripts/guest/tap.sh
. "$(dirname "$0")/tap.sh"

now()
{
	date +%s
}

# swaps_used DEV: kB of DEV in use, empty if DEV is not on
swaps_used()
{
	awk -v d="$1" '$1 == d { print $4 }' /proc/swaps
}

# swap_on DEV: swapon at the soak's one priority, a few tries
swap_on()
{
	for i in 1 2 3; do
		swapon -p 10 "$1" 2>> "$OUT/swapon.err" && return 0
		sleep 1
	done
	return 1
}

# knob_offers: the modes the knob offers, one per line
knob_offers()
{
	tr -d '[]' < "$KNOB" | tr ' ' '\n' | grep .
}

# offers MODE: the knob offers MODE
offers()
{
	knob_offers | grep -qx "$1"
}

# knob_modes: the modes to switch between, one per line
knob_modes()
{
	if [ -n "$MODES" ]; then
		echo "$MODES" | tr ' ' '\n' | grep .
	else
		knob_offers
	fi
}

# knob_mode: the current mode, the one in brackets
knob_mode()
{
	sed -n 's/.*\[\([a-z]*\)\].*/\1/p' "$KNOB"
}

# alive PID: the process exists and is no zombie
alive()
{
	[ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# wait_gone PID SECONDS: wait for PID to exit, at most SECONDS
wait_gone()
{
	t=0
	while alive "$1"; do
		[ $t -lt "$2" ] || return 1
		sleep 1
		t=$((t + 1))
	done
}

rm -rf "$OUT"
mkdir -p "$OUT"
start=$(now)

# Swap: both devices, one priority, so that both take swap-outs.
swapoff "$ZRAM" 2>/dev/null
swapoff "$DISK" 2>/dev/null
swap_on "$ZRAM" && swap_on "$DISK"
check "swap on $ZRAM and $DISK at one priority" \
	test -n "$(swaps_used $ZRAM)" -a -n "$(swaps_used $DISK)"
sed 's/^/# /' /proc/swaps
if [ -f /proc/sys/kernel/hung_task_timeout_secs ]; then
	echo "$HUNG" > /proc/sys/kernel/hung_task_timeout_secs
	check "hung task timeout ${HUNG}s" \
		test "$(cat /proc/sys/kernel/hung_task_timeout_secs)" = "$HUNG"
else
	echo "# no hung task detector in this kernel (DETECT_HUNG_TASK)"
fi
pc=$(cat /proc/sys/vm/page-cluster)
ra=$(cat /sys/kernel/mm/swap/vma_ra_enabled)
check "readahead at the kernel's default (page-cluster $pc, vma_ra_enabled $ra)" \
	test "$pc" = 3 -a "$ra" = true
offers=$(knob_offers | tr '\n' ' ')
mode0=$(knob_mode)
check "swapin_remap offers modes to switch between: $offers(boot: $mode0)" \
	test "$(knob_offers | wc -l)" -ge 2 -a -n "$mode0"
for m in $MODES; do
	check "-M: the knob offers $m" offers "$m"
done
echo "# switching between: $(knob_modes | tr '\n' ' ')"
# remaps: some mode to switch to maps PTEs (any but "never")
remaps=$(knob_modes | grep -vcx never)
if [ -n "$MODES" ]; then
	first=$(knob_modes | head -n 1)
	echo "$first" > "$KNOB" 2>/dev/null
	check "swapin_remap at $first, the first of -M, from the start" \
		test "$(knob_mode)" = "$first"
fi

# One memory cgroup, a leaf for each program (remap_stress reclaims in
# its own), the controller outside.
mkdir "$CG" "$CG/stress-ng" "$CG/remap" &&
	echo +memory > "$CG/cgroup.subtree_control" &&
	echo "$HIGH" > "$CG/memory.high"
check "memory cgroup $CG with memory.high $HIGH" \
	test "$(cat "$CG/memory.high" 2>/dev/null)" != max

in0=$(vmstat pswpin) out0=$(vmstat pswpout)
pte0=$(vmstat swapin_remap_pte) walk0=$(vmstat swapin_remap_walk)
abort0=$(vmstat swapin_remap_abort) ra0=$(vmstat swap_ra)
end=$(( $(now) + SOAK_S ))

# The programs write their output into a pipe, read by a cat outside the
# cgroup: the tmpfs pages of a log written from inside would be charged
# to the cgroup and could be swapped out, and the leak check would find
# them in swap (shmem slots) once every process has gone.
# shellcheck disable=SC2086
{
	sh -c "echo \$\$ > $CG/stress-ng/cgroup.procs && cd /tmp &&
		exec setpriv --bounding-set -sys_admin --inh-caps -sys_admin \
			stress-ng --verify --metrics-brief --timeout ${SOAK_S}s $STRESS_OPTS" 2>&1
	echo "stress-ng: exit $?"
} | cat > "$OUT/stress-ng.log" &
sng=$!
# remap_stress from PATH (the harness's EXTRA comes first): runs of
# REMAP_STRESS_S seconds, one more while it fits; not the OOM killer's
# pick.
{
	sh -c "echo \$\$ > $CG/remap/cgroup.procs && echo -1000 > /proc/self/oom_score_adj &&
		while :; do
			SWAPCACHE_SOAK=1 remap_stress -r remap_stress.zram_auto_readahead.races
			rc=\$?
			echo \"remap_stress: exit \$rc\"
			[ \$rc -eq 0 ] || break
			[ \$(( \$(date +%s) + $REMAP_STRESS_S )) -le $end ] || break
		done" 2>&1
} | cat > "$OUT/remap_stress.log" &
rst=$!

# The controller: every PERIOD seconds, the next mode, and one device
# off and on again. Ahead of the programs it drives, so that it keeps
# its pace on two busy vCPUs.
renice -n -10 -p $$ > /dev/null
switches=0 switch_fail=0 cycles=0 off_fail=0 off_gaveup=0 off_hung=0 on_fail=0
periods=0 out_periods=0 zram_peak=0 disk_peak=0 dev=$DISK
outp=$out0
while [ "$(now)" -lt "$end" ]; do
	left=$((end - $(now)))
	sleep $((left < PERIOD ? left : PERIOD))
	periods=$((periods + 1))
	o=$(vmstat pswpout)
	[ "$o" -le "$outp" ] || out_periods=$((out_periods + 1))
	outp=$o
	for d in $ZRAM $DISK; do
		u=$(swaps_used "$d")
		u=${u:-0}
		if [ "$d" = $ZRAM ]; then
			[ "$u" -le "$zram_peak" ] || zram_peak=$u
		else
			[ "$u" -le "$disk_peak" ] || disk_peak=$u
		fi
	done
	[ "$(now)" -lt "$end" ] || break

	cur=$(knob_mode)
	next=$(knob_modes | awk -v c="$cur" '{ m[NR] = $0; if ($0 == c) k = NR }
		END { print m[k % NR + 1] }')
	if echo "$next" > "$KNOB" 2>/dev/null && [ "$(knob_mode)" = "$next" ]; then
		switches=$((switches + 1))
	else
		switch_fail=$((switch_fail + 1))
		echo "# switching swapin_remap from $cur to $next failed"
	fi

	if [ "$dev" = $ZRAM ]; then dev=$DISK; else dev=$ZRAM; fi
	off=0
	for i in 1 2 3 4 5; do
		# swapoff stops at a signal: a stuck one is an error, not a hang.
		rc=0
		timeout 300 swapoff "$dev" 2> "$OUT/swapoff.err" || rc=$?
		if [ $rc -eq 0 ]; then
			off=1
			break
		fi
		off_fail=$((off_fail + 1))
		[ $rc -ne 124 ] || off_hung=$((off_hung + 1))
		echo "# swapoff $dev (try $i): $(cat "$OUT/swapoff.err")"
		sleep 1
	done
	if [ $off = 1 ]; then
		if swap_on "$dev"; then
			cycles=$((cycles + 1))
		else
			on_fail=$((on_fail + 1))
			echo "# swapon $dev failed: $(tail -n 1 "$OUT/swapon.err")"
		fi
	else
		off_gaveup=$((off_gaveup + 1))
	fi
done

# Every process gone: the stressors stop at their timeout, remap_stress
# after its run; GRACE seconds past the end for each.
stuck=
wait_gone $sng "$GRACE" || stuck="$stuck stress-ng"
wait_gone $rst "$GRACE" || stuck="$stuck remap_stress"
if [ -n "$stuck" ]; then
	echo "# still running ${GRACE}s past the end:$stuck; killing the cgroup"
	ps -eo pid,stat,time,wchan:32,comm | sed 's/^/# /'
	for c in "$CG/stress-ng" "$CG/remap"; do
		echo 1 > "$c/cgroup.kill" 2>/dev/null
	done
	# A task that even SIGKILL does not end (D state) is not waited for.
	wait_gone $sng 30 && wait $sng
	wait_gone $rst 30 && wait $rst
else
	wait $sng $rst
fi
sng_rc=$(sed -n 's/^stress-ng: exit //p' "$OUT/stress-ng.log")
check "every process stopped within ${GRACE}s of the end" test -z "$stuck"
end_t=$(now)
if ! [ "$(knob_mode)" = "$mode0" ]; then
	echo "$mode0" > "$KNOB"
fi

# stress-ng
sed 's/^/# /' "$OUT/stress-ng.log"
# Exit 7: a stressor that did not stop at the timeout was killed and its
# metrics are flagged untrustworthy (a TCG guest on a busy host); every
# other status but 0 is a failure (2: a stressor failed, verification
# included).
check "stress-ng exits 0 or 7 (exit ${sng_rc:-none})" \
	test "${sng_rc:-1}" = 0 -o "${sng_rc:-1}" = 7
check "stress-ng reports a successful run" \
	grep -Eq '] successful run completed' "$OUT/stress-ng.log"
check "stress-ng reports no failure (no fail: line, no failed stressor)" \
	sh -c "! grep -Eq ' fail: |failed: [1-9]|skipping' '$OUT/stress-ng.log'"
ops_report=
for s in $STRESSORS; do
	ops=$(awk -v s="$s" '$2 == "metrc:" && $4 == s && $5 ~ /^[0-9]+$/ { print $5 }' \
		"$OUT/stress-ng.log")
	ops_report="$ops_report $s=${ops:-none}"
	check "stress-ng $s made progress (${ops:-no} bogo ops)" test "${ops:-0}" -gt 0
done

# remap_stress
sed 's/^/# /' "$OUT/remap_stress.log"
runs=$(grep -c '^remap_stress: exit' "$OUT/remap_stress.log")
bad_runs=$(grep '^remap_stress: exit' "$OUT/remap_stress.log" | grep -vc 'exit 0$')
stats=$(awk '/ soak: [0-9]+ rounds, [0-9]+ mismatches/ {
		for (i = 1; i <= NF; i++) {
			if ($(i + 1) == "rounds,") r += $i
			if ($(i + 1) == "mismatches,") m += $i
		}
		n++
	} END { printf "%d %d %d", n, r, m }' "$OUT/remap_stress.log")
# shellcheck disable=SC2086
set -- $stats
rs_sums=$1 rs_rounds=$2 rs_mism=$3
check "remap_stress ran and every run passed ($runs runs, $bad_runs failed)" \
	test "$runs" -gt 0 -a "$bad_runs" -eq 0
check "remap_stress: every page read back right ($rs_rounds rounds in $rs_sums runs, $rs_mism checksum mismatches)" \
	test "$rs_sums" -eq "$runs" -a "$rs_rounds" -gt 0 -a "$rs_mism" -eq 0

# What the soak did.
din=$(( $(vmstat pswpin) - in0 )) dout=$(( $(vmstat pswpout) - out0 ))
dpte=$(( $(vmstat swapin_remap_pte) - pte0 ))
dwalk=$(( $(vmstat swapin_remap_walk) - walk0 ))
dabort=$(( $(vmstat swapin_remap_abort) - abort0 ))
dra=$(( $(vmstat swap_ra) - ra0 ))
oom=$(sed -n 's/^oom_kill //p' "$CG/memory.events")
high=$(sed -n 's/^high //p' "$CG/memory.events")
check "it swapped out and in (pswpout +$dout, pswpin +$din)" \
	test "$dout" -gt 0 -a "$din" -gt 0
check "swap-outs in most periods ($out_periods of $periods)" \
	test $((out_periods * 2)) -gt "$periods"
check "both devices took swap (peak used: zram0 $zram_peak kB, vda $disk_peak kB)" \
	test "$zram_peak" -gt 0 -a "$disk_peak" -gt 0
check "swap readahead happened (swap_ra +$dra)" test "$dra" -gt 0
if [ "$remaps" -gt 0 ]; then
	check "the remap mapped PTEs (swapin_remap_pte +$dpte)" test "$dpte" -gt 0
else
	check "no PTE remapped at -M never (swapin_remap_pte +$dpte)" test "$dpte" -eq 0
fi
check "no OOM kill in the cgroup (memory.events oom_kill ${oom:-?})" test "${oom:-1}" = 0
check "swapin_remap changed mode ($switches switches, $switch_fail failed)" \
	test "$switches" -gt 0 -a "$switch_fail" -eq 0
check "swap devices went off and on ($cycles cycles; swapoff failed $off_fail times, $off_hung of them over 300 s, given up $off_gaveup; swapon failed $on_fail)" \
	test "$cycles" -gt 0 -a "$on_fail" -eq 0 -a "$off_gaveup" -eq 0 -a "$off_hung" -eq 0
check "$ZRAM and $DISK are on at the end" \
	test -n "$(swaps_used $ZRAM)" -a -n "$(swaps_used $DISK)"
sed 's/^/# /' /proc/swaps

echo "# report: stress-ng bogo ops:$ops_report"
echo "# report: pswpin +$din, pswpout +$dout, swap_ra +$dra"
echo "# report: swapin_remap_pte +$dpte, swapin_remap_walk +$dwalk, swapin_remap_abort +$dabort"
echo "# report: remap_stress: $runs runs, $rs_rounds rounds, $rs_mism mismatches"
echo "# report: memory.events: high $high, oom_kill $oom; peak $(cat "$CG/memory.peak" 2>/dev/null) B, swap peak $(cat "$CG/memory.swap.peak" 2>/dev/null) B"
echo "# report: swapin_remap switches $switches; swapoff/swapon cycles $cycles, swapoff failures $off_fail (given up $off_gaveup)"
echo "# report: wall time $((end_t - start)) s (soak $SOAK_S s)"

# The leak check, every process gone. A folio can stay in the swap
# cache with no swap reference and no mapping left, when freeing it at
# unmap or swap-in lost a race (folio_trylock(), writeback): reclaim
# frees it. So the cgroups are reclaimed first, and what that freed is
# reported; the check then finds only what reclaim cannot free.
swapstate()
{
	echo "SwapCached $(awk '$1 == "SwapCached:" { print $2 }' /proc/meminfo) kB," \
		"swap used $(awk 'NR > 1 { u += $4 } END { print u + 0 }' /proc/swaps) kB," \
		"memory.stat swapcached: stress-ng $(awk '$1 == "swapcached" { print $2 }' "$CG/stress-ng/memory.stat")," \
		"remap $(awk '$1 == "swapcached" { print $2 }' "$CG/remap/memory.stat")"
}
echo "# before the leak check: $(swapstate)"
for c in "$CG/stress-ng" "$CG/remap"; do
	echo "1G swappiness=200" > "$c/memory.reclaim" 2>/dev/null
done
echo "# report: after reclaiming the cgroups: $(swapstate)"
swap_leak_check -c "$CG/stress-ng" -c "$CG/remap" -c "$CG" > "$OUT/leak.log" 2>&1
rc=$?
sed 's/^/# /' "$OUT/leak.log"
check "leak check: nothing leaked, every swap area off (swap_leak_check exit $rc)" test $rc -eq 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
