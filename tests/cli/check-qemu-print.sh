#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `qemu --print` is one command line to paste: read back by sh, it must give exactly the
# arguments `qemu --print=argv` lists, for guests with awkward words (a ROM path with a
# comma, QEMU arguments after --, quotes and spaces).
#   check-qemu-print.sh VFIOKIT MKROOT DATA_DIR
set -euo pipefail
tool=$1 mkroot=$2 data=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mkroot" vfio-workstation "$work/root" >/dev/null
fail=0
check() { # name, then qemu's options and devices
	local name=$1
	shift
	"$tool" --root "$work/root" qemu --print=argv "$@" >"$work/argv"
	"$tool" --root "$work/root" qemu --print "$@" >"$work/line"
	# sh reads the line as a user pasting it would; each argument comes back on a line.
	sh -c 'eval "set -- $(cat "$1")"; printf "%s\n" "$@"' sh "$work/line" >"$work/back"
	if cmp -s "$work/argv" "$work/back"; then
		echo "ok: $name: $(wc -l <"$work/argv") arguments read back"
	else
		echo "FAIL: $name" >&2
		diff "$work/argv" "$work/back" >&2 || true
		fail=1
	fi
}
check "two GPUs" --accel kvm --memory 8G --hugepages --primary-gpu --hide-hypervisor \
	01:00.0 01:00.1 02:00.0 02:00.1 -- -display none
check "ROM with a comma" --accel kvm --rom "0000:01:00.0=$data/roms/evil,x-vga=on.rom" \
	01:00.0 01:00.1
check "awkward QEMU arguments" --accel kvm --name a.guest_1 04:02.0 -- \
	-append 'console=ttyS0 root="/dev/vda 1"' -smbios 'type=1,serial=a b$c`d'
check "options after the devices" 04:02.0 --accel kvm --cpus 4
exit $fail
