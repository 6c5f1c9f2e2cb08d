#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: lint.sh
#
# Lints the series made by mkseries.sh ("make series") and the patched
# tree (scripts/prepare-tree.sh patched), prints a summary and exits
# non-zero if anything failed:
#
#  1. scripts/checkpatch.pl --strict on every patch of build/series:
#     errors, warnings and checks all fail (LINT_CHECKS=report only
#     reports the checks), except the messages patches/lint-exceptions
#     lists with a reason.
#  2. scripts/kernel-doc -none on every new .c and .h file of the
#     repository under mm/, include/, lib/ and kernel/: any warning fails.
#  3. A W=1 build (debug config, build/obj-lint-patched) of the object of
#     every new or patched .c file under mm/. A warning in a new file
#     fails; in a patched file, only a warning that the same W=1 build of
#     the stock tree (build/obj-lint-stock) does not give.
set -eu
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/series
MAP=$BUILD/series.map
WORK=$BUILD/series-work
EXCEPTIONS=$TOP/patches/lint-exceptions
SRC=$BUILD/linux-patched
STOCK=$BUILD/linux-stock
OBJ=$BUILD/obj-lint-patched
OBJ_STOCK=$BUILD/obj-lint-stock
FRAGS="$TOP/configs/base.config $TOP/configs/debug.config"
OVERLAY_DIRS="arch Documentation include kernel lib mm tools"
LINT_CHECKS=${LINT_CHECKS:-fail}
# Debian's python3, for scripts/spdxcheck.py and its ply module.
PATH=/usr/bin:$PATH

[ -f "$MAP" ] && [ -d "$OUT" ] && [ -e "$WORK/.git" ] ||
	die "no build/series: run 'make series' first"
[ -e "$SRC/.git" ] || die "no build/linux-patched: run 'make tree' first"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
: > "$tmp/summary"

# summary TEXT...: a line of the final summary
summary()
{
	printf '%s\n' "$*" >> "$tmp/summary"
}

# fail TEXT...: a failure, reported now and counted
fail()
{
	printf 'lint: FAIL %s\n' "$*" >&2
	fails=$((fails + 1))
}

# exception_lines: the exceptions, "TYPE FILE REASON", checked
exception_lines()
{
	[ -f "$EXCEPTIONS" ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$EXCEPTIONS" | while read -r type file reason; do
		if [ -z "$reason" ]; then
			echo "lint: patches/lint-exceptions: '$type $file' has no reason" >&2
			echo "BAD"
			continue
		fi
		printf '%s %s\n' "$type" "$file"
	done
}

# filter_checkpatch OUTPUT: drop the excepted messages of checkpatch
# --show-types output, print the rest and "counts E W C X" at the end
filter_checkpatch()
{
	awk -v exc="$tmp/exceptions" '
	BEGIN {
		while ((getline line < exc) > 0) {
			split(line, f, " ")
			n++; etype[n] = f[1]; efile[n] = f[2]
		}
	}
	function glob_match(pat, s,   re) {
		re = pat
		gsub(/\./, "\\.", re)
		gsub(/\*/, ".*", re)
		gsub(/\?/, ".", re)
		return s ~ ("^" re "$")
	}
	function flush(   i, skip) {
		if (block == "")
			return
		skip = 0
		for (i = 1; i <= n; i++)
			if (etype[i] == type && glob_match(efile[i], file))
				skip = 1
		if (skip)
			excepted++
		else {
			printf("%s", block)
			if (level == "ERROR") e++
			else if (level == "WARNING") w++
			else c++
		}
		block = ""
	}
	/^(ERROR|WARNING|CHECK):[A-Z0-9_]+:/ {
		flush()
		split($0, p, ":")
		level = p[1]; type = p[2]; file = ""
		block = $0 "\n"
		next
	}
	block != "" && /^#[0-9]+: FILE: / {
		file = $3
		sub(/:[0-9]+:$/, "", file)
		block = block $0 "\n"
		next
	}
	block != "" && /^$/ { flush(); next }
	block != "" { block = block $0 "\n"; next }
	END {
		flush()
		printf("counts %d %d %d %d\n", e, w, c, excepted)
	}' "$1"
}

# 1. checkpatch
exception_lines > "$tmp/exceptions"
if grep -q '^BAD$' "$tmp/exceptions"; then
	fail "patches/lint-exceptions: an exception without a reason"
	grep -v '^BAD$' "$tmp/exceptions" > "$tmp/exc.ok"
	mv "$tmp/exc.ok" "$tmp/exceptions"
fi
te=0 tw=0 tc=0 tx=0 np=0
while read -r mail patch; do
	np=$((np + 1))
	(cd "$WORK" && perl scripts/checkpatch.pl --strict --show-types \
		--no-summary "$OUT/$mail") < /dev/null > "$tmp/cp.out" 2>&1 || true
	filter_checkpatch "$tmp/cp.out" > "$tmp/cp.left"
	set -- $(tail -n 1 "$tmp/cp.left")
	e=$2 w=$3 c=$4 x=$5
	te=$((te + e)) tw=$((tw + w)) tc=$((tc + c)) tx=$((tx + x))
	printf 'checkpatch: %s (%s): %d errors, %d warnings, %d checks, %d excepted\n' \
		"$mail" "$patch" "$e" "$w" "$c" "$x"
	if [ "$e" -ne 0 ] || [ "$w" -ne 0 ] ||
	   { [ "$c" -ne 0 ] && [ "$LINT_CHECKS" != report ]; }; then
		sed '$d' "$tmp/cp.left" | sed 's/^/    /'
		fail "checkpatch: $mail"
	fi
done < "$MAP"
res=OK
if [ "$te" -ne 0 ] || [ "$tw" -ne 0 ] || { [ "$tc" -ne 0 ] && [ "$LINT_CHECKS" != report ]; }; then
	res=FAILED
fi
summary "$(printf '%-11s %d patch(es): %d errors, %d warnings, %d checks (%d excepted)  %s' \
	checkpatch "$np" "$te" "$tw" "$tc" "$tx" "$res")"

# 2. kernel-doc
(cd "$TOP" && git ls-files --cached --others --exclude-standard -- mm include lib kernel) |
	grep '\.[ch]$' > "$tmp/newsrc" || true
nk=0 tk=0
while read -r f; do
	nk=$((nk + 1))
	perl "$WORK/scripts/kernel-doc" -none "$TOP/$f" < /dev/null > "$tmp/kd.out" 2>&1 || true
	k=$(grep -c -i 'warning\|error' "$tmp/kd.out" || true)
	tk=$((tk + k))
	printf 'kernel-doc: %s: %d warnings\n' "$f" "$k"
	if [ "$k" -ne 0 ]; then
		sed "s|$TOP/||; s/^/    /" "$tmp/kd.out"
		fail "kernel-doc: $f"
	fi
done < "$tmp/newsrc"
res=OK
[ "$tk" -eq 0 ] || res=FAILED
summary "$(printf '%-11s %d file(s): %d warnings  %s' kernel-doc "$nk" "$tk" "$res")"

# 3. W=1 objects
CC="gcc"
command -v ccache >/dev/null && CC="ccache gcc"

# kmake SRC OBJ ARGS...: kbuild of SRC into OBJ
kmake()
{
	src=$1 obj=$2
	shift 2
	make -s -C "$src" O="$obj" ARCH=x86_64 CC="$CC" HOSTCC="$CC" "$@"
}

# lint_config SRC OBJ: the debug config of build-kernel.sh, in OBJ
lint_config()
{
	mkdir -p "$2"
	cat $FRAGS > "$2/fragment.new"
	if ! cmp -s "$2/fragment.new" "$2/fragment" || [ ! -f "$2/.config" ]; then
		kmake "$1" "$2" KCONFIG_ALLCONFIG="$2/fragment.new" allnoconfig >/dev/null
		mv "$2/fragment.new" "$2/fragment"
	fi
	rm -f "$2/fragment.new"
	kmake "$1" "$2" olddefconfig >/dev/null
}

# w1_warnings SRC OBJ FILE.c: the W=1 warnings of FILE.c's object that
# are in our files (new or patched), one per line as "path: warning: ...",
# without line and column numbers; fails if the object cannot be built
w1_warnings()
{
	o=${3%.c}.o
	rm -f "$2/$o"
	kmake "$1" "$2" -j"$JOBS" W=1 "$o" < /dev/null > "$tmp/w1.log" 2>&1 || {
		sed 's/^/    /' "$tmp/w1.log" >&2
		return 1
	}
	grep ': warning: ' "$tmp/w1.log" |
		sed -E "s|^([^ :]*/)?$(basename "$1")/||; s|^([^: ]*):[0-9]+:([0-9]+:)? warning:|\\1: warning:|" |
		while read -r path rest; do
			if grep -qxF "${path%:}" "$tmp/ours"; then
				printf '%s %s\n' "$path" "$rest"
			fi
		done | sort -u
}

# Our files: the new files of the repository and the files the patches change.
(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS) > "$tmp/ours"
sed -n 's|^+++ b/||p' $(sed 's|\t.*||; s|^|'"$OUT"'/|' "$MAP") | sort -u > "$tmp/patched"
cat "$tmp/patched" >> "$tmp/ours"
{
	grep '^mm/.*\.c$' "$tmp/newsrc" | sed 's/$/ new/'
	grep '^mm/.*\.c$' "$tmp/patched" | sed 's/$/ patched/'
} | sort -u -k1,1 > "$tmp/objs"
no=0 tn=0 nbad=0
if [ -s "$tmp/objs" ]; then
	msg "W=1 build of $(wc -l < "$tmp/objs") object(s) of the patched tree"
	lint_config "$SRC" "$OBJ"
	if grep -q ' patched$' "$tmp/objs"; then
		[ -e "$STOCK/.git" ] || "$TOP/scripts/prepare-tree.sh" stock
		lint_config "$STOCK" "$OBJ_STOCK"
	fi
fi
while read -r f kind; do
	no=$((no + 1))
	if ! w1_warnings "$SRC" "$OBJ" "$f" > "$tmp/w1.new"; then
		fail "W=1: ${f%.c}.o does not build in the patched tree"
		nbad=$((nbad + 1))
		continue
	fi
	if [ "$kind" = patched ]; then
		w1_warnings "$STOCK" "$OBJ_STOCK" "$f" > "$tmp/w1.old" || : > "$tmp/w1.old"
		comm -23 "$tmp/w1.new" "$tmp/w1.old" > "$tmp/w1.left"
	else
		cp "$tmp/w1.new" "$tmp/w1.left"
	fi
	n=$(wc -l < "$tmp/w1.left")
	tn=$((tn + n))
	printf 'W=1: %s (%s file): %d new warnings\n' "${f%.c}.o" "$kind" "$n"
	if [ "$n" -ne 0 ]; then
		sed 's/^/    /' "$tmp/w1.left"
		fail "W=1: ${f%.c}.o"
	fi
done < "$tmp/objs"
res=OK
[ "$tn" -eq 0 ] && [ "$nbad" -eq 0 ] || res=FAILED
summary "$(printf '%-11s %d object(s): %d new warnings, %d not built  %s' W=1 "$no" "$tn" "$nbad" "$res")"

echo
echo "lint summary:"
sed 's/^/  /' "$tmp/summary"
if [ "$fails" -ne 0 ]; then
	echo "lint: FAILED ($fails failures)"
	exit 1
fi
echo "lint: OK"
