#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/check-build-deps.sh names what is missing and where to get it: each case hides
# programs from PATH or a module from pkg-config's search path and reads the report.
#   test-check-build-deps.sh SOURCE_ROOT
set -euo pipefail
checker=$1/scripts/check-build-deps.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# mirror_without PATTERN DIRS NAME...: DIRS (colon-separated) with the files matching
# PATTERN minus the NAMEs: each directory that holds one becomes a copy of symbolic links
# without it.
mirror_without() {
	local pattern=$1 out='' d m h x
	IFS=: read -ra dirs <<<"$2"
	shift 2
	for d in "${dirs[@]}"; do
		[ -d "$d" ] || continue
		m=$d
		for h in "$@"; do
			[ -e "$d/$h" ] || continue
			m=$(mktemp -d "$tmp/dir.XXXXXX")
			# shellcheck disable=SC2086 # the pattern is a glob
			ln -s "$d"/$pattern "$m"/
			for x in "$@"; do rm -f "$m/$x"; done
			break
		done
		out=${out:+$out:}$m
	done
	echo "$out"
}
path_without() { mirror_without '*' "$PATH" "$@"; }
pc_without() {
	local h names=()
	for h in "$@"; do names+=("$h.pc"); done
	mirror_without '*.pc' "${PKG_CONFIG_PATH:-}:$(pkg-config --variable pc_path pkg-config)" "${names[@]}"
}

# expect NAME STATUS PATTERN... -- COMMAND...: COMMAND exits STATUS and its output has
# every PATTERN (a grep -E expression) on some line.
expect() {
	local name=$1 status=$2 out rc=0 patterns=()
	shift 2
	while [ "$1" != -- ]; do
		patterns+=("$1")
		shift
	done
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != "$status" ]; then
		printf 'FAIL %s: exit %s, expected %s; output:\n%s\n' "$name" "$rc" "$status" "$out"
		fails=$((fails + 1))
		return
	fi
	for p in "${patterns[@]}"; do
		if ! grep -qE -- "$p" <<<"$out"; then
			printf 'FAIL %s: no line matches /%s/ in:\n%s\n' "$name" "$p" "$out"
			fails=$((fails + 1))
			return
		fi
	done
	echo "ok   $name"
}

nopc=$(pc_without libmnl)
expect "all present" 0 -- \
	env -u CC -u PKG_CONFIG "$checker"
expect "ninja hidden" 1 \
	'program ninja +Debian: ninja-build +Fedora: ninja-build +Arch: ninja$' -- \
	env -u NINJA PATH="$(path_without ninja ninja-build samu)" "$checker"
expect "libmnl hidden" 1 \
	'pkg-config module libmnl +Debian: libmnl-dev +Fedora: libmnl-devel +Arch: libmnl$' -- \
	env -u PKG_CONFIG PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$nopc" "$checker"
expect "two missing, both named" 1 '^  program meson' '^  pkg-config module cmocka' -- \
	env -u PKG_CONFIG PATH="$(path_without meson)" PKG_CONFIG_PATH= \
	PKG_CONFIG_LIBDIR="$(pc_without cmocka)" "$checker"
expect "pkg-config hidden" 1 'program pkg-config +Debian: pkg-config +Fedora: pkgconf-pkg-config' \
	'module libpci\? +Debian: libpci-dev' 'marked \? could not be checked' -- \
	env -u PKG_CONFIG PATH="$(path_without pkg-config pkgconf)" "$checker"
expect "CC not found" 1 'program no-such-cc \(.CC\) +Debian: gcc' -- \
	env CC="no-such-cc -O2" "$checker"

# Nothing else is named when one thing is missing.
out=$(env -u PKG_CONFIG PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$nopc" "$checker" 2>&1 || true)
if [ "$(grep -c '^  ' <<<"$out")" != 1 ]; then
	printf 'FAIL one line per missing dependency:\n%s\n' "$out"
	fails=$((fails + 1))
else
	echo "ok   one line per missing dependency"
fi
[ $fails -eq 0 ]
