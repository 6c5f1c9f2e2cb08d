#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: robot.sh [-l]
#
# A build robot, in the manner of the kernel test robot: builds the
# patched tree (build/linux-patched) with W=1 in the configurations
# below, runs sparse over the series' C files, prints one line per
# configuration (name, ok or FAIL, seconds) and a summary, and exits
# non-zero if any configuration failed. "-l" lists the configurations.
# ROBOT_ONLY=name[,name...] runs a subset; ROBOT_NICE (default 19) is
# the niceness of every make. Each configuration builds in its own
# build/obj-robot-NAME (and build/obj-robot-NAME-stock when it needs
# the stock tree); its log is robot-build.log there.
#
# For quick runs and for testing the robot itself: ROBOT_TARGET replaces
# every build's target (e.g. "mm/"), ROBOT_CONFIG_EXTRA is added to every
# configuration's fragment (and verified like the rest), ROBOT_SRC is
# the tree to check instead of build/linux-patched (a scratch copy), and
# ROBOT_OBJ the prefix of the object directories (build/obj-robot-).
#
# Configurations (allnoconfig plus fragments, as build-kernel.sh makes
# them; every option a fragment names, "=n" ones included, is verified
# in the resulting .config by check-config.sh, so an option that Kconfig
# silently keeps or drops fails the configuration):
#
#   x86-noswap ... x86-nouffd
#           x86_64, base.config + debug.config + one option turned off
#           (with whatever depends on it in those fragments), target
#           vmlinux, so that link errors show (a function defined only
#           under CONFIG_SWAP called from elsewhere).
#           x86-noftrace also requires CONFIG_TRACEPOINTS=n: no
#           tracepoint may remain. FTRACE=n alone keeps them: the debug
#           config's PROVE_LOCKING selects TRACE_IRQFLAGS, which turns
#           on PREEMPTIRQ_TRACEPOINTS, which selects TRACING and
#           TRACEPOINTS; so PROVE_LOCKING is off there too.
#           x86-nosysfs needs EXPERT (SYSFS has no prompt without it);
#           VM_EVENT_COUNTERS, which EXPERT would let allnoconfig turn
#           off, stays on. x86-nomigration turns off what
#           selects MIGRATION (COMPACTION, and THP, which selects
#           COMPACTION; NUMA, CMA, MEMORY_HOTREMOVE are off already).
#           x86-nothp keeps COMPACTION (and so MIGRATION) on.
#           x86-nonuma is the debug config itself: base.config has NUMA
#           off already (allnoconfig). x86-numa turns NUMA and NUMA
#           balancing on, as distributions run.
#   i386    ARCH=i386: base + debug with what is 64-bit only turned off
#           (64BIT, MEM_SOFT_DIRTY, PAGE_TABLE_CHECK), HIGHMEM4G; swap,
#           memcg, zswap, KSM and THP stay on (x86-32 has THP; THP_SWAP
#           needs 64BIT, so it is off). Target vmlinux. Compiled with
#           Debian's gcc-12-i686-linux-gnu (CROSS_COMPILE=i686-linux-gnu-),
#           which "make robot-deps" unpacks into build/cross: installed,
#           it would conflict with gcc-multilib, which "make mm-selftests"
#           needs. Without it, with the host's gcc, which the kernel runs
#           with -m32.
#   arm64   ARCH=arm64: allnoconfig + SWAP, MEMCG, TRANSPARENT_HUGEPAGE,
#           THP_SWAP, KSM, ZSWAP, USERFAULTFD, DEBUG_FS, FTRACE with
#           tracepoints, DEBUG_VM. Target Image (the whole kernel,
#           linked). Compiled with Debian's gcc-12-aarch64-linux-gnu
#           (CROSS_COMPILE=aarch64-linux-gnu-), unpacked into build/cross
#           the same way; without it, with clang and lld (LLVM=1). The
#           result line of every configuration says which compiler ran.
#   sparse  sparse (C=2 CHECK=sparse) over the object of every new or
#           patched .c file of the series outside tools/, in the debug
#           config, and over the patched ones in build/linux-stock too
#           (each object is compiled first, so that only sparse speaks).
#
# The rule for W=1 warnings. Our files are the repository's new files
# (git ls-files under arch Documentation include kernel lib mm tools,
# as lint.sh and prepare-tree.sh find them) and the files that the
# patches of patches/series change ("+++ b/" lines), with the object of
# each .c file (objtool names objects). Every warning line of the build
# log ("FILE:LINE[:COL]: warning: MSG", "OBJ.o: warning: objtool: ...")
# is keyed as "FILE: warning: MSG", without line and column. Keys on
# other files are ignored (upstream's own W=1 noise). A key on a new file
# fails. A key on a patched file fails only if the same configuration
# built from build/linux-stock does not give it; that stock build runs
# only when there is such a key, and builds only the objects of the
# patched .c files concerned, or the whole target if a key is in a
# header. Objects that include one of our files are deleted before each
# build, so that a rerun compiles them again (ccache replays their
# warnings) and reports the same warnings as the first run.
#
# The rule for sparse. Each message ("FILE:LINE:COL: warning|error:
# MSG" and its indented "expected/got" lines) is keyed as "OBJECT |
# FILE: MSG", without line and column. For a patched file the keys are
# compared as a multiset with those of the same object of the stock
# tree: a message the stock object lacks, or gives fewer times, fails.
# For a new file every message fails. One exception, SPARSE_LOCK_HELPERS
# below: a "context imbalance in 'FUNC'" message is accepted, and
# printed as such, when FUNC itself (its body in the object's .c file)
# calls one of those helpers. Sparse cannot follow their conditional
# locking, and the stock tree gives the same message for each of its
# own callers of them (mm/swapfile.c: __swap_entry_free, swap_swapcount,
# put_swap_folio...; mm/memory.c: zap_pte_range, alloc_swap_folio,
# do_swap_page...), so a
# new function that uses them gets it too, by its own name. A context
# imbalance in a function that calls none of them still fails.
set -eu
. "$(dirname "$0")/lib.sh"

# Helpers whose locking sparse cannot follow, with why (the rule for
# sparse above): a line each, "NAME: reason".
SPARSE_LOCK_HELPERS="\
lock_cluster_or_swap_info: takes a cluster's lock if the device has clusters, else si->lock
unlock_cluster_or_swap_info: drops whichever of the two its pair took
pte_offset_map_lock: takes the PTL only if the page table is still there, under RCU taken out of line
pte_offset_map_nolock: maps the page table under RCU taken out of line
pte_offset_map: maps the page table under RCU taken out of line, which pte_unmap() drops"

# Debian's cross compilers, unpacked by "deps.sh robot" (not installed).
[ ! -d "$BUILD/cross/usr/bin" ] || PATH=$BUILD/cross/usr/bin:$PATH

SRC=${ROBOT_SRC:-$BUILD/linux-patched}
STOCK=$BUILD/linux-stock
OBJ_PREFIX=${ROBOT_OBJ:-$BUILD/obj-robot-}
NICE=${ROBOT_NICE:-19}
ROBOT_ONLY=${ROBOT_ONLY:-}
ROBOT_TARGET=${ROBOT_TARGET:-}
ROBOT_CONFIG_EXTRA=${ROBOT_CONFIG_EXTRA:-}
case $SRC in /*) ;; *) SRC=$PWD/$SRC ;; esac
case $OBJ_PREFIX in /*) ;; *) OBJ_PREFIX=$PWD/$OBJ_PREFIX ;; esac
OVERLAY_DIRS="arch Documentation include kernel lib mm tools"
BASE_FRAGS="$TOP/configs/base.config $TOP/configs/debug.config"

ALL="x86-noswap x86-nomemcg x86-nodebugfs x86-nosysfs x86-noftrace x86-nothp
x86-noksm x86-nozswap x86-nomigration x86-nonuma x86-numa x86-nouffd
i386 arm64 sparse"

if [ "${1:-}" = -l ]; then
	for c in $ALL; do echo "$c"; done
	exit 0
fi
[ $# -eq 0 ] || die "usage: robot.sh [-l]  (ROBOT_ONLY=name[,name...])"

RUN=
if [ -n "$ROBOT_ONLY" ]; then
	for c in $(echo "$ROBOT_ONLY" | tr ',' ' '); do
		case " $(echo $ALL) " in
		*" $c "*) RUN="$RUN $c" ;;
		*) die "ROBOT_ONLY: no configuration '$c' (robot.sh -l lists them)" ;;
		esac
	done
else
	RUN=$ALL
fi

[ -f "$SRC/Makefile" ] || die "no $SRC: run 'make tree' first"
[ -f "$STOCK/Makefile" ] || "$TOP/scripts/prepare-tree.sh" stock

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# variant NAME: set K_ARCH, K_CROSS, K_TARGET and K_FRAGS (the base
# fragments) for configuration NAME, and print its own fragment
variant()
{
	K_ARCH=x86_64 K_CROSS='' K_TARGET=vmlinux K_FRAGS=$BASE_FRAGS
	K_LLVM='' K_NOTE=''
	case $1 in
	x86-noswap)
		cat <<-EOF
		CONFIG_SWAP=n
		# ZSWAP depends on SWAP; its choices with it.
		CONFIG_ZSWAP=n
		CONFIG_ZSWAP_COMPRESSOR_DEFAULT_LZO=n
		CONFIG_ZSWAP_ZPOOL_DEFAULT_ZSMALLOC=n
		CONFIG_THP_SWAP=n
		EOF
		;;
	x86-nomemcg)
		echo CONFIG_MEMCG=n ;;
	x86-nodebugfs)
		cat <<-EOF
		CONFIG_DEBUG_FS=n
		CONFIG_DEBUG_FS_ALLOW_ALL=n
		# GUP_TEST depends on DEBUG_FS.
		CONFIG_GUP_TEST=n
		EOF
		;;
	x86-nosysfs)
		cat <<-EOF
		# SYSFS has a prompt only with EXPERT; EXPERT would let
		# allnoconfig turn VM_EVENT_COUNTERS off, keep it.
		CONFIG_EXPERT=y
		CONFIG_VM_EVENT_COUNTERS=y
		CONFIG_SYSFS=n
		# ZRAM depends on SYSFS.
		CONFIG_ZRAM=n
		CONFIG_ZRAM_BACKEND_LZO=n
		EOF
		;;
	x86-noftrace)
		cat <<-EOF
		CONFIG_FTRACE=n
		CONFIG_ENABLE_DEFAULT_TRACERS=n
		CONFIG_TRACING=n
		# No tracepoint may remain. PROVE_LOCKING selects
		# TRACE_IRQFLAGS, which turns on PREEMPTIRQ_TRACEPOINTS
		# (selects TRACING, TRACEPOINTS).
		CONFIG_TRACEPOINTS=n
		CONFIG_PROVE_LOCKING=n
		CONFIG_TRACE_IRQFLAGS=n
		CONFIG_PREEMPTIRQ_TRACEPOINTS=n
		EOF
		;;
	x86-nothp)
		cat <<-EOF
		CONFIG_TRANSPARENT_HUGEPAGE=n
		CONFIG_THP_SWAP=n
		# THP selected COMPACTION; keep it, and MIGRATION with it.
		CONFIG_COMPACTION=y
		CONFIG_MIGRATION=y
		EOF
		;;
	x86-noksm)
		echo CONFIG_KSM=n ;;
	x86-nozswap)
		cat <<-EOF
		CONFIG_ZSWAP=n
		CONFIG_ZSWAP_COMPRESSOR_DEFAULT_LZO=n
		CONFIG_ZSWAP_ZPOOL_DEFAULT_ZSMALLOC=n
		EOF
		;;
	x86-nomigration)
		cat <<-EOF
		CONFIG_MIGRATION=n
		# What selects MIGRATION or makes it visible: COMPACTION
		# (selected by THP), NUMA, CMA, MEMORY_HOTREMOVE.
		CONFIG_COMPACTION=n
		CONFIG_TRANSPARENT_HUGEPAGE=n
		CONFIG_THP_SWAP=n
		CONFIG_NUMA=n
		CONFIG_CMA=n
		CONFIG_MEMORY_HOTREMOVE=n
		EOF
		;;
	x86-nonuma)
		echo "# base.config has NUMA off already: this is the debug config."
		echo CONFIG_NUMA=n
		;;
	x86-numa)
		cat <<-EOF
		CONFIG_NUMA=y
		CONFIG_NUMA_BALANCING=y
		CONFIG_NUMA_BALANCING_DEFAULT_ENABLED=y
		CONFIG_MIGRATION=y
		EOF
		;;
	x86-nouffd)
		echo CONFIG_USERFAULTFD=n ;;
	i386)
		K_ARCH=i386 K_CROSS=i686-linux-gnu-
		command -v i686-linux-gnu-gcc >/dev/null ||
			K_CROSS='' K_NOTE="-m32"
		cat <<-EOF
		CONFIG_64BIT=n
		# 64-bit only on x86: soft-dirty, page table check, THP_SWAP.
		CONFIG_MEM_SOFT_DIRTY=n
		CONFIG_PAGE_TABLE_CHECK=n
		CONFIG_PAGE_TABLE_CHECK_ENFORCED=n
		CONFIG_THP_SWAP=n
		# Swapped-out pages in highmem.
		CONFIG_HIGHMEM4G=y
		CONFIG_HIGHMEM=y
		CONFIG_SWAP=y
		CONFIG_MEMCG=y
		CONFIG_TRANSPARENT_HUGEPAGE=y
		CONFIG_MIGRATION=y
		EOF
		;;
	arm64)
		K_ARCH=arm64 K_CROSS=aarch64-linux-gnu- K_TARGET=Image K_FRAGS=
		if ! command -v aarch64-linux-gnu-gcc >/dev/null &&
		   command -v clang >/dev/null && command -v ld.lld >/dev/null; then
			K_CROSS='' K_LLVM=1 K_NOTE="LLVM=1"
		fi
		cat <<-EOF
		CONFIG_SMP=y
		CONFIG_PRINTK=y
		CONFIG_BUG=y
		CONFIG_MULTIUSER=y
		CONFIG_PROC_FS=y
		CONFIG_PROC_PAGE_MONITOR=y
		CONFIG_SYSFS=y
		CONFIG_SHMEM=y
		CONFIG_TMPFS=y
		CONFIG_BLOCK=y
		CONFIG_SWAP=y
		CONFIG_CGROUPS=y
		CONFIG_MEMCG=y
		CONFIG_TRANSPARENT_HUGEPAGE=y
		CONFIG_THP_SWAP=y
		CONFIG_COMPACTION=y
		CONFIG_MIGRATION=y
		CONFIG_KSM=y
		CONFIG_CRYPTO=y
		CONFIG_CRYPTO_LZO=y
		CONFIG_ZSMALLOC=y
		CONFIG_ZSWAP=y
		CONFIG_ZSWAP_COMPRESSOR_DEFAULT_LZO=y
		CONFIG_ZSWAP_ZPOOL_DEFAULT_ZSMALLOC=y
		CONFIG_USERFAULTFD=y
		CONFIG_DEBUG_FS=y
		CONFIG_DEBUG_FS_ALLOW_ALL=y
		CONFIG_FTRACE=y
		CONFIG_ENABLE_DEFAULT_TRACERS=y
		CONFIG_TRACEPOINTS=y
		CONFIG_JUMP_LABEL=y
		CONFIG_DEBUG_KERNEL=y
		CONFIG_DEBUG_VM=y
		EOF
		;;
	sparse)
		;;
	*)
		die "variant: no configuration $1" ;;
	esac
}

# kmake SRC OBJ ARGS...: kbuild of SRC into OBJ for the current variant
kmake()
{
	km_src=$1 km_obj=$2
	shift 2
	nice -n "$NICE" make -s -C "$km_src" O="$km_obj" ARCH="$K_ARCH" \
		CROSS_COMPILE="$K_CROSS" ${K_LLVM:+LLVM=1} CC="$K_CC" \
		HOSTCC="$HOSTCC_" LOCALVERSION=-robot "$@"
}

# configure SRC OBJ: allnoconfig + the variant's fragments in OBJ,
# verified; fails printing what check-config.sh says
configure()
{
	mkdir -p "$2"
	cat $K_FRAGS "$2/robot.config" > "$2/fragment.new"
	if ! cmp -s "$2/fragment.new" "$2/fragment" || [ ! -f "$2/.config" ]; then
		kmake "$1" "$2" KCONFIG_ALLCONFIG="$2/fragment.new" allnoconfig \
			> "$2/robot-config.log" 2>&1 || { cat "$2/robot-config.log"; return 1; }
		mv "$2/fragment.new" "$2/fragment"
	fi
	rm -f "$2/fragment.new"
	kmake "$1" "$2" olddefconfig > "$2/robot-config.log" 2>&1 ||
		{ cat "$2/robot-config.log"; return 1; }
	"$TOP/scripts/check-config.sh" $K_FRAGS "$2/robot.config" -- "$2/.config" 2>&1
}

# normalise SRCDIR < LOG: paths relative to the source or object tree
normalise()
{
	sed -E "s|^([^ :]*/)?$(basename "$1")/||; s|^\./||"
}

# warn_keys SRCDIR < LOG: "KIND FILE: warning: MSG" for each warning on
# one of our files (KIND new or patched), sorted, unique
warn_keys()
{
	normalise "$1" | grep ': warning: ' |
		sed -E 's|^([^: ]+):[0-9]+:([0-9]+:)? warning:|\1: warning:|' |
		awk -v ours="$tmp/ours" '
		BEGIN { while ((getline l < ours) > 0) { split(l, f, " "); kind[f[1]] = f[2] } }
		{ p = $0; sub(/:.*/, "", p); if (p in kind) print kind[p], $0 }' |
		sort -u
}

# warn_lines SRCDIR KEYS < LOG: the log's warning lines (with line
# numbers) whose key is in the file KEYS ("FILE: warning: MSG")
warn_lines()
{
	normalise "$1" | awk -v keys="$2" '
		BEGIN { while ((getline l < keys) > 0) want[l] = 1 }
		/: warning: / {
			k = $0
			sub(/:[0-9]+:([0-9]+:)? warning:/, ": warning:", k)
			if (k in want) print
		}'
}

# first_errors SRCDIR < LOG: the first error lines of a failed build
first_errors()
{
	normalise "$1" | grep -E -m 20 'error:|Error [0-9]|undefined reference|undefined symbol|\*\*\*|FATAL|ERROR:' ||
		true
}

# force_rebuild SRCDIR OBJ: delete every object whose .cmd names one
# of our files, so that the build compiles it (and warns) again
force_rebuild()
{
	[ -d "$2" ] || return 0
	sed "s|^\([^ ]*\) .*|$1/\1|" "$tmp/ours" > "$tmp/pat"
	find "$2" -name '.*.o.cmd' -print0 | xargs -0 -r grep -lF -f "$tmp/pat" 2>/dev/null |
		while read -r cmd; do
			o=$(dirname "$cmd")/$(basename "$cmd" .cmd)
			o=$(dirname "$o")/$(basename "$o" | sed 's/^\.//')
			rm -f "$o"
		done
}

# Our files: "PATH new|patched", and the objects of the .c files.
(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS) |
	sort -u > "$tmp/new"
grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" | while read -r p _; do
	[ -f "$TOP/patches/$p" ] && sed -n 's|^+++ b/||p' "$TOP/patches/$p"
done | sort -u | comm -23 - "$tmp/new" > "$tmp/patched"
{
	sed 's/$/ new/' "$tmp/new"
	sed 's/$/ patched/' "$tmp/patched"
	sed -n 's/\.c$/.o new/p' "$tmp/new"
	sed -n 's/\.c$/.o patched/p' "$tmp/patched"
} > "$tmp/ours"

HOSTCC_=gcc
command -v ccache >/dev/null && HOSTCC_="ccache gcc"

# run_build NAME: configure and build one configuration; prints why it
# failed and returns 1, or returns 0
run_build()
{
	obj=$OBJ_PREFIX$1
	mkdir -p "$obj"
	variant "$1" > "$obj/robot.config"
	[ -z "$ROBOT_CONFIG_EXTRA" ] || printf '%s\n' "$ROBOT_CONFIG_EXTRA" >> "$obj/robot.config"
	[ -z "$ROBOT_TARGET" ] || K_TARGET=$ROBOT_TARGET
	K_CC=${K_CROSS}gcc
	[ -z "$K_LLVM" ] || K_CC=clang
	command -v "$K_CC" >/dev/null || { echo "no $K_CC installed"; return 1; }
	K_NOTE="$K_TARGET, $K_CC $($K_CC -dumpversion)${K_NOTE:+, $K_NOTE}"
	command -v ccache >/dev/null && K_CC="ccache $K_CC"
	if ! configure "$SRC" "$obj" > "$tmp/config.out"; then
		echo "configuration failed ($obj/.config):"
		sed 's/^/  /' "$tmp/config.out"
		return 1
	fi
	force_rebuild "$SRC" "$obj"
	if ! kmake "$SRC" "$obj" -j"$JOBS" W=1 "$K_TARGET" < /dev/null > "$obj/robot-build.log" 2>&1; then
		echo "build of $K_TARGET failed ($obj/robot-build.log), first errors:"
		first_errors "$SRC" < "$obj/robot-build.log" | sed 's/^/  /'
		return 1
	fi
	warn_keys "$SRC" < "$obj/robot-build.log" > "$tmp/keys"
	grep '^new ' "$tmp/keys" | cut -d' ' -f2- > "$tmp/bad" || true
	grep '^patched ' "$tmp/keys" | cut -d' ' -f2- > "$tmp/pkeys" || true
	if [ -s "$tmp/pkeys" ]; then
		# Only what the stock tree does not give fails.
		sobj=$OBJ_PREFIX$1-stock
		mkdir -p "$sobj"
		cp "$obj/robot.config" "$sobj/robot.config"
		if ! configure "$STOCK" "$sobj" > "$tmp/config.out"; then
			echo "stock configuration failed:"
			sed 's/^/  /' "$tmp/config.out"
			return 1
		fi
		targets=
		if grep -qv '^[^:]*\.[co]: ' "$tmp/pkeys"; then
			targets=$K_TARGET
			force_rebuild "$STOCK" "$sobj"
		else
			for f in $(sed 's/:.*//; s/\.c$/.o/' "$tmp/pkeys" | sort -u); do
				rm -f "$sobj/$f"
				targets="$targets $f"
			done
		fi
		msg "$1: W=1 warnings in patched files, building ${targets# } of the stock tree"
		if ! kmake "$STOCK" "$sobj" -j"$JOBS" W=1 $targets < /dev/null > "$sobj/robot-build.log" 2>&1; then
			echo "stock build of$targets failed ($sobj/robot-build.log):"
			first_errors "$STOCK" < "$sobj/robot-build.log" | sed 's/^/  /'
			return 1
		fi
		warn_keys "$STOCK" < "$sobj/robot-build.log" | cut -d' ' -f2- > "$tmp/skeys"
		comm -23 "$tmp/pkeys" "$tmp/skeys" >> "$tmp/bad"
	fi
	if [ -s "$tmp/bad" ]; then
		sort -u -o "$tmp/bad" "$tmp/bad"
		echo "W=1 gives $(wc -l < "$tmp/bad") warning(s) in the series' files ($obj/robot-build.log):"
		warn_lines "$SRC" "$tmp/bad" < "$obj/robot-build.log" | head -n 20 | sed 's/^/  /'
		return 1
	fi
	return 0
}

# sparse_keys SRCDIR OBJECT < LOG: "OBJECT | FILE: MSG" per message,
# continuation lines (sparse's indented "expected"/"got") joined
sparse_keys()
{
	normalise "$1" | awk -v o="$2" '
		function flush() { if (k != "") print o " | " k; k = "" }
		/^[^ :]+:[0-9]+:[0-9]+: (warning|error): / {
			flush()
			k = $0
			sub(/:[0-9]+:[0-9]+: /, ": ", k)
			next
		}
		/^[^ :]+:[0-9]+:[0-9]+:  +/ && k != "" {
			c = $0
			sub(/^[^ :]+:[0-9]+:[0-9]+: +/, "", c)
			k = k " / " c
			next
		}
		{ flush() }
		END { flush() }' | sort
}

# lock_helper_of SRCDIR OBJECT FUNC: the first of SPARSE_LOCK_HELPERS
# that the body of FUNC, in the .c file of OBJECT, calls; nothing if none
lock_helper_of()
{
	[ -f "$1/${2%.o}.c" ] || return 0
	# The definition: its first line, then "{" alone at the start of a
	# line before any line that ends in ";" (a declaration), to "}".
	awk -v f="$3" '
		!body && !cand && $0 ~ "^[A-Za-z].*[^A-Za-z0-9_]" f "\\(" { cand = 1 }
		cand && !body {
			if ($0 ~ /^{/) body = 1
			else if ($0 ~ /;[ \t]*$/) cand = 0
			next
		}
		body { print }
		body && /^}/ { exit }' "$1/${2%.o}.c" > "$tmp/fbody"
	printf '%s\n' "$SPARSE_LOCK_HELPERS" | while IFS=: read -r h _; do
		[ -n "$h" ] || continue
		if grep -q "[^A-Za-z0-9_]$h(" "$tmp/fbody"; then
			echo "$h"
			break
		fi
	done
}

# sparse_accept SRCDIR < keys > keys: drops the context imbalances the
# rule accepts, printing each on stderr
sparse_accept()
{
	while IFS= read -r k; do
		fn=$(printf '%s\n' "$k" | sed -n "s/.*: warning: context imbalance in '\([A-Za-z0-9_]*\)' - .*/\1/p")
		h=
		[ -z "$fn" ] || h=$(lock_helper_of "$1" "${k%% *}" "$fn")
		if [ -n "$h" ]; then
			printf '  sparse: accepted, %s calls %s: %s\n' "$fn" "$h" "$k" >&2
		else
			printf '%s\n' "$k"
		fi
	done
}

# run_sparse: the sparse step; prints why it failed and returns 1
run_sparse()
{
	K_ARCH=x86_64 K_CROSS='' K_FRAGS=$BASE_FRAGS K_LLVM='' K_NOTE=''
	K_CC=gcc
	command -v ccache >/dev/null && K_CC="ccache gcc"
	command -v sparse >/dev/null || { echo "sparse is not installed"; return 1; }
	obj=${OBJ_PREFIX}sparse
	sobj=${OBJ_PREFIX}sparse-stock
	grep -E '\.c (new|patched)$' "$tmp/ours" | grep -v '^\(tools\|Documentation\)/' > "$tmp/sfiles" || true
	for d in "$obj" "$sobj"; do
		mkdir -p "$d"
		printf '%s\n' "$ROBOT_CONFIG_EXTRA" | grep . > "$d/robot.config" || true
	done
	for pair in "$SRC:$obj" "$STOCK:$sobj"; do
		if ! configure "${pair%%:*}" "${pair#*:}" > "$tmp/config.out"; then
			echo "configuration failed (${pair#*:}):"
			sed 's/^/  /' "$tmp/config.out"
			return 1
		fi
	done
	: > "$obj/robot-build.log"
	: > "$sobj/robot-build.log"
	: > "$tmp/bad"
	nf=0
	while read -r f kind; do
		nf=$((nf + 1))
		o=${f%.c}.o
		# Compile first, so that the C=2 run gives sparse's messages only.
		kmake "$SRC" "$obj" -j"$JOBS" "$o" < /dev/null > "$tmp/sp.log" 2>&1 &&
		kmake "$SRC" "$obj" -j"$JOBS" C=2 CHECK=sparse "$o" < /dev/null > "$tmp/sp.log" 2>&1 || {
			cat "$tmp/sp.log" >> "$obj/robot-build.log"
			echo "$o does not build ($obj/robot-build.log):"
			first_errors "$SRC" < "$tmp/sp.log" | sed 's/^/  /'
			return 1
		}
		cat "$tmp/sp.log" >> "$obj/robot-build.log"
		sparse_keys "$SRC" "$o" < "$tmp/sp.log" > "$tmp/sp.new"
		if [ "$kind" = patched ]; then
			kmake "$STOCK" "$sobj" -j"$JOBS" "$o" < /dev/null > "$tmp/sp.log" 2>&1 &&
			kmake "$STOCK" "$sobj" -j"$JOBS" C=2 CHECK=sparse "$o" < /dev/null > "$tmp/sp.log" 2>&1 || {
				echo "stock $o does not build ($sobj/robot-build.log):"
				first_errors "$STOCK" < "$tmp/sp.log" | sed 's/^/  /'
				cat "$tmp/sp.log" >> "$sobj/robot-build.log"
				return 1
			}
			cat "$tmp/sp.log" >> "$sobj/robot-build.log"
			sparse_keys "$STOCK" "$o" < "$tmp/sp.log" > "$tmp/sp.old"
			comm -23 "$tmp/sp.new" "$tmp/sp.old" | sparse_accept "$SRC" >> "$tmp/bad"
		else
			sparse_accept "$SRC" < "$tmp/sp.new" >> "$tmp/bad"
		fi
		printf '  sparse: %s (%s): %d messages\n' "$o" "$kind" "$(wc -l < "$tmp/sp.new")" >&2
	done < "$tmp/sfiles"
	[ "$nf" -gt 0 ] || { echo "no .c file of the series to check"; return 1; }
	K_NOTE="C=2, $nf objects"
	if [ -s "$tmp/bad" ]; then
		echo "sparse gives $(wc -l < "$tmp/bad") message(s) the stock tree lacks:"
		head -n 20 "$tmp/bad" | sed 's/^/  /'
		return 1
	fi
	return 0
}

msg "robot: $(echo $RUN | wc -w) configuration(s):" $RUN
total_start=$(date +%s)
K_NOTE=''

: > "$tmp/summary"
nfail=0
for c in $RUN; do
	msg "robot: $c"
	start=$(date +%s)
	rc=0
	if [ "$c" = sparse ]; then
		run_sparse > "$tmp/why" || rc=1
	else
		run_build "$c" > "$tmp/why" || rc=1
	fi
	secs=$(( $(date +%s) - start ))
	res=ok
	if [ $rc -ne 0 ]; then
		res=FAIL
		nfail=$((nfail + 1))
	fi
	line=$(printf '%-16s %-4s %5ds  %s' "$c" "$res" "$secs" "$K_NOTE")
	echo "robot: $line"
	[ $rc -eq 0 ] || sed "s/^/robot: $c: /" "$tmp/why"
	echo "$line" >> "$tmp/summary"
done
total=$(( $(date +%s) - total_start ))

echo
echo "robot summary (${SRC#$TOP/}, W=1; seconds):"
sed 's/^/  /' "$tmp/summary"
printf '  total %dm%02ds (%ds), %d configuration(s), %d failed\n' \
	$((total / 60)) $((total % 60)) "$total" "$(echo $RUN | wc -w)" "$nfail"
if [ "$nfail" -ne 0 ]; then
	echo "robot: FAILED"
	exit 1
fi
echo "robot: OK"
