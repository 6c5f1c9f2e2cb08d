#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: host-programs.sh
#
# Runs in the guest, in the host's root file system ("make host-programs"
# boots it with run-guest.sh -r and zram swap): Debian's stress-ng and
# redis-server, unchanged, on this kernel, with their shared anonymous
# memory pushed to swap.
#  - stress-ng's vm stressor with --verify, in a memory cgroup whose
#    memory.high is five sixths of its working set: it must swap, verify,
#    and make progress. (At two thirds, the stressor's every pass
#    thrashed under the throttling of memory.high: 0 bogo ops in 30 s
#    on the debug kernel while the host's two cores were busy.) (memory.max there gets the stressor OOM-killed
#    as soon as its whole set is active: a thrashing limit, not a test.)
#  - redis-server in a memory cgroup, with 20000 keys of 1 KiB; its heap
#    is reclaimed to swap (memory.reclaim), then BGSAVE forks a child
#    that reads the whole heap while the parent shares it. The data set's
#    DEBUG DIGEST must be the same before the swap-out, after BGSAVE, and
#    in a second server loaded from the RDB file the child wrote, and
#    the swap-in remap must have mapped PTEs (swapin_remap_pte).
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -u
CG=/sys/fs/cgroup/host-programs
OUT=/tmp/host-programs
PORT=6390
# ok, not_ok, check, vmstat and the counters
# shellcheck source=scripts/guest/tap.sh
. "$(dirname "$0")/tap.sh"

# rcli ARGS...: redis-cli against the server under test
rcli()
{
	redis-cli -p "$PORT" "$@"
}

# wait_redis: until the server answers, at most 30 s
wait_redis()
{
	i=0
	while [ "$(rcli ping 2>/dev/null)" != PONG ]; do
		i=$((i + 1))
		[ $i -lt 60 ] || return 1
		sleep 0.5
	done
}

# start_redis: a server in $CG, with its files in $OUT, no automatic saves
start_redis()
{
	sh -c "echo \$\$ > $CG/cgroup.procs && exec redis-server --port $PORT \
		--dir $OUT --dbfilename dump.rdb --save '' --appendonly no \
		--enable-debug-command yes --daemonize no" > "$OUT/redis.log" 2>&1 &
	wait_redis
}

mkdir -p "$OUT" "$CG"
check "swap is on" test "$(awk 'NR > 1' /proc/swaps | wc -l)" -gt 0

# stress-ng: 48 MiB of verified vm stress in 40 MiB of memory.
if command -v stress-ng > /dev/null; then
	echo 40M > "$CG/memory.high"
	out0=$(vmstat pswpout)
	sh -c "echo \$\$ > $CG/cgroup.procs && exec stress-ng --vm 1 \
		--vm-bytes 48M --vm-keep --verify --timeout 30 --metrics-brief" \
		> "$OUT/stress-ng.log" 2>&1
	rc=$?
	sed 's/^/# /' "$OUT/stress-ng.log"
	check "stress-ng vm --verify exits 0" test "$rc" -eq 0
	check "stress-ng reports a successful run" \
		grep -Eq '] successful run completed' "$OUT/stress-ng.log"
	check "stress-ng swapped out (pswpout +$(( $(vmstat pswpout) - out0 )))" \
		test "$(vmstat pswpout)" -gt "$out0"
	ops=$(awk '$4 == "vm" { print $5 }' "$OUT/stress-ng.log")
	check "stress-ng made progress (${ops:-no} bogo ops)" test "${ops:-0}" -gt 0
	check "without an OOM kill" \
		test "$(sed -n 's/^oom_kill //p' "$CG/memory.events")" = 0
	echo max > "$CG/memory.high"
else
	not_ok "stress-ng is installed (make host-programs installs it)"
fi

# redis: BGSAVE of a heap in swap.
if command -v redis-server > /dev/null; then
	rm -f "$OUT/dump.rdb"
	if start_redis; then
		ok "redis-server starts and answers PING"
		rcli debug populate 20000 key 1024 > /dev/null
		check "redis holds 20000 keys" test "$(rcli dbsize)" = 20000
		d0=$(rcli debug digest)
		out0=$(vmstat pswpout)
		echo 64M > "$CG/memory.reclaim" 2>/dev/null
		out1=$(vmstat pswpout)
		in0=$(vmstat pswpin)
		pte0=$(vmstat swapin_remap_pte)
		check "its heap went to swap (pswpout +$((out1 - out0)))" \
			test $((out1 - out0)) -ge 4096
		rcli bgsave > /dev/null
		i=0
		while [ "$(rcli info persistence | tr -d '\r' |
			sed -n 's/^rdb_bgsave_in_progress://p')" != 0 ]; do
			i=$((i + 1))
			[ $i -lt 240 ] || break
			sleep 0.5
		done
		in1=$(vmstat pswpin)
		check "BGSAVE completes with status ok (pswpin +$((in1 - in0)))" \
			test "$(rcli info persistence | tr -d '\r' |
				sed -n 's/^rdb_last_bgsave_status://p')" = ok
		pte1=$(vmstat swapin_remap_pte)
		check "the remap mapped sharers' PTEs (swapin_remap_pte +$((${pte1:-0} - ${pte0:-0})))" \
			test "${pte1:-0}" -gt "${pte0:-0}"
		check "the parent's digest is unchanged after BGSAVE" \
			test "$(rcli debug digest)" = "$d0"
		rcli shutdown nosave > /dev/null 2>&1
		wait
		if start_redis; then
			check "a server loaded from the RDB has all 20000 keys" \
				test "$(rcli dbsize)" = 20000
			check "and the same digest" test "$(rcli debug digest)" = "$d0"
			rcli shutdown nosave > /dev/null 2>&1
			wait
		else
			not_ok "redis-server restarts from the RDB file"
			sed 's/^/# /' "$OUT/redis.log"
		fi
	else
		not_ok "redis-server starts and answers PING"
		sed 's/^/# /' "$OUT/redis.log"
	fi
else
	not_ok "redis-server is installed (make host-programs installs it)"
fi
rmdir "$CG" 2>/dev/null

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
