#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cli lane: runs `vfiokit --root ROOT ARGS` for cases of tests/cli/cases.txt over the
# machines that tests/tools/mkroot writes or that were captured from the vm lane's guests
# (tests/data/roots/), and compares stdout, stderr and the exit status
# with tests/data/expected/NAME.out. The root's path is shown as @ROOT@.
#
#   run-golden.sh VFIOKIT MKROOT NAME...         compare
#   run-golden.sh --update VFIOKIT MKROOT NAME... rewrite the expected files
#   run-golden.sh --update VFIOKIT MKROOT --all  rewrite all of them
set -eu
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
vfiokit=$1 mkroot=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
cases=$here/cases.txt
if [ "${1:-}" = --all ]; then
	set -- $(grep -v '^#' "$cases" | awk 'NF { print $1 }')
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for name in "$@"; do
	line=$(awk -v n="$name" '$1 == n' "$cases")
	[ -n "$line" ] || { echo "no case $name in $cases" >&2; exit 2; }
	topo=$(echo "$line" | awk '{ print $2 }')
	args=$(echo "$line" | awk '{ for (i = 3; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "") }')
	# @DATA@ in a case stands for tests/data, e.g. for ROM images.
	args=$(echo "$args" | sed "s|@DATA@|$data|g")
	# Captured machines (tests/vm/capture-fixtures.sh) are used in place; the others are
	# written by mkroot.
	if [ -d "$data/roots/$topo" ]; then
		root=$data/roots/$topo
	else
		root=$work/$topo
		[ -d "$root" ] || "$mkroot" "$topo" "$root"
	fi
	rc=0
	# $args is split on purpose: it is a list of words from cases.txt.
	LC_ALL=C "$vfiokit" --root "$root" --pci-ids "$data/pci.ids" $args \
		>"$work/out" 2>"$work/err" || rc=$?
	{
		cat "$work/out"
		echo "--- stderr"
		cat "$work/err"
		echo "--- exit $rc"
	} | sed "s|$root|@ROOT@|g; s|$data|@DATA@|g" >"$work/actual"
	expected=$data/expected/$name.out
	if [ $update = 1 ]; then
		mkdir -p "$data/expected"
		cp "$work/actual" "$expected"
	elif ! diff -u "$expected" "$work/actual"; then
		echo "golden $name: output differs from $expected" >&2
		echo "(regenerate with: make golden-update, then review the diff)" >&2
		failed=1
	fi
done
exit $failed
