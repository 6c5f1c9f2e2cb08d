#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: deps.sh [docs|lint|trace|robot|apps|mm|debian]
#
# Installs the Debian packages the harness needs, if any is missing,
# including the base source (linux-source-6.12, pinned to the version
# the series is written against when the archive still has it). With
# "docs" or "lint" (or another name of the list above), also the packages
# that only that target needs.
set -eu
. "$(dirname "$0")/lib.sh"

PKGS="make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio ccache
rsync kmod file git xz-utils python3 qemu-system-x86 qemu-utils
busybox-static gnuplot-nox $BASE_PKG"
# "make docs": Sphinx for "make htmldocs".
DOCS_PKGS="python3-sphinx python3-sphinx-rtd-theme"
# "make lint": checkpatch.pl runs scripts/spdxcheck.py, which needs ply.
LINT_PKGS="perl python3-ply"
# "make trace-clients": the trace event clients run in the guest.
TRACE_PKGS="trace-cmd linux-perf"
# "make robot": sparse, and clang and lld (the fallback for arm64).
# Debian's gcc cross compilers (gcc-12-aarch64-linux-gnu,
# gcc-12-i686-linux-gnu) conflict with gcc-multilib (MM_PKGS): apt would
# remove one for the other. So they are not installed but unpacked, with
# their binutils, into $BUILD/cross (ROBOT_CROSS below), where
# scripts/robot.sh finds them; gcc finds its cc1 and as relative to its
# own path, and the host's gcc 12 already has the libraries cc1 needs.
ROBOT_PKGS="sparse clang lld"
ROBOT_CROSS="aarch64-linux-gnu i686-linux-gnu"
# FLAVOUR=debian: Debian's own kernel configs.
DEBIAN_PKGS="linux-config-6.12"
# "make host-programs": Debian programs run in the guest.
APPS_PKGS="stress-ng redis-server redis-tools"
# "make mm-selftests": the upstream selftests/mm, built on the host and
# run in the guest from the host's root: libnuma (ksm_tests, migration),
# liburing (cow's and gup_longterm's io_uring cases), libcap
# (mlock-random-test), the 32-bit libc (protection_keys_32 and
# pkey_sighandler_tests_32), and sudo, with which run_vmtests.sh runs
# on-fault-limit as "nobody".
MM_PKGS="libnuma-dev liburing-dev libcap-dev gcc-multilib libc6-dev-i386 sudo"
case "${1:-}" in
"") ;;
docs) PKGS="$PKGS $DOCS_PKGS" ;;
lint) PKGS="$PKGS $LINT_PKGS" ;;
trace) PKGS="$PKGS $TRACE_PKGS" ;;
robot) PKGS="$PKGS $ROBOT_PKGS" ;;
apps) PKGS="$PKGS $APPS_PKGS" ;;
mm) PKGS="$PKGS $MM_PKGS" ;;
debian) PKGS="$PKGS $DEBIAN_PKGS" ;;
*) die "usage: deps.sh [docs|lint|trace|robot|apps|mm|debian]" ;;
esac

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run 'make deps' as root, or apt-get install them)"
	msg "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# The base is always named, pinned when the archive has the pin:
	# installing another package (linux-config-6.12) must not upgrade it
	# on the way, or the next prepare-tree.sh imports another base.
	pin=$BASE_PKG
	if apt-cache madison "$BASE_PKG" | grep -qF "| $BASE_PKG_VERSION |"; then
		pin="$BASE_PKG=$BASE_PKG_VERSION"
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends --allow-downgrades \
		$(echo "$missing" | sed "s/ $BASE_PKG\b//") $pin >/dev/null
fi
have=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
# An upgrade from elsewhere (apt-get upgrade): back to the pin if we can.
if [ "$have" != "$BASE_PKG_VERSION" ] && [ "$(id -u)" -eq 0 ] &&
   apt-cache madison "$BASE_PKG" | grep -qF "| $BASE_PKG_VERSION |"; then
	msg "installing $BASE_PKG $BASE_PKG_VERSION over $have: the series is written against it"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		--allow-downgrades "$BASE_PKG=$BASE_PKG_VERSION" >/dev/null
	have=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
fi
[ "$have" = "$BASE_PKG_VERSION" ] ||
	msg "warning: $BASE_PKG $have installed, the series is written against $BASE_PKG_VERSION"

# unpack_cross TRIPLET: Debian's gcc 12 and binutils for TRIPLET,
# unpacked (not installed) into $BUILD/cross, with TRIPLET-gcc linked to
# TRIPLET-gcc-12 as the kernel's CROSS_COMPILE expects
unpack_cross()
{
	bin=$BUILD/cross/usr/bin
	[ -x "$bin/$1-gcc" ] && "$bin/$1-gcc" --version >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] || die "no $1 cross compiler in $BUILD/cross (run 'make robot-deps' as root)"
	debs="gcc-12-$1 gcc-12-$1-base cpp-12-$1 binutils-$1"
	msg "unpacking Debian's $debs into $BUILD/cross"
	dl=$(mktemp -d)
	(cd "$dl" && apt-get download $debs >/dev/null 2>&1) || {
		apt-get update -qq
		(cd "$dl" && apt-get download $debs >/dev/null)
	} || { rm -rf "$dl"; die "apt-get download $debs failed"; }
	mkdir -p "$BUILD/cross"
	for d in "$dl"/*.deb; do
		dpkg-deb -x "$d" "$BUILD/cross"
	done
	rm -rf "$dl"
	ln -sf "$1-gcc-12" "$bin/$1-gcc"
	"$bin/$1-gcc" --version >/dev/null || die "$bin/$1-gcc does not run"
}
if [ "${1:-}" = robot ]; then
	for t in $ROBOT_CROSS; do
		unpack_cross "$t"
	done
fi
