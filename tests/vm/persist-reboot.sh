#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vfiokit persist across real boots of the sandbox (topology twonic): the first boot
# applies the configuration for one of two identical NICs; the files it wrote are on
# "disk" for the second boot, whose coldplug is systemd-udevd running the system's rules,
# so the NIC must come up on vfio-pci and its twin on e1000e; that boot undoes it, and
# the third boot must have both on e1000e.
#   persist-reboot.sh VFIOKIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-persist-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$here/run-vm.sh" --udev --save-to "$work/boot1" twonic "$here/guest/persist-boot.sh" "$tool" apply
"$here/run-vm.sh" --udev --root-overlay "$work/boot1/root" --save-to "$work/boot2" twonic \
	"$here/guest/persist-boot.sh" "$tool" check
mkdir -p "$work/boot2/root"
"$here/run-vm.sh" --udev --root-overlay "$work/boot2/root" twonic \
	"$here/guest/persist-boot.sh" "$tool" undone
