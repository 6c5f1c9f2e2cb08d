# SPDX-License-Identifier: GPL-2.0
# Shared settings for the harness scripts. Sourced, not run.

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
BASE_TARBALL=${BASE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
BASE_PKG=linux-source-6.12
# The base the series is written against. A different installed
# version is used with a warning, since the patches may not apply.
BASE_PKG_VERSION=6.12.117-1~deb12u1
JOBS=${JOBS:-$(nproc)}

# ccache: key on paths relative to the clone so that a fresh clone in
# another directory reuses the objects of an earlier one.
export CCACHE_BASEDIR="$TOP"
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export CCACHE_COMPILERCHECK=content
export KBUILD_BUILD_TIMESTAMP="2025-01-01"
export KBUILD_BUILD_USER=swapcache
export KBUILD_BUILD_HOST=swapcache

# msg TEXT...: print a harness progress line on stderr
msg()
{
	printf '==> %s\n' "$*" >&2
}

# die TEXT...: print an error and exit non-zero
die()
{
	printf 'error: %s\n' "$*" >&2
	exit 1
}
