#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every VFK_EXPORT function is in the version script, every script entry is exported, and
# the shared library exports exactly those.
set -eu
src=$1
lib=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -rhoE '^VFK_EXPORT [^(]*\b(vfk_[a-z0-9_]+)\(' "$src/lib" | grep -oE 'vfk_[a-z0-9_]+\($' |
	tr -d '(' | sort -u >"$tmp/defined"
grep -oE '^[[:space:]]+vfk_[a-z0-9_]+;' "$src/lib/libvfiokit.sym" | tr -d ' \t;' | sort -u >"$tmp/listed"
nm -D --defined-only "$lib" | awk '{ print $3 }' | sed 's/@.*//' | grep '^vfk_' | sort -u >"$tmp/exported"
status=0
if ! diff -u "$tmp/defined" "$tmp/listed"; then
	echo "VFK_EXPORT definitions (-) and libvfiokit.sym (+) differ" >&2
	status=1
fi
if ! diff -u "$tmp/listed" "$tmp/exported"; then
	echo "libvfiokit.sym (-) and the symbols the library exports (+) differ" >&2
	status=1
fi
[ $status -eq 0 ] && echo "$(wc -l <"$tmp/listed") symbols: consistent"
exit $status
