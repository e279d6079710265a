#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes the module index files (modules.dep.bin and friends) that libkmod reads for a
# fake kernel, by running the real depmod over stand-in .ko files that carry only a
# .modinfo section. The result is checked in under tests/data/modules/ and copied into
# fixture roots; rerun this script only to change which modules exist.
#
#   tests/tools/mkmodules.sh OUTDIR "loadable modules" "built-in modules"
set -eu
out=$1 loadable=$2 builtin=$3
cc=${CC:-cc}
depmod=$(command -v depmod || echo /sbin/depmod)
release=0.0.0-fixture
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$work/lib/modules/$release
mkdir -p "$dir/kernel/drivers/vfio"
for m in $loadable; do
	printf 'static const char mi[] __attribute__((section(".modinfo"), used, aligned(1))) =\n' > "$work/$m.c"
	printf '\t"license=GPL\\0name=%s\\0vermagic=%s SMP mod_unload \\0";\n' "$m" "$release" >> "$work/$m.c"
	"$cc" -c -o "$dir/kernel/drivers/vfio/$m.ko" "$work/$m.c"
done
: > "$dir/modules.builtin"
for m in $builtin; do
	echo "kernel/drivers/vfio/$m.ko" >> "$dir/modules.builtin"
done
: > "$dir/modules.order"
"$depmod" -b "$work" "$release" 2>/dev/null
mkdir -p "$out"
cp "$dir"/modules.dep "$dir"/modules.dep.bin "$dir"/modules.alias.bin "$dir"/modules.builtin \
	"$dir"/modules.builtin.bin "$dir"/modules.symbols.bin "$dir"/modules.softdep "$out"/
[ -e "$dir/modules.builtin.alias.bin" ] && cp "$dir/modules.builtin.alias.bin" "$out"/
echo "$out: $(ls "$out" | wc -l) files"
