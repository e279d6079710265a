#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The MMIO accessors must cost nothing: compiles tests/unit/mmio-loops.c with -O2 and
# requires every loop written with vfk_mmio_*() (NAME_lib) to be, instruction for
# instruction, the loop written with a raw volatile pointer (NAME_raw). Addresses,
# function names and alignment padding are ignored.
#   check-mmio-asm.sh OBJDUMP SRC INCLUDE_DIR CC [CC_ARGS...]
set -euo pipefail
objdump=$1 src=$2 inc=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# GCC would otherwise merge identical functions into one (which would prove the point,
# but leaves nothing to compare).
extra=()
if "$@" -fno-ipa-icf -x c -c /dev/null -o "$tmp/probe.o" 2>/dev/null; then
	extra=(-fno-ipa-icf)
fi
"$@" -O2 "${extra[@]}" -I "$inc" -c "$src" -o "$tmp/loops.o"
"$objdump" -d --no-show-raw-insn "$tmp/loops.o" >"$tmp/dis"

# One file per function: its instructions, branch targets as offsets into the function.
mkdir "$tmp/fn"
awk -v dir="$tmp/fn" '
	/^[0-9a-f]+ <[A-Za-z0-9_]+>:$/ {
		name = $2; gsub(/[<>:]/, "", name); out = dir "/" name; next
	}
	out != "" && /^ *[0-9a-f]+:\t/ {
		sub(/^ *[0-9a-f]+:\t/, "")
		if ($0 ~ /^(nop|data16|cs nop|xchg +%ax,%ax|int3)/)
			next
		gsub(/[0-9a-f]+ <[A-Za-z0-9_]+/, "<")
		gsub(/[ \t]+/, " ")
		print > out
	}' "$tmp/dis"

pairs=0 fail=0
for lib in "$tmp"/fn/*_lib; do
	[ -e "$lib" ] || break
	name=$(basename "$lib" _lib)
	raw=$tmp/fn/${name}_raw
	if [ ! -s "$raw" ]; then
		echo "FAIL: ${name}_raw missing from the object" >&2
		fail=1
		continue
	fi
	pairs=$((pairs + 1))
	if cmp -s "$lib" "$raw"; then
		echo "ok: ${name}: $(wc -l <"$lib") instructions, identical"
	else
		echo "FAIL: ${name}_lib and ${name}_raw differ:" >&2
		diff "$lib" "$raw" >&2 || true
		fail=1
	fi
done
[ "$pairs" -gt 0 ] || { echo "FAIL: no function pairs found" >&2; exit 1; }
exit "$fail"
