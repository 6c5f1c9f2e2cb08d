#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: bench-redis.sh -d DATADIR -k KEYS -b zram|disk -l LABEL
#                       -o RDBDIR [-L LIMIT_MIB|none] [-r REPS] [-c CLIENTS]
#                       [-n PASS_REQS] [-T] [-A]
#
# Runs in the guest, in the host's root file system (scripts/bench.sh,
# part "redis", boots it with run-guest.sh -r, a blank data disk,
# /dev/vdb, and -w RDBDIR): Debian's redis-server and redis-benchmark,
# unchanged, with the heap of the server in swap when BGSAVE starts.
# The RDB files, the one loaded and the one BGSAVE writes, are in RDBDIR:
# a host directory that run-guest.sh -w mounts without a page cache, so
# that they take none of the cgroup's memory and the figures are about
# the heap. (On the ext4 data disk, as page cache charged to the cgroup,
# BGSAVE's write waited on I/O, dirty throttling or the incremental
# fsync below: bg_io_stall_ms (PSI) was 0.7-0.9 s in six runs and 4 ms
# in another, and BGSAVE took about 2 s longer in the six.) The data
# disk holds the logs. Each repetition:
#  - swap on BACKEND alone (zram, reset first, or the disk /dev/vda);
#  - redis-server in a memory cgroup without a limit, loading
#    RDBDIR/load.rdb, a copy of DATADIR/dump.rdb (KEYS keys, made on the
#    host by scripts/bench-redis-data.py), with Redis' defaults but for
#    rdb-save-incremental-fsync, off: an fsync every 4 MB of the RDB
#    file waits for the host's disk, which is not what is measured
#    (BGSAVE still ends with one fsync);
#  - then memory.high becomes LIMIT_MIB and memory.max twice that, a
#    backstop (at memory.max alone, reclaim of so small a cgroup
#    throttled every fault, and a run took minutes under TCG), and
#    memory.reclaim pushes the heap out: the cgroup's swap must hold
#    three quarters of Redis' used_memory, or the run fails;
#    with -L none neither: no limit and no memory.reclaim, and the
#    cgroup must have nothing in swap when BGSAVE starts, a baseline of
#    the same BGSAVE and pass with the heap in memory (the parent's
#    faults in the pass are then those of fork's copy-on-write alone);
#  - BGSAVE, to RDBDIR; while it runs, redis-benchmark GETs of
#    random keys in runs of 200 requests, one after the other, the run
#    in flight when BGSAVE ends killed (and left out: it is incomplete);
#    with -A, no GETs: BGSAVE alone, for a guest under -icount, where
#    the GETs' latencies would be guest instructions, and the BGSAVE
#    window holds the work of the server, its child and this script's
#    polling of the server;
#  - right after it, one redis-benchmark pass of PASS_REQS GETs, with the
#    parent's minor and major faults (/proc/PID/stat) around it;
#  - the parent's DEBUG DIGEST must then be DATADIR/digest, and so must
#    that of a second server (outside the cgroup) loaded from the RDB
#    file BGSAVE wrote; the cgroup must have seen no OOM kill.
# One line per repetition, "redis: key=value ...":
#   bgsave_s        BGSAVE's time, from the server log's timestamps: the
#                   parent's "Background saving started" to the child's
#                   "DB saved on disk"
#   bg_rps, bg_p50_ms, bg_p99_ms, bg_reqs   GETs while BGSAVE ran (with
#                   -A: bg_reqs=0 and -1 for the others)
#   bg_gets         1, or 0 with -A
#   bg_cpu_ms       CPU time of the cgroup's tasks during BGSAVE, the
#                   server and its child (cpu.stat usage_usec); the
#                   GETs' clients run outside the cgroup. Under -icount
#                   the vCPUs share one clock, so it also counts what
#                   another vCPU ran meanwhile: an upper bound
#   pass_rps, pass_p50_ms, pass_p99_ms      GETs of the pass after it
#   pass_minflt, pass_majflt   the parent's faults in the pass
#   bg_pswpin, pass_pswpin     pages read from swap in BGSAVE, in the pass
#   bg_pswpout      pages written to swap during BGSAVE
#   bg_remap_pte    swapin_remap_pte during BGSAVE (-1: no such counter)
#   bg_refault_file file pages of the cgroup read again during BGSAVE
#                   (memory.stat workingset_refault_file): a sign that the
#                   limit thrashes on files instead of squeezing the heap
#   bg_pgsteal      pages the cgroup's reclaim freed during BGSAVE
#                   (memory.stat pgsteal)
#   bg_stall_ms, bg_io_stall_ms   the cgroup's memory and I/O stall
#                   during BGSAVE: PSI's "some" time of memory.pressure
#                   and io.pressure (-1: no PSI)
#   bg_file_kb, bg_dirty_kb   the cgroup's page cache, and the dirty or
#                   writeback part of it, right after BGSAVE (memory.stat)
#   start_anon_kb, start_swap_kb, used_kb   the cgroup's anon memory and
#                   swap (memory.stat, memory.swap.current) when BGSAVE
#                   started, and Redis' used_memory
#   bg_swap_kb, bg_zram_kb, pass_swap_kb, pass_zram_kb   SwapTotal -
#                   SwapFree and zram's mem_used_total right after BGSAVE
#                   and after the pass (-1: not zram)
#   bg_swapcached_kb  SwapCached right after BGSAVE: bg_swap_kb less this
#                   is swap whose page is in no swap cache; on stock and
#                   "never" on zram, less the pages reclaimed during
#                   BGSAVE (bg_pgsteal), a floor of the part of the heap
#                   that BGSAVE never read (not on the disk, where
#                   readahead by swap offset caches pages nobody read)
#   oom_kill        the cgroup's OOM kills (a run with one fails)
#   pass_flt_wp, pass_flt_np   with -T: the faults of the parent's main
#                   thread in the pass, as the exceptions:page_fault_user
#                   trace event saw them: writes to a present page
#                   (error_code bits 0 and 1: a write-protect fault) and
#                   faults on a page not present (bit 0 clear); -1 without
#                   -T. pass_flt_wp_win: the aligned 64 KiB windows
#                   (16 pages) those writes fell in, the fewest faults
#                   that would be left if the first write fault in a
#                   window made all of it writable. The event costs
#                   every fault of the guest while it
#                   is on, so the pass's times are not comparable with a
#                   run without -T.
# Exits non-zero if any repetition failed; a failed one prints no line.
set -u

DATA= KEYS= BACKEND= LABEL= LIMIT=16 REPS=1 CLIENTS=4 PASS=2000 RDB= TRACE=0
GETS=1
while getopts d:k:b:l:L:r:c:n:o:TA o; do
	case $o in
	d) DATA=$OPTARG ;;
	k) KEYS=$OPTARG ;;
	b) BACKEND=$OPTARG ;;
	l) LABEL=$OPTARG ;;
	L) LIMIT=$OPTARG ;;
	r) REPS=$OPTARG ;;
	c) CLIENTS=$OPTARG ;;
	n) PASS=$OPTARG ;;
	o) RDB=$OPTARG ;;
	T) TRACE=1 ;;
	A) GETS=0 ;;
	*) BACKEND= ;;
	esac
done
usage="usage: bench-redis.sh -d DATADIR -k KEYS -b zram|disk -l LABEL -o RDBDIR [-L LIMIT_MIB|none] [-r REPS] [-c CLIENTS] [-n PASS_REQS] [-T] [-A]"
case "$BACKEND" in zram|disk) ;; *) echo "$usage" >&2; exit 2 ;; esac
for v in "$KEYS" "$(echo "$LIMIT" | sed 's/^none$/1/')" "$REPS" "$CLIENTS" "$PASS"; do
	case "$v" in ''|0|*[!0-9]*) echo "$usage (numbers above 0)" >&2; exit 2 ;; esac
done
[ -n "$RDB" ] || {
	echo "$usage (RDBDIR: a directory that run-guest.sh -w shares)" >&2
	exit 2
}
[ -n "$LABEL" ] && [ -f "$DATA/dump.rdb" ] && [ -f "$DATA/digest" ] || {
	echo "$usage (DATADIR: dump.rdb and digest of bench-redis-data.py)" >&2
	exit 2
}

HERE=$(dirname "$0")
CG=/sys/fs/cgroup/bench-redis
MNT=/tmp/bench-redis
PORT=6391
CHECK_PORT=6392
CHUNK=200
ZRAM_SIZE=512M
DIGEST=$(cat "$DATA/digest")

# note TEXT: a timestamped progress line on the console
note()
{
	echo "# bench-redis: $(date +%T.%N | cut -c1-12) $LABEL $BACKEND: $*"
}

vmstat()
{
	awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? -1 : v) }' /proc/vmstat
}

meminfo_kb()
{
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

swap_held_kb()
{
	echo $(( $(meminfo_kb SwapTotal) - $(meminfo_kb SwapFree) ))
}

zram_kb()
{
	if [ "$BACKEND" = zram ]; then
		echo $(( $(awk '{ print $3 }' /sys/block/zram0/mm_stat) / 1024 ))
	else
		echo -1
	fi
}

# cg_stat FILE KEY: a "key value" line of a cgroup file
cg_stat()
{
	awk -v k="$2" '$1 == k { print $2 }' "$CG/$1"
}

# ms_key KEY: a key's value in $ms, a copy of the cgroup's memory.stat
ms_key()
{
	echo "$ms" | awk -v k="$1" '$1 == k { print $2 }'
}

# cg_stall_us RESOURCE: the "some" total of the cgroup's
# RESOURCE.pressure (memory, io), in us (-1 without PSI)
cg_stall_us()
{
	if [ -r "$CG/$1.pressure" ]; then
		awk '$1 == "some" { sub("total=", "", $5); v = $5 }
		     END { print (v == "" ? -1 : v) }' "$CG/$1.pressure"
	else
		echo -1
	fi
}

# cg_cpu_us: the cgroup's cpu.stat usage_usec
cg_cpu_us()
{
	cg_stat cpu.stat usage_usec
}

# need_num NAME VALUE...: add to err each VALUE that is not a number
# (a counter missing from its file must fail the run, not count as 0)
need_num()
{
	n=$1
	shift
	for v in "$@"; do
		case "$v" in
		''|*[!0-9]*) err="$err no number for $n ('$v');" ;;
		esac
	done
}

# rcli ARGS...: redis-cli against the server under test
rcli()
{
	redis-cli -p "$PORT" "$@" | tr -d '\r'
}

# info FIELD: a field of INFO
info()
{
	rcli info | sed -n "s/^$1://p"
}

# wait_redis PORT PID: until the server answers PING (it says LOADING
# while it reads its RDB file), at most 20 minutes; 1 if process PID
# (the server started for PORT) is gone
wait_redis()
{
	i=0
	while [ "$(redis-cli -p "$1" ping 2>/dev/null | tr -d '\r')" != PONG ]; do
		i=$((i + 1))
		[ $i -lt 2400 ] && kill -0 "$2" 2>/dev/null || return 1
		sleep 0.5
	done
}

# server_stop PORT PID: shut the server down, or kill it, and reap it
server_stop()
{
	redis-cli -p "$1" shutdown nosave > /dev/null 2>&1
	kill "$2" 2>/dev/null
	wait "$2" 2>/dev/null
}

# log_ms PATTERN: the time, in ms of the day, of the server log's last
# line matching PATTERN ("pid:M dd Mon yyyy hh:mm:ss.mmm * text")
log_ms()
{
	grep "$1" "$MNT/redis.log" | tail -n 1 |
		awk '{ split($5, t, "[:.]"); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'
}

# The trace event of -T (scripts/guest/init mounts tracefs).
TRACEFS=/sys/kernel/tracing
FAULT_EV=$TRACEFS/events/exceptions/page_fault_user
[ "$TRACE" = 0 ] || [ -f "$FAULT_EV/enable" ] || {
	echo "bench-redis: -T needs the exceptions:page_fault_user trace event ($FAULT_EV): a kernel with CONFIG_TRACING on x86" >&2
	exit 2
}

# fault_trace_start PID: trace PID's user page faults from now on
fault_trace_start()
{
	echo 0 > "$TRACEFS/tracing_on" && echo > "$TRACEFS/trace" &&
	echo 4096 > "$TRACEFS/buffer_size_kb" &&
	echo "common_pid == $1" > "$FAULT_EV/filter" &&
	echo 1 > "$FAULT_EV/enable" && echo 1 > "$TRACEFS/tracing_on"
}

# fault_trace_stop: stop, and print "WP NP LOST WPWIN": the write-protect
# faults, the faults on pages not present, the events the buffer lost,
# and the aligned 64 KiB windows that the write-protect faults fell in
fault_trace_stop()
{
	echo 0 > "$TRACEFS/tracing_on"
	echo 0 > "$FAULT_EV/enable"
	echo 0 > "$FAULT_EV/filter"
	lost=$(cat "$TRACEFS"/per_cpu/cpu*/stats |
		awk '/^overrun:/ { n += $2 } END { print n + 0 }')
	# Bits 0 (present) and 1 (write) are in the last hex digit.
	# The address without its last 4 hex digits is its 64 KiB window.
	sed -n 's/.*page_fault_user: address=0x\([0-9a-f]*\).*error_code=0x\([0-9a-f]*\).*/\1 \2/p' "$TRACEFS/trace" |
		awk -v lost="$lost" '{ e = index("0123456789abcdef", substr($2, length($2), 1)) - 1 }
			e % 4 == 3 { wp++; w = substr($1, 1, length($1) - 4); if (!(w in win)) { win[w]; nw++ } }
			e % 2 == 0 { np++ }
			END { print wp + 0, np + 0, lost, nw + 0 }'
	echo > "$TRACEFS/trace"
}

# pid_faults PID: "minflt majflt" of /proc/PID/stat (fields 10 and 12,
# counted after the command name, which may hold spaces)
pid_faults()
{
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $8, $10 }'
}

swap_setup()
{
	swapoff -a 2>/dev/null
	if [ "$BACKEND" = zram ]; then
		echo 1 > /sys/block/zram0/reset &&
		echo "$ZRAM_SIZE" > /sys/block/zram0/disksize &&
		mkswap /dev/zram0 > /dev/null && swapon /dev/zram0
	else
		mkswap /dev/vda > /dev/null && swapon /dev/vda
	fi
}

# The data disk, once per boot: ext4 on /dev/vdb, for the logs.
if ! grep -q " $MNT " /proc/mounts; then
	mkdir -p "$MNT" &&
	mkfs.ext4 -q -F /dev/vdb &&
	mount -t ext4 /dev/vdb "$MNT" || {
		echo "bench-redis: cannot set up the data disk /dev/vdb on $MNT"
		exit 1
	}
fi
# Without a page cache (run-guest.sh -w): 6.12 shows cache= in the
# options of a 9p mount only when it is not "none".
awk -v d="$RDB" '$2 == d && $3 == "9p" && $4 !~ /cache=/ { ok = 1 }
		  END { exit !ok }' /proc/mounts || {
	echo "bench-redis: $RDB (-o RDBDIR) is not a 9p mount without a page cache (run-guest.sh -w)"
	exit 1
}
if ! cmp -s "$DATA/dump.rdb" "$RDB/load.rdb"; then
	cp "$DATA/dump.rdb" "$RDB/load.rdb" || {
		echo "bench-redis: cannot copy the data set to $RDB (-o RDBDIR)"
		exit 1
	}
fi
note "RDB files in $RDB"
mkdir -p "$CG"
# The programs' files in the page cache, charged to the root cgroup (this
# shell's): the limit of $CG then squeezes Redis' heap and not its code,
# which would otherwise be read back over 9p at every refault.
for f in $(command -v redis-server redis-cli redis-benchmark) \
	 $(ldd "$(command -v redis-server)" "$(command -v redis-benchmark)" |
	   awk '$3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u); do
	cat "$f" > /dev/null
done

# run_once REP: one repetition; 1 if it failed
run_once()
{
	rep=$1
	err=
	swap_setup || { echo "bench-redis: swap on $BACKEND failed"; return 1; }
	rm -f "$RDB/bgsave.rdb" "$RDB"/temp-*.rdb
	echo max > "$CG/memory.high" && echo max > "$CG/memory.max" || {
		echo "bench-redis: cannot lift the limits of $CG"
		return 1
	}
	oom0=$(cg_stat memory.events oom_kill)
	sh -c "echo \$\$ > $CG/cgroup.procs && exec redis-server --port $PORT \
		--dir '$RDB' --dbfilename load.rdb --save '' --appendonly no \
		--rdb-save-incremental-fsync no \
		--enable-debug-command yes --enable-protected-configs yes \
		--daemonize no" > "$MNT/redis.log" 2>&1 &
	server=$!
	if ! wait_redis "$PORT" "$server"; then
		echo "bench-redis: redis-server did not start"
		sed 's/^/# /' "$MNT/redis.log"
		server_stop "$PORT" "$server"
		return 1
	fi
	note "loaded, $(cat "$CG/memory.current") bytes charged"
	pid=$(info process_id)
	[ -n "$pid" ] || {
		echo "bench-redis: no server pid"
		server_stop "$PORT" "$server"
		return 1
	}
	if [ "$LIMIT" != none ] &&
	   { ! echo "${LIMIT}M" > "$CG/memory.high" ||
	     ! echo "$((2 * LIMIT))M" > "$CG/memory.max"; }; then
		echo "bench-redis: cannot set the limits of $CG"
		server_stop "$PORT" "$server"
		return 1
	fi
	[ "$(rcli dbsize)" = "$KEYS" ] || err="$err dbsize $(rcli dbsize), not $KEYS;"

	# The heap to swap: the cgroup's swap must hold most of it (with
	# -L none, none of it).
	i=0
	while [ "$LIMIT" != none ] && [ $i -lt 8 ]; do
		echo 1G > "$CG/memory.reclaim" 2>/dev/null
		i=$((i + 1))
	done
	used_kb=$(( $(info used_memory) / 1024 ))
	start_anon_kb=$(( $(cg_stat memory.stat anon) / 1024 ))
	start_swap_kb=$(( $(cat "$CG/memory.swap.current") / 1024 ))
	if [ "$LIMIT" = none ]; then
		[ "$start_swap_kb" = 0 ] ||
			err="$err $start_swap_kb kB in swap at BGSAVE without a limit;"
	else
		[ $((start_swap_kb * 4)) -ge $((used_kb * 3)) ] ||
			err="$err only $start_swap_kb kB of $used_kb kB in swap at BGSAVE;"
	fi

	# BGSAVE, with GETs while it runs (none with -A).
	[ "$(rcli config set dbfilename bgsave.rdb)" = OK ] ||
		err="$err CONFIG SET dbfilename failed;"
	note "BGSAVE"
	in0=$(vmstat pswpin)
	out0=$(vmstat pswpout)
	pte0=$(vmstat swapin_remap_pte)
	ms=$(cat "$CG/memory.stat")
	rf0=$(ms_key workingset_refault_file)
	st0=$(ms_key pgsteal)
	ps0=$(cg_stall_us memory)
	io0=$(cg_stall_us io)
	cpu0=$(cg_cpu_us)
	stop=$MNT/bgsave.done
	rm -f "$stop" "$MNT/during.txt" "$MNT/during.pid"
	rcli bgsave > /dev/null
	(
		while [ "$GETS" = 1 ] && [ ! -e "$stop" ]; do
			redis-benchmark -p "$PORT" -t get -n "$CHUNK" -r "$KEYS" \
				-c "$CLIENTS" 2>/dev/null &
			echo $! > "$MNT/during.pid"
			wait $!
		done
	) > "$MNT/during.txt" &
	bench=$!
	i=0
	while :; do
		st=$(info rdb_bgsave_in_progress)
		[ "$st" != 0 ] || break
		i=$((i + 1))
		if [ -z "$st" ] || [ $i -ge 12000 ]; then
			err="$err BGSAVE did not end (or the server died): rdb_bgsave_in_progress '$st';"
			break
		fi
		sleep 0.1
	done
	# The GETs stop with BGSAVE: the run in flight is killed, and
	# redis-latency.py leaves it out.
	touch "$stop"
	while kill -0 "$bench" 2>/dev/null; do
		kill "$(cat "$MNT/during.pid" 2>/dev/null)" 2>/dev/null
		sleep 0.05
	done
	note "BGSAVE done"
	in1=$(vmstat pswpin)
	out1=$(vmstat pswpout)
	pte1=$(vmstat swapin_remap_pte)
	# One read of memory.stat for its five keys, as at the start.
	ms=$(cat "$CG/memory.stat")
	rf1=$(ms_key workingset_refault_file)
	st1=$(ms_key pgsteal)
	ps1=$(cg_stall_us memory)
	io1=$(cg_stall_us io)
	cpu1=$(cg_cpu_us)
	fl=$(ms_key file)
	fd=$(ms_key file_dirty)
	fw=$(ms_key file_writeback)
	need_num "memory.stat workingset_refault_file, pgsteal, file, file_dirty, file_writeback" \
		"$rf0" "$rf1" "$st0" "$st1" "$fl" "$fd" "$fw"
	need_num "cpu.stat usage_usec" "$cpu0" "$cpu1"
	bg_file_kb=$((fl / 1024))
	bg_dirty_kb=$(((fd + fw) / 1024))
	bg_swap_kb=$(swap_held_kb)
	bg_swapcached_kb=$(meminfo_kb SwapCached)
	bg_zram_kb=$(zram_kb)
	wait $bench
	[ "$(info rdb_last_bgsave_status)" = ok ] || err="$err BGSAVE failed;"
	t0=$(log_ms "Background saving started")
	t1=$(log_ms "DB saved on disk")
	[ -n "$t0" ] && [ -n "$t1" ] && [ "$t1" -ge "$t0" ] ||
		err="$err no BGSAVE times in the log ('$t0', '$t1');"
	if [ "$GETS" = 1 ]; then
		bg=$(python3 "$HERE/redis-latency.py" "$MNT/during.txt") ||
			err="$err no GETs during BGSAVE;"
	else
		bg="requests=0 rps=-1 p50_ms=-1 p99_ms=-1"
	fi

	# The pass right after it.
	note "pass"
	[ "$TRACE" = 0 ] || fault_trace_start "$pid" ||
		err="$err cannot start the fault trace;"
	f0=$(pid_faults "$pid")
	in2=$(vmstat pswpin)
	redis-benchmark -p "$PORT" -t get -n "$PASS" -r "$KEYS" -c "$CLIENTS" \
		> "$MNT/pass.txt" 2>/dev/null
	in3=$(vmstat pswpin)
	f1=$(pid_faults "$pid")
	flt_wp=-1 flt_np=-1 flt_wp_win=-1
	if [ "$TRACE" = 1 ]; then
		set -- $(fault_trace_stop)
		flt_wp=$1 flt_np=$2 flt_wp_win=$4
		[ "$3" = 0 ] || err="$err the fault trace lost $3 events;"
		[ "$1" = 0 ] || [ "$4" -gt 0 ] ||
			err="$err no address in the fault trace's $1 write faults;"
		# A trace that saw nothing while the parent faulted: not set up.
		set -- $(echo "$f0" "$f1")
		[ $((flt_wp + flt_np)) -gt 0 ] || [ $(($3 + $4 - $1 - $2)) -eq 0 ] ||
			err="$err the fault trace saw none of the parent's $(($3 + $4 - $1 - $2)) faults;"
	fi
	pass_swap_kb=$(swap_held_kb)
	pass_zram_kb=$(zram_kb)
	pass=$(python3 "$HERE/redis-latency.py" "$MNT/pass.txt") ||
		err="$err no GETs in the pass;"

	note "pass done"
	[ "$(rcli debug digest)" = "$DIGEST" ] || err="$err the parent's digest differs;"
	server_stop "$PORT" "$server"
	wait
	oom=$(( $(cg_stat memory.events oom_kill) - oom0 ))
	[ "$oom" = 0 ] || err="$err $oom OOM kill(s);"

	# What BGSAVE wrote, loaded by a second server outside the cgroup.
	note "checking the RDB file"
	redis-server --port "$CHECK_PORT" --dir "$RDB" --dbfilename bgsave.rdb \
		--save '' --appendonly no --enable-debug-command yes \
		--daemonize no > "$MNT/check.log" 2>&1 &
	if wait_redis "$CHECK_PORT" $!; then
		d=$(redis-cli -p "$CHECK_PORT" debug digest | tr -d '\r')
		[ "$d" = "$DIGEST" ] ||
			err="$err the RDB file BGSAVE wrote has another digest ($d, $(redis-cli -p "$CHECK_PORT" dbsize | tr -d '\r') keys);"
		redis-cli -p "$CHECK_PORT" shutdown nosave > /dev/null 2>&1
	else
		err="$err the RDB file BGSAVE wrote does not load;"
		kill $! 2>/dev/null
	fi
	wait

	if [ -n "$err" ]; then
		echo "bench-redis: $LABEL $BACKEND rep $rep:$err"
		ls -l "$MNT" "$RDB" | sed 's/^/# /'
		tail -n 20 "$MNT/redis.log" "$MNT/check.log" | sed 's/^/# /'
		return 1
	fi
	set -- $(echo "$f0" "$f1")
	echo "redis: label=$LABEL backend=$BACKEND keys=$KEYS limit_mib=$LIMIT rep=$rep" \
		"bgsave_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1000 }')" \
		"$(echo "$bg" | sed 's/requests=/bg_reqs=/; s/ rps=/ bg_rps=/; s/p50_ms=/bg_p50_ms=/; s/p99_ms=/bg_p99_ms=/; s/ runs=[0-9]*//')" \
		"$(echo "$pass" | sed 's/requests=[0-9]* //; s/rps=/pass_rps=/; s/p50_ms=/pass_p50_ms=/; s/p99_ms=/pass_p99_ms=/; s/ runs=[0-9]*//')" \
		"pass_minflt=$(($3 - $1)) pass_majflt=$(($4 - $2))" \
		"bg_pswpin=$((in1 - in0)) pass_pswpin=$((in3 - in2))" \
		"bg_pswpout=$((out1 - out0))" \
		"bg_gets=$GETS bg_cpu_ms=$(((cpu1 - cpu0) / 1000))" \
		"bg_remap_pte=$([ "$pte0" = -1 ] && echo -1 || echo $((pte1 - pte0)))" \
		"bg_refault_file=$((rf1 - rf0)) bg_pgsteal=$((st1 - st0))" \
		"bg_stall_ms=$([ "$ps0" = -1 ] || [ "$ps1" = -1 ] && echo -1 || echo $(((ps1 - ps0) / 1000)))" \
		"bg_io_stall_ms=$([ "$io0" = -1 ] || [ "$io1" = -1 ] && echo -1 || echo $(((io1 - io0) / 1000)))" \
		"bg_file_kb=$bg_file_kb bg_dirty_kb=$bg_dirty_kb" \
		"start_anon_kb=$start_anon_kb start_swap_kb=$start_swap_kb used_kb=$used_kb" \
		"bg_swap_kb=$bg_swap_kb bg_zram_kb=$bg_zram_kb" \
		"bg_swapcached_kb=$bg_swapcached_kb" \
		"pass_swap_kb=$pass_swap_kb pass_zram_kb=$pass_zram_kb oom_kill=$oom" \
		"pass_flt_wp=$flt_wp pass_flt_np=$flt_np pass_flt_wp_win=$flt_wp_win"
}

rc=0
r=1
while [ $r -le "$REPS" ]; do
	run_once $r || rc=1
	r=$((r + 1))
done
swapoff -a 2>/dev/null
exit $rc
