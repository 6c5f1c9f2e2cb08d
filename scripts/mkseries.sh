#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: mkseries.sh
#
# Turns patches/series into a patch series ready to mail, in build/series:
#
#  1. In a scratch worktree of the base (build/series-work), one commit per
#     series line: the line's new files copied in, its patch applied with
#     "git apply --index", committed with the patch's own From, Subject and
#     body (parsed by "git mailinfo"); a patch without a diff, a message
#     only, makes a commit of the line's new files alone. The repository
#     holds its new files in their final form, and a later line's patch
#     may change a new file that an earlier line added (a selftest adds
#     itself to the selftests' Makefile): the earlier line adds the file
#     with the later patches' changes to it undone ("git apply -R", the
#     last line first), so that each commit names only what exists at
#     that commit.
#  2. The tree of the last commit must be the one scripts/prepare-tree.sh
#     builds for "make check" (all new files in their final form, the
#     patches' hunks to them skipped), but for the new files that no line
#     names.
#  3. "git format-patch --cover-letter" of base..HEAD into build/series,
#     subjects "[PATCH n/N]". The cover letter gets its subject and summary
#     from patches/cover-letter, the benchmark table (build/bench/table.txt,
#     or a note that there is none), the forking-server tables there are
#     (build/bench/forksrv*/ and build/bench-debian-bench/forksrv*/: small
#     pages and each folio size), the Redis tables there are (redis/ and
#     redis-icount/ of the same two directories), the overhead table of
#     debian-bench (build/bench-debian-bench/icount/; a table that
#     scripts/bench.sh did not mark complete is refused) and, as Cc:
#     headers, what scripts/get_maintainer.pl --no-git --no-rolestats
#     says about the series.
#  4. "git am" of the result in a second scratch worktree of the pristine
#     base (build/series-am); the tree it ends with must be the one of step 1.
#
# Also writes build/series.map: "NNNN-name.patch<TAB>series patch" per line.
# Fails on a subject longer than 75 characters or without a "subsystem: "
# prefix, and warns about new files of the repository that no series line
# names (they would be missing from the mailed series).
set -eu
. "$(dirname "$0")/lib.sh"

BASEGIT=$BUILD/base.git
WORK=$BUILD/series-work
AMTREE=$BUILD/series-am
OUT=$BUILD/series
MAP=$BUILD/series.map
SERIES=$TOP/patches/series
COVER=$TOP/patches/cover-letter
BENCH=$BUILD/bench/table.txt
# The tables of part forksrv ("BENCH_PARTS=forksrv make bench", small
# pages, then each BENCH_FORKSRV_MTHP) and part redis (wall clock, then
# BENCH_REDIS_ICOUNT=1) of the two
# benchmark flavours, and part overhead of debian-bench, if any, in that
# order: the flavours without debug options only.
BENCH_MORE=
for d in "$BUILD/bench" "$BUILD/bench-debian-bench"; do
	for t in "$d/forksrv/table.txt" "$d"/forksrv-mthp*/table.txt \
		 "$d/redis/table.txt" "$d/redis-icount/table.txt"; do
		[ ! -f "$t" ] || BENCH_MORE="$BENCH_MORE $t"
	done
done
[ ! -f "$BUILD/bench-debian-bench/icount/table.txt" ] ||
	BENCH_MORE="$BENCH_MORE $BUILD/bench-debian-bench/icount/table.txt"
# The first line of a table that scripts/bench.sh finished with every boot
# passed; it is not mailed.
BENCH_MARK="# make bench: complete, every boot passed"
OVERLAY_DIRS="arch Documentation include kernel lib mm tools"
NAME="swapcache series"
EMAIL="swapcache@localhost"
# Fixed dates: the same series gives the same commits and the same mails.
DATE="2025-01-01T00:00:00+0000"

# G ARGS...: git on the base repository, with the series identity
G()
{
	git -c user.name="$NAME" -c user.email="$EMAIL" -c gc.auto=0 \
	    -c core.autocrlf=false --git-dir="$BASEGIT" "$@"
}

# T DIR ARGS...: git in the worktree DIR, with the series identity
T()
{
	dir=$1
	shift
	GIT_COMMITTER_DATE=$DATE git -C "$dir" -c user.name="$NAME" \
		-c user.email="$EMAIL" -c gc.auto=0 -c core.autocrlf=false "$@"
}

# scratch_tree DIR: a worktree of the base at DIR, reset to the base
scratch_tree()
{
	# A .git file that base.git no longer knows (base imported again): anew.
	if [ ! -e "$1/.git" ] || ! git -C "$1" rev-parse -q --verify HEAD > /dev/null 2>&1; then
		rm -rf "$1"
		G worktree prune
		msg "creating the scratch tree $1 (once)"
		G worktree add -q --detach "$1" base
	fi
	T "$1" am --abort >/dev/null 2>&1 || true
	T "$1" checkout -q -f --detach base
	T "$1" clean -q -f -d -x
}

# series_lines: the series lines without comments and blank lines
series_lines()
{
	grep -v '^[[:space:]]*\(#\|$\)' "$SERIES" || true
}

# repo_files PATH: the files of this repository at or under PATH
repo_files()
{
	(cd "$TOP" && git ls-files --cached --others --exclude-standard -- "$1")
}

# early_versions FILE...: in $WORK, undo on the new files FILE... that the
# current line adds what the patches of the later lines change in them,
# the last line first: the line adds the version those patches start from
early_versions()
{
	[ $# -gt 0 ] || return 0
	inc=$(printf -- '--include=%s\n' "$@")
	tail -n +$((nr + 2)) "$tmp/lines" | awk '{ print $1 }' | tac > "$tmp/later"
	while read -r later; do
		[ -f "$TOP/patches/$later" ] || continue
		grep -q '^diff --git ' "$TOP/patches/$later" || continue
		# shellcheck disable=SC2086
		T "$WORK" apply -R $inc "$TOP/patches/$later" < /dev/null ||
			die "patches/$later does not apply in reverse to the repository's $*: update its hunks to the new files"
	done < "$tmp/later"
}

# add_new_files FILE...: copy new files of the repository into $WORK, in
# the version the later patches start from
add_new_files()
{
	: > "$tmp/added"
	for spec in "$@"; do
		files=$(repo_files "$spec")
		[ -n "$files" ] || die "patches/series names $spec, which is not in the repository"
		for f in $files; do
			[ -f "$TOP/$f" ] || continue
			if G cat-file -e "base:$f" 2>/dev/null; then
				die "$f exists in the base: change it with a patch, do not copy it"
			fi
			mkdir -p "$WORK/$(dirname "$f")"
			cp "$TOP/$f" "$WORK/$f"
			echo "$f" >> "$tmp/added"
			echo "$f" >> "$named"
		done
	done
	# shellcheck disable=SC2046
	early_versions $(cat "$tmp/added")
	while read -r f; do
		if [ -x "$TOP/$f" ]; then chmod 755 "$WORK/$f"; else chmod 644 "$WORK/$f"; fi
		T "$WORK" add -f -- "$f"
	done < "$tmp/added"
}

# check_subject SUBJECT PATCH: kernel-style subject, at most 75 characters
check_subject()
{
	len=$(printf '%s' "$1" | wc -m)
	[ "$len" -le 75 ] || die "patches/$2: subject is $len characters, at most 75: $1"
	case "$1" in
	*[A-Za-z0-9]": "?*) ;;
	*) die "patches/$2: subject needs a 'subsystem: ' prefix: $1" ;;
	esac
}

# commit_line PATCH FILE...: one commit of the series
commit_line()
{
	patch=$TOP/patches/$1
	shift
	[ -f "$patch" ] || die "patches/series names $patch, which does not exist"
	add_new_files "$@"
	# A patch without a diff only carries the message of its new files.
	if grep -q '^diff --git ' "$patch"; then
		T "$WORK" apply --index "$patch" ||
			die "patches/$(basename "$patch") does not apply"
	fi
	git mailinfo -u "$tmp/msg" "$tmp/diff" < "$patch" > "$tmp/info"
	author=$(sed -n 's/^Author: //p' "$tmp/info")
	email=$(sed -n 's/^Email: //p' "$tmp/info")
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	[ -n "$author" ] && [ -n "$email" ] && [ -n "$subject" ] ||
		die "patches/$(basename "$patch"): no From: or Subject: header"
	check_subject "$subject" "$(basename "$patch")"
	grep -q '^Signed-off-by: ' "$tmp/msg" ||
		die "patches/$(basename "$patch"): no Signed-off-by"
	{ printf '%s\n\n' "$subject"; cat "$tmp/msg"; } > "$tmp/commit"
	GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$DATE \
		T "$WORK" commit -q --no-verify -F "$tmp/commit"
	nr=$((nr + 1))
	printf '%s\n' "$(basename "$patch")" >> "$tmp/names"
}

# unnamed_files: new files of the repository that no series line names
unnamed_files()
{
	(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS) |
		sort > "$tmp/all"
	sort -u "$named" > "$tmp/named"
	comm -23 "$tmp/all" "$tmp/named"
}

# cover_letter FILE: fill in the cover letter that format-patch left
cover_letter()
{
	ccs=$1.cc
	subject=$(head -n 1 "$COVER")
	# get_maintainer.pl wants the top of a kernel tree as its cwd.
	(cd "$WORK" && perl scripts/get_maintainer.pl --no-git --no-rolestats \
		$(ls "$OUT"/*.patch | grep -v '/0000-')) |
		grep -v -F "<$EMAIL>" > "$ccs" || true
	[ -s "$ccs" ] || die "get_maintainer.pl found nobody for the series"
	{
		tail -n +2 "$COVER" | grep -v '^#' | sed '1{/^$/d}'
		echo
		if [ -f "$BENCH" ]; then
			echo "Benchmark (\"make bench\": stock and patched bench kernels in"
			echo "QEMU, medians; build/bench/table.txt):"
			echo
			tail -n +2 "$BENCH" | sed 's/^/  /; s/[[:space:]]*$//'
		else
			echo "No table of the remap cases yet: build/bench/table.txt does not"
			echo "exist (\"make bench\" writes it)."
		fi
		for t in $BENCH_MORE; do
			echo
			case $t in
			*/forksrv*) echo "A forking server under steady reclaim (\"BENCH_PARTS=forksrv make bench\"):" ;;
			*/redis-icount/table.txt) echo "Redis BGSAVE alone, in guest instructions (\"BENCH_PARTS=redis BENCH_REDIS_ICOUNT=1 make bench\"):" ;;
			*/redis/table.txt) echo "Redis BGSAVE of a heap in swap (\"BENCH_PARTS=redis make bench\"):" ;;
			*) echo "What the series costs where it should cost nothing (part overhead):" ;;
			esac
			echo "${t#"$TOP"/}"
			echo
			tail -n +2 "$t" | sed 's/^/  /; s/[[:space:]]*$//'
		done
		echo
		echo "Based on Linux 6.12.117 ($BASE_PKG $BASE_PKG_VERSION)."
		echo "Cc list: scripts/get_maintainer.pl --no-git --no-rolestats."
	} > "$tmp/blurb"
	awk -v subject="$subject" -v ccs="$ccs" -v blurb="$tmp/blurb" '
	sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) {
		print
		while ((getline line < ccs) > 0)
			print "Cc: " line
		next
	}
	/^\*\*\* BLURB HERE \*\*\*$/ {
		while ((getline line < blurb) > 0)
			print line
		next
	}
	{ print }' "$1" > "$1.new"
	mv "$1.new" "$1"
	rm -f "$ccs"
}

# A table without the mark comes from a bench run that failed or died,
# or from before tables were marked: its numbers may include failed boots.
for t in "$BENCH" $BENCH_MORE; do
	if [ -f "$t" ] && [ "$(head -n 1 "$t")" != "$BENCH_MARK" ]; then
		die "$t is not marked complete by 'make bench' (failed or older run): run 'make bench' again or remove it"
	fi
done
[ -f "$SERIES" ] || die "no patches/series"
[ -f "$COVER" ] || die "no patches/cover-letter"
if [ ! -d "$BASEGIT" ]; then
	"$TOP/scripts/prepare-tree.sh" stock
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
named=$tmp/named-files
: > "$named"
: > "$tmp/names"

# 1. One commit per series line.
scratch_tree "$WORK"
nr=0
series_lines > "$tmp/lines"
while read -r p files; do
	# shellcheck disable=SC2086
	commit_line "$p" $files
done < "$tmp/lines"
[ "$nr" -gt 0 ] || die "patches/series lists no patch"
msg "series: $nr commits in $WORK"

unnamed=$(unnamed_files)
if [ -n "$unnamed" ]; then
	msg "warning: new files that no line of patches/series names (not in the series):"
	printf '%s\n' "$unnamed" | sed 's/^/    /' >&2
fi

# 2. The series ends where "make check" is: the patched tree of
# prepare-tree.sh (right after step 1, while the files are as it read them).
ptree=$("$TOP/scripts/prepare-tree.sh" patched-commit)
G diff --name-only "$ptree" "$(T "$WORK" rev-parse HEAD)" > "$tmp/differ"
printf '%s\n' "$unnamed" | grep -v -x -F -f - "$tmp/differ" > "$tmp/differ.named" || true
if [ -s "$tmp/differ.named" ]; then
	sed 's/^/    /' "$tmp/differ.named" >&2
	die "the series ends with another tree than scripts/prepare-tree.sh builds (files above; if one changed while this ran, run it again)"
fi

# 3. The mails.
rm -rf "$OUT"
T "$WORK" format-patch -q --cover-letter --subject-prefix=PATCH \
	--from="$NAME <$EMAIL>" -o "$OUT" base..HEAD
cover_letter "$OUT"/0000-cover-letter.patch
ls "$OUT" | grep -v '^0000-' | paste - "$tmp/names" > "$MAP"

# 4. The mails apply to the pristine base and give the same tree.
scratch_tree "$AMTREE"
if ! T "$AMTREE" am -q --whitespace=nowarn $(ls "$OUT"/*.patch | grep -v '/0000-'); then
	T "$AMTREE" am --abort >/dev/null 2>&1 || true
	die "build/series does not apply to the base with git am"
fi
[ "$(T "$AMTREE" rev-parse 'HEAD^{tree}')" = "$(T "$WORK" rev-parse 'HEAD^{tree}')" ] ||
	die "git am of build/series gives another tree than the series"

msg "series: $OUT ($nr patches and a cover letter), checked with git am and against prepare-tree.sh"
grep -h '^Subject: ' "$OUT"/*.patch | sed 's/^Subject: //'
