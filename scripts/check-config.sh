#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# usage: check-config.sh FRAGMENT... -- DOTCONFIG
#
# Fails, naming each one, if an option the fragments request did not
# survive into DOTCONFIG (a missing dependency makes Kconfig drop it
# silently).
set -eu
frags=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	frags="$frags $1"
	shift
done
[ $# -eq 2 ] || { echo "usage: check-config.sh FRAGMENT... -- DOTCONFIG" >&2; exit 2; }
dotconfig=$2
bad=0
for opt in $(cat $frags | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' | sort -u); do
	want=$(cat $frags | sed -n "s/^$opt=//p" | tail -n 1)
	have=$(sed -n "s/^$opt=//p" "$dotconfig")
	if grep -q "^# $opt is not set" "$dotconfig"; then
		have=n
	fi
	[ -n "$have" ] || have=n
	if [ "$want" != "$have" ]; then
		echo "config: $opt requested $want, got $have" >&2
		bad=$((bad + 1))
	fi
done
if [ $bad -ne 0 ]; then
	echo "config: $bad requested option(s) dropped; fix configs/ or their dependencies" >&2
	exit 1
fi
